"""Dependencies point down. This reads the project's own modules (not tests, not migrations,
not .venv) with `ast`, builds the graph of their imports and fails on every arrow against the
layering rules, naming the file, the line and the arrow:

- faces (views, forms, filters, api/, admin, management commands, tasks, signal receivers,
  templatetags, middleware, urls) -> logic (services, selectors, search, ...) -> models ->
  core: logic never imports a face, models import only models and core;
- `accounts` imports no other app of the project, nothing in `minerals` imports
  `engagements`, `core` imports no app, and no two apps import each other;
- the domain's exceptions are imported from `core.exceptions`, never through another module;
- no import cycle between modules (module-level imports; `if TYPE_CHECKING:` ones are exempt);
- a face imports no other kind of face and no other app's face: query logic two faces share
  lives in selectors or a search module;
- no import of a project module inside a function, except those in ALLOWED_LAZY_IMPORTS.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"tests", "migrations", "__pycache__", "node_modules", "static", "templates"}

# Imports of project modules that must run inside a function, each with its reason.
# Keyed by (module, qualified name of the function).
_READY = "AppConfig.ready(): connects receivers once every app's models are loaded"
_SCRIPT = "a script: it sets DJANGO_SETTINGS_MODULE and calls django.setup() before models load"
ALLOWED_LAZY_IMPORTS: dict[tuple[str, str], str] = {
    ("api.apps", "ApiConfig.ready"): "AppConfig.ready(): registers the OpenAPI extensions",
    ("audit.apps", "AuditConfig.ready"): _READY,
    ("engagements.apps", "EngagementsConfig.ready"): (
        "AppConfig.ready(): registers the audited models once every app's models are loaded"
    ),
    ("imports.apps", "ImportsConfig.ready"): "AppConfig.ready(): registers the Celery tasks",
    ("notifications.apps", "NotificationsConfig.ready"): _READY,
    ("webhooks.apps", "WebhooksConfig.ready"): _READY,
    ("bench.run", "main"): _SCRIPT,
    ("bench.http.run", "main"): _SCRIPT,
    ("bench.http.run", "prepare"): _SCRIPT + " (called from main)",
    ("bench.http.run", "clean_up"): _SCRIPT + " (called from main)",
}

# Apps and the only apps they may import (besides themselves).
APP_LIMITS = {
    "core": (set(), "core imports no app"),
    "accounts": ({"core"}, "accounts imports no other app of the project (only core)"),
}
FORBIDDEN_APP_ARROWS = {("minerals", "engagements"): "nothing in minerals imports engagements"}

FACE_NAMES = {
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
    "urls",
    "views",
}


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    path: str
    line: int
    names: tuple[str, ...]
    # "module": runs on import; "type_checking": under `if TYPE_CHECKING:`;
    # "function": inside the function `function`.
    where: str
    function: str = ""

    def __str__(self) -> str:
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.path}:{self.line}: {self.source} -> {self.target}{names}"


@dataclass
class Graph:
    root: Path
    modules: dict[str, Path]
    arrows: list[Arrow] = field(default_factory=list)
    # module -> local name -> project module bound to it (to see `services.PermissionDenied`)
    bindings: dict[str, dict[str, str]] = field(default_factory=dict)
    trees: dict[str, ast.Module] = field(default_factory=dict)

    def resolve(self, name: str) -> str | None:
        """The project module `name` names, or the package it is an attribute of."""
        while name:
            if name in self.modules:
                return name
            name = name.rpartition(".")[0]
        return None

    def running(self) -> list[Arrow]:
        """The arrows that run when their module is imported (or are type-only)."""
        return [arrow for arrow in self.arrows if arrow.where != "function"]


def _module_files(root: Path) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in sorted(root.iterdir()):
        if package.name in SKIPPED_DIRS or package.name.startswith("."):
            continue
        if not (package / "__init__.py").is_file():
            continue
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(root).parts
            if any(part in SKIPPED_DIRS or part.startswith(".") for part in parts):
                continue
            # Only importable modules: every folder on the way is a package.
            folders = (root.joinpath(*parts[:i]) for i in range(1, len(parts)))
            if not all((folder / "__init__.py").is_file() for folder in folders):
                continue
            names = list(path.relative_to(root).with_suffix("").parts)
            if names[-1] == "__init__":
                names.pop()
            modules[".".join(names)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_imports(
    node: ast.AST, where: str = "module", function: str = "", scope: str = ""
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str, str]]:
    """Every import statement with where it runs (see Arrow.where) and its function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, where, function
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            name = f"{scope}{getattr(child, 'name', '<lambda>')}"
            yield from _walk_imports(child, "function", function or name, f"{name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _walk_imports(child, where, function, f"{scope}{child.name}.")
        elif isinstance(child, ast.If) and where == "module" and _is_type_checking(child.test):
            for statement in child.body:
                yield from _walk_imports(
                    ast.Module(body=[statement], type_ignores=[]), "type_checking", "", scope
                )
            for statement in child.orelse:
                yield from _walk_imports(ast.Module(body=[statement], type_ignores=[]))
        else:
            yield from _walk_imports(child, where, function, scope)


def build_graph(root: Path) -> Graph:
    graph = Graph(root=root, modules=_module_files(root))
    for module, path in graph.modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph.trees[module] = tree
        bindings = graph.bindings.setdefault(module, {})
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        shown_path = str(path.relative_to(root))
        for node, where, function in _walk_imports(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = graph.resolve(alias.name)
                    if target is None:
                        continue
                    graph.arrows.append(
                        Arrow(module, target, shown_path, node.lineno, (), where, function)
                    )
                    if where != "function" and alias.asname:
                        bindings[alias.asname] = target
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            package_target = graph.resolve(name)
            if package_target is None:
                continue
            by_target: dict[str, list[str]] = {}
            for alias in node.names:
                submodule = f"{name}.{alias.name}"
                target = submodule if submodule in graph.modules else package_target
                by_target.setdefault(target, []).append(alias.name)
                if where != "function" and submodule in graph.modules:
                    bindings[alias.asname or alias.name] = submodule
            for target, names in by_target.items():
                graph.arrows.append(
                    Arrow(module, target, shown_path, node.lineno, tuple(names), where, function)
                )
    return graph


@functools.cache
def project() -> Graph:
    return build_graph(ROOT)


# --- what a module is ------------------------------------------------------------------------


def _app(module: str) -> str:
    return module.partition(".")[0]


def _is_model(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] == "models"


def _face_kind(module: str) -> str | None:
    """What kind of face a module is, or None for logic, models and core. A name's first
    word counts: `views_exports`, `urls_browse`, `forms_commitments` are views, urls, forms."""
    parts = module.split(".")
    if _is_model(module) or parts[0] == "core":
        return None
    if parts[0] in {"config", "bench"} or parts[-1] == "apps":
        return "wiring"  # settings, root urls, the Celery app, AppConfigs, benchmark scripts
    names = set(parts[1:]) | {part.partition("_")[0] for part in parts[1:]}
    if "urls" in names:
        return "urls"
    if parts[0] == "api" or "api" in names:
        return "api"
    for kind, name in (
        ("admin", "admin"),
        ("command", "management"),
        ("task", "tasks"),
        ("receiver", "receivers"),  # signal handlers: entry points, like tasks
    ):
        if name in names:
            return kind
    return "page" if names & FACE_NAMES else None


def _layer(module: str) -> str:
    if _app(module) == "core":
        return "core"
    if _is_model(module):
        return "models"
    return "logic" if _face_kind(module) is None else "faces"


# --- the rules: each returns one line per breach ---------------------------------------------


def layer_breaches(graph: Graph) -> list[str]:
    breaches = []
    for arrow in graph.running():
        source, target = _layer(arrow.source), _layer(arrow.target)
        if source == "models" and target not in {"models", "core"}:
            breaches.append(f"{arrow}: a model imports {target}")
        elif source == "logic" and target == "faces":
            breaches.append(f"{arrow}: logic imports a face ({_face_kind(arrow.target)})")
        elif source == "core" and target != "core":
            breaches.append(f"{arrow}: core imports {target}")
    return breaches


def app_boundary_breaches(graph: Graph) -> list[str]:
    breaches = []
    for arrow in graph.arrows:
        source, target = _app(arrow.source), _app(arrow.target)
        if source == target:
            continue
        if source in APP_LIMITS and target not in APP_LIMITS[source][0]:
            breaches.append(f"{arrow}: {APP_LIMITS[source][1]}")
        if (source, target) in FORBIDDEN_APP_ARROWS:
            breaches.append(f"{arrow}: {FORBIDDEN_APP_ARROWS[source, target]}")
    return breaches


def _domain_exceptions(graph: Graph) -> set[str]:
    tree = graph.trees["core.exceptions"]
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def exception_breaches(graph: Graph) -> list[str]:
    exceptions = _domain_exceptions(graph)
    breaches = []
    for arrow in graph.arrows:
        if arrow.target != "core.exceptions":
            for name in sorted(set(arrow.names) & exceptions):
                breaches.append(f"{arrow}: import {name} from core.exceptions")
    for module, tree in graph.trees.items():
        bindings = graph.bindings[module]
        path = graph.modules[module].relative_to(graph.root)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in exceptions
                and isinstance(node.value, ast.Name)
                and bindings.get(node.value.id, "core.exceptions") != "core.exceptions"
            ):
                breaches.append(
                    f"{path}:{node.lineno}: {module} -> {bindings[node.value.id]}.{node.attr}: "
                    f"use core.exceptions.{node.attr}"
                )
    return breaches


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(sorted(edges.get(start, ()))))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def module_cycle_breaches(graph: Graph) -> list[str]:
    arrows = [arrow for arrow in graph.arrows if arrow.where == "module"]
    edges: dict[str, set[str]] = {}
    for arrow in arrows:
        if arrow.source != arrow.target:
            edges.setdefault(arrow.source, set()).add(arrow.target)
    breaches = []
    for component in _cycles(edges):
        members = set(component)
        inside = sorted((a for a in arrows if a.source in members and a.target in members), key=str)
        pairs = {(a.source, a.target) for a in inside}
        mutual = sorted({" <-> ".join(sorted(p)) for p in pairs if p[::-1] in pairs})
        kind = f"; files importing each other: {', '.join(mutual)}" if mutual else ""
        lines = "\n    ".join(str(a) for a in inside)
        breaches.append(f"a cycle of {len(component)} modules{kind}:\n    {lines}")
    return breaches


