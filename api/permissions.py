"""Role checks, declared on each view (after pretix's `permission` / `write_permission`).

Which records a user may read or write is the access policy's business (the selectors and
services); these classes only say which kinds of change a role may make, from the model
permissions that accounts.services.roles_sync gives each role group."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import ApiToken

ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class InsufficientScope(exceptions.PermissionDenied):
    default_detail = "This token has the read scope: it may not change anything."
    default_code = "insufficient_scope"


class IsAuthenticatedWithScope(BasePermission):
    """Signed in, and a read-scope token only reads."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        if (
            isinstance(token, ApiToken)
            and not token.allows_writes
            and request.method not in SAFE_METHODS
        ):
            raise InsufficientScope()
        return True


def required_permission(view: Any, method: str) -> str | None:
    """`app_label.action_model` for a request, from the view's declarations.

    A view declares `permission_model` (defaults to its queryset's model) and may override
    single methods in `method_permissions` (a value of None means no model permission)."""
    overrides: dict[str, str | None] = getattr(view, "method_permissions", {})
    if method in overrides:
        return overrides[method]
    model: type[Model] | None = getattr(view, "permission_model", None)
    if model is None:
        model = view.get_queryset().model
    assert model is not None
    return f"{model._meta.app_label}.{ACTIONS[method]}_{model._meta.model_name}"


class RolePermission(BasePermission):
    """DjangoModelPermissions with `view` required for reads.

    On a single record, the write check waits until the record has been found among those
    the user may see (has_object_permission), so that a hidden record answers 404 to every
    method, as a missing one does, and 403 only says "visible, but not yours to change"."""

    def has_permission(self, request: Request, view: Any) -> bool:
        method = request.method or "GET"
        if method not in ACTIONS:
            return True  # DRF answers 405
        on_record = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "")
        if on_record and on_record in getattr(view, "kwargs", {}) and method not in SAFE_METHODS:
            method = "GET"
        permission = required_permission(view, method)
        return permission is None or request.user.has_perm(permission)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        method = request.method or "GET"
        if method in SAFE_METHODS or method not in ACTIONS:
            return True
        permission = required_permission(view, method)
        return permission is None or request.user.has_perm(permission)
