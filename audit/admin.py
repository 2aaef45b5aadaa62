"""The audit trail in the admin: read-only for everyone, superusers included; seen and
exported (CSV, with the changelist's filters and search) by administrators only."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import policy

from . import selectors
from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "action",
        "content_type",
        "object_repr",
        "username",
        "channel",
        "label",
        "ip",
        "request_id",
    ]
    list_filter = ["action", "channel", "content_type", "at"]
    search_fields = ["object_repr", "object_id", "username", "request_id", "ip", "label"]
    list_select_related = ["content_type"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    actions = None
    fields = (
        "at",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "user",
        "username",
        "ip",
        "request_id",
        "channel",
        "label",
        "changes_display",
    )
    readonly_fields = fields
    change_list_template = "admin/audit/auditentry/change_list.html"

    # Nobody changes the trail here: not even a superuser may add, change or delete.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.is_administrator(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.is_administrator(request.user)

    @admin.display(description=_("Changes"))
    def changes_display(self, entry: AuditEntry) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(entry.changes, indent=2, ensure_ascii=False, default=str)
        )

    def get_urls(self) -> list:
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="audit_auditentry_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra_context = extra_context or {}
        query = request.GET.urlencode()
        export = reverse("admin:audit_auditentry_export")
        extra_context["export_url"] = f"{export}?{query}" if query else export
        return super().changelist_view(request, extra_context)

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        """The changelist as it is filtered and searched, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        response = StreamingHttpResponse(
            selectors.entries_as_csv(queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
        return response