def app_cycle_breaches(graph: Graph) -> list[str]:
    arrows = [
        arrow
        for arrow in graph.arrows
        if arrow.where == "module"
        and _face_kind(arrow.source) not in {"urls", "wiring"}
        and _app(arrow.source) != _app(arrow.target)
    ]
    edges: dict[str, set[str]] = {}
    for arrow in arrows:
        edges.setdefault(_app(arrow.source), set()).add(_app(arrow.target))
    breaches = []
    for component in _cycles(edges):
        members = set(component)
        inside = sorted(
            str(a) for a in arrows if _app(a.source) in members and _app(a.target) in members
        )
        breaches.append(
            f"apps {' <-> '.join(component)} import each other:\n    " + "\n    ".join(inside)
        )
    return breaches


def _face_may_import(source: str, target: str) -> bool:
    source_kind, target_kind = _face_kind(source), _face_kind(target)
    if source_kind in {"urls", "wiring"}:
        return True  # routing and start-up wire every face
    if target_kind == "task":
        return True  # a face queues a task
    if source_kind != target_kind:
        return False
    if _app(source) == _app(target):
        return True
    if source_kind == "api":
        return _app(target) == "api"  # the api app holds the base every app's API builds on
    return target.split(".")[-1].partition("_")[0] == "forms"  # a form is shown on many pages


