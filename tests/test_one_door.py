"""One door per write: faces (admin, views, forms, API, commands, tasks, templatetags,
receivers) never write a model themselves; they call the owning app's services.

(a) Every ModelAdmin registered on the admin site is read-only, or writes with methods of
    the project: save_model, delete_model, delete_queryset, and save_related (plus
    save_formset when Django's save_related would reach it) when it has inlines or m2m.
(b) An ast walk over the face modules fails on `.save(`, `.delete(`, `.objects.create(`,
    `.bulk_create(`, `.bulk_update(`, `.update(` on a queryset or manager, `get_or_create`
    and `update_or_create`, naming file:line. The few calls that are not model writes are
    allowed below, each with its reason.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import Desk

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"tests", "migrations", "__pycache__", "node_modules", "static", "templates"}
SKIPPED_DIRS |= {"bench", "docs", "ops", "seeds", "config", "locale"}

# A module is a face when a folder or its own name on its path is one of these (or starts
# with one and an underscore: views_export.py).
FACE_PARTS = {
    "admin",
    "api",
    "context_processors",
    "feeds",
    "filters",
    "forms",
    "management",
    "middleware",
    "receivers",
    "tasks",
    "templatetags",
    "views",
}

ALWAYS_WRITES = {
    "save",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
QUERYSET_METHODS = {
    "all",
    "annotate",
    "defer",
    "distinct",
    "exclude",
    "filter",
    "only",
    "order_by",
    "prefetch_related",
    "select_for_update",
    "select_related",
    "using",
}

# Receivers whose .save()/.delete() is not a model write: the last name of the expression
# the method is called on.
ALLOWED_RECEIVERS: dict[str, str] = {
    "cache": "the cache (Redis), not a record",
    "session": "the request's session store (django.contrib.sessions), not a record",
    "storage": "a file storage: removes or writes a file, the record is left to services",
    "default_storage": "a file storage: removes or writes a file, the record is left to services",
}

# Whole modules of the API's transport machinery, with their reason.
ALLOWED_MODULES: dict[str, str] = {
    "api/idempotency.py": (
        "the Idempotency-Key replay store of the API layer: its rows are no domain record "
        "(no history, no event) and must be claimed in the same transaction as the change "
        "they guard, by the face that runs it"
    ),
}

# Single calls, by (file, the call as ast.unparse writes it), with their reason.
_SERIALIZER_SAVE = (
    "DRF's serializer.save() on a CleanModelSerializer (checked by _through_services) calls "
    "its record_create / record_update, which call the owning app's services"
)
ALLOWED_CALLS: dict[tuple[str, str], str] = {
    ("api/views.py", "_through_services(self, serializer).save()"): _SERIALIZER_SAVE,
}


def _face_modules() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if len(parts) < 2 or any(p in SKIPPED_DIRS or p.startswith(".") for p in parts):
            continue
        if not (ROOT / parts[0] / "__init__.py").is_file():
            continue
        # views.py, views/, and views_something.py alike
        names = {p.removesuffix(".py").split("_")[0] for p in parts} | {
            p.removesuffix(".py") for p in parts
        }
        if names & FACE_PARTS:
            found.append(path)
    return found


def _last_name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _last_name(node.func)
    return ""


def _on_queryset(node: ast.AST) -> bool:
    """Whether the expression is (most likely) a manager or a queryset."""
    while True:
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in QUERYSET_METHODS:
                return True
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr == "objects" or node.attr.endswith("queryset"):
                return True
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id in {"qs", "queryset"} or node.id.endswith("_queryset")
        else:
            return False


def _is_write(call: ast.Call) -> bool:
    if not isinstance(call.func, ast.Attribute):
        return False
    method, receiver = call.func.attr, call.func.value
    if method in ALWAYS_WRITES:
        if method == "save" and any(
            k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        ):
            return False  # form.save(commit=False) builds an unsaved instance for a service
        return _last_name(receiver) not in ALLOWED_RECEIVERS
    if method == "create":
        # Model.objects.create(...) and related managers (meeting.participants.create(...)).
        return _on_queryset(receiver) or isinstance(receiver, ast.Attribute)
    if method == "update":
        return _on_queryset(receiver)
    return False


def face_writes(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        relative = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        if relative in ALLOWED_MODULES:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_write(node):
                text = ast.unparse(node)
                if (relative, text) not in ALLOWED_CALLS:
                    found.append(f"{relative}:{node.lineno}: {text[:100]}")
    return found


def test_faces_write_through_services_only() -> None:
    paths = _face_modules()
    assert len(paths) > 50, "the walk found too few face modules: is ROOT right?"
    found = face_writes(paths)
    assert not found, "Faces that write models themselves (call a service):\n" + "\n".join(found)


def test_the_walk_finds_a_face_that_writes(tmp_path: Path) -> None:
    bad = tmp_path / "views.py"
    bad.write_text(
        textwrap.dedent(
            """
            def view(request, meeting, form):
                meeting.save()
                Meeting.objects.filter(pk=1).update(title="x")
                Meeting.objects.create(title="x")
                meeting.participants.create(name="x")
                Meeting.objects.get_or_create(title="x")
                Meeting.objects.bulk_create([])
                queryset.delete()
                form.save()
                form.save(commit=False)
                request.session.save()
                cache.delete("k")
                {}.update(a=1)
            """
        )
    )
    found = face_writes([bad])
    lines = sorted(int(entry.split(":")[1]) for entry in found)
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10], found


def test_allowed_entries_say_why() -> None:
    for reason in [*ALLOWED_RECEIVERS.values(), *ALLOWED_MODULES.values()]:
        assert len(reason) > 20
    for (path, _call), reason in ALLOWED_CALLS.items():
        assert (ROOT / path).is_file() and len(reason) > 20
    for path in ALLOWED_MODULES:
        assert (ROOT / path).is_file(), f"{path} is allowed but no longer exists"


# (a) the admin

# Apps not of this project, each with why its admin keeps Django's writes.
THIRD_PARTY_ADMINS: dict[str, str] = {
    "auth": "role groups: written by accounts.services.roles_sync; the Group admin is "
    "Django's own, for administrators (permissions, not records of the domain)",
    "django_celery_beat": "beat schedules of the scheduler library, written by "
    "notifications.services.schedules_ensure; the admin is the library's",
    "axes": "the login-lockout log of django-axes; the admin is the library's (reset a "
    "lockout by deleting its attempt row)",
}
WRITE_METHODS = ("save_model", "delete_model", "delete_queryset")


def _superuser_request() -> Any:
    request = RequestFactory().get("/admin/")
    request.user = SimpleNamespace(  # type: ignore[assignment]
        is_authenticated=True,
        is_active=True,
        is_staff=True,
        is_superuser=True,
        is_administrator=True,
        pk=0,
        has_perm=lambda *args, **kwargs: True,
        has_perms=lambda *args, **kwargs: True,
        has_module_perms=lambda *args, **kwargs: True,
    )
    return request


def _defined_in_project(model_admin: Any, name: str) -> bool:
    function = inspect.unwrap(getattr(type(model_admin), name))
    module = getattr(function, "__module__", "") or ""
    return not module.startswith("django.")


def _admin_problems(model_admin: Any) -> list[str]:
    request = _superuser_request()
    writes = (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    )
    if not writes:
        return []
    wanted = list(WRITE_METHODS)
    if model_admin.inlines or model_admin.model._meta.many_to_many:
        wanted.append("save_related")
    if model_admin.inlines and not _defined_in_project(model_admin, "save_related"):
        wanted.append("save_formset")
    label = f"{model_admin.model._meta.label} ({type(model_admin).__qualname__})"
    return [
        f"{label}: {name} is Django's (writes the model itself)"
        for name in wanted
        if not _defined_in_project(model_admin, name)
    ]


def test_every_admin_writes_through_services_or_is_read_only() -> None:
    problems = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in THIRD_PARTY_ADMINS:
            continue
        problems += _admin_problems(model_admin)
    assert not problems, "\n".join(problems)


def test_the_admin_check_finds_an_admin_that_writes() -> None:
    class WritingAdmin(admin.ModelAdmin):
        pass

    problems = _admin_problems(WritingAdmin(Desk, admin.site))
    assert {p.split(": ")[1].split(" ")[0] for p in problems} == {
        "save_model",
        "delete_model",
        "delete_queryset",
        "save_related",
    }


@pytest.mark.parametrize("app_label", sorted(THIRD_PARTY_ADMINS))
def test_third_party_exemptions_are_still_registered(app_label: str) -> None:
    labels = {model._meta.app_label for model in admin.site._registry}
    assert app_label in labels, f"{app_label} is exempt but no longer in the admin"
