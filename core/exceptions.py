"""The domain's errors. Services raise them; every face (pages, API, admin, imports,
commands, tasks) may import them without importing a service module."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class PermissionDenied(Exception):
    """The user may not make this change (callers answer 404 or 403 as the surface needs)."""


class VersionConflict(Exception):
    """Someone else saved the record since it was read (optimistic locking)."""

    def __init__(self, *, current_version: int) -> None:
        super().__init__(f"the record was changed meanwhile (now at version {current_version})")
        self.current_version = current_version


class RecordInUse(ValidationError):
    """The record cannot be deleted: others still refer to it (on_delete=PROTECT). A
    ValidationError, so forms show it; the API answers 409 as for any protected delete."""