def face_breaches(graph: Graph) -> list[str]:
    breaches = []
    for arrow in graph.running():
        if _layer(arrow.source) != "faces" or _layer(arrow.target) != "faces":
            continue
        if not _face_may_import(arrow.source, arrow.target):
            breaches.append(
                f"{arrow}: a {_face_kind(arrow.source)} face imports a "
                f"{_face_kind(arrow.target)} face of {_app(arrow.target)}; "
                "move what they share to selectors or search"
            )
    return breaches


def lazy_import_breaches(
    graph: Graph, allowed: dict[tuple[str, str], str] = ALLOWED_LAZY_IMPORTS
) -> list[str]:
    return [
        f"{arrow}: imported inside {arrow.function}()"
        for arrow in graph.arrows
        if arrow.where == "function" and (arrow.source, arrow.function) not in allowed
    ]


def _report(title: str, breaches: list[str]) -> str:
    return f"{title} ({len(breaches)}):\n  " + "\n  ".join(sorted(set(breaches)))


# --- the project keeps the rules -------------------------------------------------------------


def test_the_graph_reads_the_project():
    graph = project()
    assert {"core.exceptions", "accounts.models", "engagements.services", "api.urls"} <= set(
        graph.modules
    )
    assert not any(
        ".migrations" in module or module.startswith("tests") for module in graph.modules
    )
    assert {"PermissionDenied", "VersionConflict"} <= _domain_exceptions(graph)
    assert len(graph.arrows) > 200


