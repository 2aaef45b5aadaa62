"""An admin that writes only through services (one door per write).

A subclass says which service writes a record (`write`), which removes one (`remove`) and,
when it has inlines, which write and remove an inline row (`write_row`, `remove_row`).
Django's defaults (`obj.save()`, `form.save_m2m()`, `formset.save()`, `queryset.delete()`)
are never reached. A service that refuses (ValidationError, PermissionDenied) stops the
request: the admin's transaction is rolled back and the user sees a 403 with its words.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from core.exceptions import PermissionDenied


def many_to_many_values(form: Any) -> dict[str, Any]:
    """The form's many-to-many fields and what they hold (what form.save_m2m() would set)."""
    opts = form._meta.model._meta
    return {
        field.name: form.cleaned_data[field.name]
        for field in opts.many_to_many
        if field.name in form.cleaned_data
    }


def _refused(error: Exception) -> AdminPermissionDenied:
    if isinstance(error, ValidationError):
        return AdminPermissionDenied("; ".join(error.messages))
    return AdminPermissionDenied(str(error) or "You may not make this change.")


class ServiceWritesAdmin(admin.ModelAdmin):
    def write(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Any:
        """Create (change=False) or update the record the form built, with its m2m."""
        raise NotImplementedError

    def remove(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def write_row(self, request: HttpRequest, row: models.Model, change: bool) -> Any:
        """Create or update one inline row (its parent is set)."""
        raise NotImplementedError

    def remove_row(self, request: HttpRequest, row: models.Model) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            self.write(request, obj, form, change)
        except (ValidationError, PermissionDenied) as error:
            raise _refused(error) from error

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The form's m2m went with the record in save_model (never form.save_m2m()).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """What formset.save() would do, one service call per row."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            for row_form in formset.initial_forms:
                row = row_form.instance
                if row.pk is None:
                    continue
                if formset.can_delete and formset._should_delete_form(row_form):
                    self.remove_row(request, row)
                    formset.deleted_objects.append(row)
                elif row_form.has_changed():
                    self.write_row(request, row, True)
                    formset.changed_objects.append((row, row_form.changed_data))
            for row_form in formset.extra_forms:
                if not row_form.has_changed() or (
                    formset.can_delete and formset._should_delete_form(row_form)
                ):
                    continue
                row = row_form.instance
                setattr(row, formset.fk.name, formset.instance)
                self.write_row(request, row, False)
                formset.new_objects.append(row)
        except (ValidationError, PermissionDenied) as error:
            raise _refused(error) from error

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.remove(request, obj)
        except (ValidationError, PermissionDenied) as error:
            raise _refused(error) from error

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.remove(request, obj)
        except (ValidationError, PermissionDenied) as error:
            raise _refused(error) from error
