"""Files on meetings: added by attachment_add (its checks of the bytes show as form errors),
re-described by attachment_update, deleted by attachment_delete."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from core.exceptions import PermissionDenied

from .. import services
from ..models import Attachment
from ..selectors import attachments_visible_to
from .base import MeetingChildAdmin, MeetingChildForm, add_service_errors, call_service


class AttachmentAddForm(MeetingChildForm):
    upload = forms.FileField(label="File")

    class Meta:
        model = Attachment
        fields = ["meeting", "kind", "description"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        try:
            self.instance = services.attachment_add(
                user=self.request_user,
                meeting=cleaned["meeting"],
                upload=cleaned["upload"],
                kind=cleaned["kind"],
                description=cleaned.get("description") or "",
            )
        except PermissionDenied:
            self.add_error("meeting", "You may not add files to this meeting.")
        except ValidationError as error:
            if hasattr(error, "error_dict") and "file" in error.error_dict:
                error = ValidationError(
                    {"upload": error.error_dict.pop("file"), **error.error_dict}
                )
            add_service_errors(self, error)
        return cleaned


@admin.register(Attachment)
class AttachmentAdmin(MeetingChildAdmin):
    list_display = [
        "original_name",
        "meeting",
        "kind",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["kind", "content_type", "meeting__desk"]
    search_fields = ["original_name", "description", "meeting__title"]
    autocomplete_fields = ["meeting"]
    ordering = ["-uploaded_at"]
    form = MeetingChildForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        queryset = attachments_visible_to(request.user).select_related("meeting", "uploaded_by")
        return queryset.order_by(*self.get_ordering(request))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": ["meeting", "kind", "upload", "description"]})]
        return [
            (None, {"fields": ["meeting", "kind", "description"]}),
            (
                "File",
                {
                    "fields": [
                        "file",
                        "original_name",
                        "content_type",
                        "size",
                        "uploaded_by",
                        "uploaded_at",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        # The stored file's path and checks belong to the upload; replace it by a new one.
        return [
            "meeting",
            "file",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
        ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = AttachmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Attachment:
        if not change:
            return form.instance  # written by the service in AttachmentAddForm.clean()
        return call_service(
            services.attachment_update,
            user=request.user,
            attachment=Attachment.objects.select_related("meeting").get(pk=form.instance.pk),
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data.get("description") or "",
        )

    def remove(self, request: HttpRequest, obj: Attachment) -> None:
        services.attachment_delete(user=request.user, attachment=obj)