def test_layers_point_down():
    """Models import models and core; logic (services, selectors, search...) never imports a
    face (view, form, filter, serializer, admin, command, task, request handling)."""
    breaches = layer_breaches(project())
    assert not breaches, _report("Imports pointing up", breaches)


def test_apps_keep_to_their_side():
    breaches = app_boundary_breaches(project())
    assert not breaches, _report("Imports across app boundaries", breaches)


def test_domain_exceptions_come_from_core():
    breaches = exception_breaches(project())
    assert not breaches, _report("Domain exceptions taken from elsewhere", breaches)


def test_no_import_cycles():
    breaches = module_cycle_breaches(project())
    assert not breaches, _report("Import cycles", breaches)


def test_no_import_cycle_between_apps():
    """Each app is above or below another, never both: notifications, webhooks and imports
    listen to engagements, which imports none of them. The urls modules, which route to
    every app, are left out."""
    breaches = app_cycle_breaches(project())
    assert not breaches, _report("Import cycles between apps", breaches)


def test_faces_do_not_share_through_each_other():
    """A face imports faces of its own kind and app only (urls route to all, any face may
    queue a task, pages may show another app's form, every app's API builds on the api app):
    a page does not import the API's filters nor another app's views. What two faces share
    lives in selectors or search."""
    breaches = face_breaches(project())
    assert not breaches, _report("Faces importing other faces", breaches)


def test_no_project_import_hidden_in_a_function():
    graph = project()
    used = {(a.source, a.function) for a in graph.arrows if a.where == "function"}
    stale = sorted(f"{module}:{name}" for module, name in set(ALLOWED_LAZY_IMPORTS) - used)
    assert not stale, f"ALLOWED_LAZY_IMPORTS names functions that import nothing: {stale}"
    breaches = lazy_import_breaches(graph)
    assert not breaches, _report("Project imports inside functions", breaches)


# --- the rules catch what they should, on a small made-up project ----------------------------


def _write(root: Path, files: dict[str, str]) -> Graph:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for folder in {p.parent for p in root.rglob("*.py")}:
        (folder / "__init__.py").touch()
    return build_graph(root)


