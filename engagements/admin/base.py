"""What every admin of engagement records shares: writes through the services, reads as the
access policy allows, history from the audit trail.

A ServiceAdmin never saves a model itself. Its `write` calls a service with what the form
(and its inlines) hold; `remove` calls the delete service. A service that refuses
(ValidationError, PermissionDenied, VersionConflict) rolls the admin's transaction back and
the page is shown again with the service's message on the form, as a form error would be.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied as AdminPermissionDenied
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts import policy
from accounts.models import Desk
from audit.selectors import entries_for
from core.exceptions import PermissionDenied, VersionConflict

from ..models import Meeting
from ..selectors import meetings_visible_to

# Typed addresses without a scheme are https (Django 6 default; silences its warning).
HTTPS_URLS: dict = {models.URLField: {"assume_scheme": "https"}}
SERVICE_ERROR = "_admin_service_error"


def _limit_choices(db_field: models.ForeignKey, request: Any, kwargs: dict) -> None:
    if db_field.related_model is Meeting:
        kwargs["queryset"] = meetings_visible_to(request.user)
    elif db_field.related_model is Desk and not policy.is_administrator(request.user):
        kwargs["queryset"] = Desk.objects.filter(pk__in=policy.desk_ids_of(request.user))


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError as errors of the form: on the field it names, else on
    the form (with the service's path, e.g. participants[0].person, in front)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages_ in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, messages_)
        else:
            form.add_error(None, [f"{name}: {message}" for message in messages_])


class ServiceRefused(Exception):
    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


def call_service(function: Any, /, **kwargs: Any) -> Any:
    """Call a service; its refusals become ServiceRefused (shown on the form)."""
    try:
        return function(**kwargs)
    except ValidationError as error:
        raise ServiceRefused(error) from error
    except PermissionDenied as error:
        raise ServiceRefused(
            ValidationError(str(error) or "You may not make this change.")
        ) from error
    except VersionConflict as error:
        raise ServiceRefused(
            ValidationError(
                f"Someone else saved this meeting since you opened it (it is now at version "
                f"{error.current_version}). Open it again to see their changes, then redo yours.",
                code="version_conflict",
            )
        ) from error


class PolicyForm(forms.ModelForm):
    # No Meta: ModelAdmin.get_form and get_formset give the model and fields.
    # The admin sets these on the form class it builds for each request.
    request_user: Any = None
    service_error: ValidationError | None = None

    def may_write_for(self, meeting: Meeting | None) -> bool:
        if meeting is None or self.request_user is None:
            return True
        return policy.can_write_for_desk(self.request_user, desk_id=meeting.desk_id)

    def clean(self) -> dict[str, Any]:
        super().clean()
        if self.service_error is not None:
            add_service_errors(self, self.service_error)
        return self.cleaned_data


class MeetingChildForm(PolicyForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        meeting = cleaned.get("meeting")
        if meeting is not None and meeting.pk and not self.may_write_for(meeting):
            self.add_error("meeting", "You may only add to meetings of your own desks.")
        return cleaned


def mark_formsets_saved(formsets: Any) -> None:
    """The admin's change message reads what formset.save() would have set."""
    for formset in formsets:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def kept_forms(formset: Any) -> list[forms.ModelForm]:
    """The inline forms that hold a row after the save: filled in and not marked deleted."""
    return [
        form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class AuditHistoryAdmin(admin.ModelAdmin):
    """The history page shows the record's audit trail (audit.selectors.entries_for), and a
    record the user may not read is missing (404), as everywhere else in the admin."""

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change history: {obj}",
            "subtitle": None,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.opts,
            "audit_entries": entries_for(obj, request.user),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/audit_history.html", context)


class ServiceAdmin(AuditHistoryAdmin):
    """Writes only through services: subclasses give `write` and `remove`."""

    form = PolicyForm

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Any:
        raise NotImplementedError

    def remove(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = cast("type[PolicyForm]", super().get_form(request, obj, change=change, **kwargs))
        form.request_user = request.user
        form.service_error = getattr(request, SERVICE_ERROR, None)
        return form

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The transaction is rolled back; show the page again with the service's words.
            setattr(request, SERVICE_ERROR, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # written with the inlines in save_related

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        saved = self.write(request, form, formsets, change)
        mark_formsets_saved(formsets)
        if saved is not None and form.instance.pk is None:
            # The admin logs and redirects with the instance its form built.
            form.instance.pk = saved.pk
            form.instance._state.adding = False

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The delete service decides who may delete the record, and what goes with it
        # (participants, outbox rows...) goes by the model's rules, whatever their admins.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.remove(request, obj)
        except (ValidationError, PermissionDenied, VersionConflict) as error:
            raise AdminPermissionDenied(str(error)) from error

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # One service call per record, so that each sends the events a single delete does
        # and each row's desk is checked: one refusal and nothing is deleted.
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.remove(request, obj)
        except (ValidationError, PermissionDenied, VersionConflict) as error:
            self.message_user(request, f"Nothing was deleted: {error}", messages.ERROR)
            raise AdminPermissionDenied(str(error)) from error


class DeskWriteAdmin(ServiceAdmin):
    """Read as the policy allows; write only for one's own desks."""

    def desk_id_of(self, obj: Any) -> int | None:
        return obj.desk_id

    def may_write(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return True
        return policy.can_write_for_desk(request.user, desk_id=self.desk_id_of(obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        _limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MeetingChildAdmin(DeskWriteAdmin):
    def desk_id_of(self, obj: Any) -> int | None:
        return obj.meeting.desk_id


class ReadOnlyAdmin(AuditHistoryAdmin):
    """Shown, never written here: the rows are written with the record they belong to."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MeetingInline(admin.TabularInline):
    """Inlines of a meeting: writable only when the meeting's desk is the user's."""

    def may_write(self, request: HttpRequest, meeting: Meeting | None) -> bool:
        return meeting is None or policy.can_write_for_desk(request.user, desk_id=meeting.desk_id)

    def has_add_permission(self, request: HttpRequest, obj: Any) -> bool:  # type: ignore[override]
        return super().has_add_permission(request, obj) and self.may_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        cast("type[PolicyForm]", formset.form).request_user = request.user
        return formset

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        _limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
