"""Admin for webhook endpoints and the delivery log, for administrators only.

Payloads in the log hold records of every classification an endpoint's owner may read,
so the pages are for administrators (who see every record anyway), whatever model
permissions a staff member has been given. Deliveries are written by the services; here
they are read, and sent again with the "redeliver" action.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts import policy
from core.service_admin import ServiceWritesAdmin

from . import services, tasks
from .models import EventType, WebhookDelivery, WebhookEndpoint


class AdministratorsOnly(admin.ModelAdmin):
    """Every page and permission asks accounts.policy.is_administrator (the admin site
    itself admits staff only)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.is_administrator(request.user)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 80}),
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    event_types = forms.MultipleChoiceField(
        choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "owner", "event_types", "is_active", "description"]


class SubscribedToFilter(admin.SimpleListFilter):
    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return EventType.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        # In Python: SQLite (embedded mode) has no JSON containment lookup; few rows.
        subscribed = [e.pk for e in WebhookEndpoint.objects.all() if e.subscribes_to(value)]
        return queryset.filter(pk__in=subscribed)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceWritesAdmin, AdministratorsOnly):
    form = EndpointForm
    list_display = ["name", "url", "owner", "event_types_display", "is_active", "updated_at"]
    list_filter = ["is_active", SubscribedToFilter]
    list_select_related = ["owner"]
    search_fields = ["name", "url", "owner__username"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["signing_secret", "deliveries_link", "created_by", "created_at"]
    actions = ["rotate_secret"]
    fieldsets = [
        (None, {"fields": ["name", "url", "owner", "event_types", "is_active", "description"]}),
        (
            "Signing and log",
            {"fields": ["signing_secret", "deliveries_link", "created_by", "created_at"]},
        ),
    ]

    @admin.display(description="Events")
    def event_types_display(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.event_types)

    @admin.display(description="Secret")
    def signing_secret(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return "Generated when the endpoint is saved."
        return format_html(
            "<code>{}</code><br>Give it to the receiver; it verifies the "
            "Webhook-Signature header with it (see the README).",
            endpoint.secret,
        )

    @admin.display(description="Deliveries")
    def deliveries_link(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return "-"
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">Delivery log</a>', url, endpoint.pk)

    def write(
        self, request: HttpRequest, obj: WebhookEndpoint, form: forms.Form, change: bool
    ) -> WebhookEndpoint:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        return services.endpoint_save(endpoint=obj)

    def remove(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.endpoint_delete(endpoint=obj)

    @admin.action(description="Rotate the secret of the selected endpoints")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        count = 0
        for endpoint in queryset:
            services.endpoint_rotate_secret(endpoint=endpoint)
            count += 1
        self.message_user(
            request,
            f"New secrets for {count} endpoints: give them to their receivers.",
            messages.WARNING,
        )


DELIVERY_FIELDS = (
    "endpoint",
    "event_type",
    "event_id",
    "record_id",
    "status",
    "attempts",
    "last_response_code",
    "last_error",
    "next_attempt_at",
    "last_attempt_at",
    "created_at",
    "completed_at",
    "payload_display",
)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AdministratorsOnly):
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "record_id",
        "status",
        "last_response_code",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
    ]
    list_filter = ["status", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["endpoint__name", "endpoint__url", "=record_id"]
    actions = ["redeliver"]
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return policy.is_administrator(request.user)

    @admin.display(description="Payload")
    def payload_display(self, delivery: WebhookDelivery) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(delivery.payload, indent=2, ensure_ascii=False)
        )

    @admin.action(description="Redeliver the selected deliveries", permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        queued = services.deliveries_redeliver(delivery_ids=selected)
        tasks.deliveries_queue_after_commit(queued)
        skipped = len(selected) - len(queued)
        text = f"{len(queued)} deliveries queued again."
        if skipped:
            text += f" {skipped} still pending were left alone: they are retried anyway."
        self.message_user(request, text, messages.SUCCESS)