def test_the_rules_catch_each_kind_of_breach(tmp_path):
    graph = _write(
        tmp_path,
        {
            "core/exceptions.py": "class PermissionDenied(Exception): ...\n",
            "accounts/models.py": "from notifications import selectors\n",
            "minerals/views.py": "from engagements.views.profiles import section\n",
            "engagements/models.py": "from .services import helper\n",
            "engagements/services.py": """
                from core.exceptions import PermissionDenied
                from .forms import MeetingForm
                from .tasks import send
                from notifications.selectors import watches
            """,
            "engagements/tasks.py": "from .services import meeting_create\n",
            "engagements/forms.py": "from .api.filters import search\n",
            "engagements/api/filters.py": "",
            "engagements/views/profiles.py": """
                from engagements import services
                from engagements.services import PermissionDenied

                def view():
                    from ..selectors import meetings
                    try:
                        pass
                    except services.PermissionDenied:
                        pass
            """,
            "engagements/selectors.py": "",
            "notifications/selectors.py": "from engagements.selectors import meetings\n",
        },
    )

    layers = "\n".join(layer_breaches(graph))
    assert "engagements.models -> engagements.services (helper): a model imports logic" in layers
    assert "engagements.services -> engagements.forms (MeetingForm): logic imports a face" in layers
    assert "engagements.services -> engagements.tasks (send): logic imports a face (task)" in layers
    boundaries = "\n".join(app_boundary_breaches(graph))
    assert "accounts.models -> notifications.selectors" in boundaries
    assert "minerals.views -> engagements.views.profiles" in boundaries
    exceptions = "\n".join(exception_breaches(graph))
    assert "engagements.views.profiles -> engagements.services (PermissionDenied)" in exceptions
    assert "engagements.views.profiles -> engagements.services.PermissionDenied" in exceptions
    cycles = "\n".join(module_cycle_breaches(graph))
    assert "engagements.services <-> engagements.tasks" in cycles
    assert "apps engagements <-> notifications import each other" in "\n".join(
        app_cycle_breaches(graph)
    )
    faces = "\n".join(face_breaches(graph))
    assert "engagements.forms -> engagements.api.filters" in faces
    assert "minerals.views -> engagements.views.profiles" in faces
    lazy = lazy_import_breaches(graph, allowed={})
    assert lazy == [
        "engagements/views/profiles.py:6: engagements.views.profiles -> engagements.selectors "
        "(meetings): imported inside view()"
    ]


def test_the_rules_let_the_right_shapes_pass(tmp_path):
    graph = _write(
        tmp_path,
        {
            "core/exceptions.py": "class PermissionDenied(Exception): ...\n",
            "accounts/models.py": "from core import exceptions\n",
            "engagements/models.py": "from accounts.models import User\n",
            "engagements/selectors.py": """
                from typing import TYPE_CHECKING

                from .models import Meeting

                if TYPE_CHECKING:
                    from .services import MeetingInput
            """,
            "engagements/services.py": """
                from core.exceptions import PermissionDenied
                from .models import Meeting
                from .selectors import meetings
            """,
            "engagements/tasks.py": "from .services import meeting_create\n",
            "engagements/forms.py": "from .selectors import meetings\n",
            "engagements/views.py": """
                from core import exceptions
                from .forms import MeetingForm
                from .tasks import send
                try:
                    pass
                except exceptions.PermissionDenied:
                    pass
            """,
            "engagements/urls.py": "from . import views\n",
            "engagements/api/views.py": "from api.views import ApiModelViewSet\n",
            "api/views.py": "from accounts.models import User\n",
            "api/urls.py": "from engagements.api import views\n",
            "engagements/apps.py": """
                class EngagementsConfig:
                    def ready(self):
                        from . import receivers
            """,
            "engagements/receivers.py": "from .tasks import send\n",
            "notifications/views.py": "from engagements.forms import MeetingForm\n",
        },
    )
    allowed = {("engagements.apps", "EngagementsConfig.ready"): "connects receivers"}

    assert layer_breaches(graph) == []
    assert app_boundary_breaches(graph) == []
    assert exception_breaches(graph) == []
    assert module_cycle_breaches(graph) == []
    assert app_cycle_breaches(graph) == []
    assert face_breaches(graph) == []
    assert lazy_import_breaches(graph, allowed) == []
