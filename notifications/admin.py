"""Admin for reminder policies, the dispatch records, watches and health.

Dispatch rows name commitments and meetings, so their changelists go through the
engagements access-policy selectors like every other surface: a staff member sees the
reminders and notifications of records they may see, and nothing of the others. The rows
themselves are written by the services only (read-only here).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from accounts import policy
from core.exceptions import PermissionDenied
from core.service_admin import ServiceWritesAdmin
from engagements.selectors import commitments_visible_to, meetings_visible_to

from . import selectors, services
from .models import (
    CalendarFeed,
    Digest,
    Heartbeat,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderPolicy,
    SweepRun,
    Watch,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Written and removed by the services only (outbox rows go with their record).
        return False


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_default", "days_before", "on_due_date", "overdue_every_days"]
    list_filter = ["is_default"]
    raw_id_fields = ["commitment"]
    fields = [
        "name",
        "is_default",
        "commitment",
        "days_before",
        "on_due_date",
        "overdue_every_days",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReminderPolicy]:
        queryset = super().get_queryset(request)
        visible = commitments_visible_to(request.user).values("pk")
        return queryset.filter(Q(commitment__isnull=True) | Q(commitment__in=visible))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Without a default every commitment falls back to the built-in one; keep it editable.
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ReminderPolicy, form: Any, change: bool
    ) -> None:
        names = form.changed_data if change else list(form.cleaned_data)
        changes = {
            name: form.cleaned_data[name]
            for name in names
            if name in services.REMINDER_POLICY_FIELDS
        }
        services.reminder_policy_save(policy=obj, changes=changes)

    def delete_model(self, request: HttpRequest, obj: ReminderPolicy) -> None:
        services.reminder_policy_delete(policy=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ReminderPolicy]) -> None:
        with transaction.atomic():
            for reminder_policy in queryset:
                services.reminder_policy_delete(policy=reminder_policy)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = [
        "commitment",
        "kind",
        "due_date",
        "send_on",
        "status",
        "recipient",
        "sent_at",
        "attempts",
    ]
    list_filter = ["status", "send_on", "kind"]
    date_hierarchy = "send_on"
    search_fields = ["commitment__title"]
    actions = ["retry"]
    change_list_template = "admin/notifications/reminder/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        visible = commitments_visible_to(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(commitment__in=visible)
            .select_related("commitment", "recipient")
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "last_sweep": selectors.last_sweep()}
        return super().changelist_view(request, extra_context)

    @admin.action(description="Send again at the next run (failed or expired reminders)")
    def retry(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        try:
            count = services.reminders_retry(
                actor=request.user, reminder_ids=queryset.values_list("pk", flat=True)
            )
        except PermissionDenied:
            self.message_user(request, "Only administrators may resend reminders.")
            return
        self.message_user(request, f"{count} reminder(s) will be sent at the next run.")


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "digest_date", "status", "items", "sent_at", "attempts"]
    list_filter = ["status", "digest_date"]
    date_hierarchy = "digest_date"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Digest]:
        queryset = super().get_queryset(request).select_related("recipient")
        if policy.is_administrator(request.user):
            return queryset
        return queryset.filter(recipient=request.user)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["kind", "recipient", "meeting", "commitment", "status", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        meetings = meetings_visible_to(request.user).values("pk")
        commitments = commitments_visible_to(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(Q(meeting__in=meetings) | Q(commitment__in=commitments))
            .select_related("recipient", "meeting", "commitment")
        )


@admin.register(Watch)
class WatchAdmin(ServiceWritesAdmin):
    list_display = ["user", "kind", "target", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "country", "topic", "person", "mineral", "instrument"]

    def write(self, request: HttpRequest, obj: Watch, form: Any, change: bool) -> Watch:
        return services.watch_save(watch=obj)

    def remove(self, request: HttpRequest, obj: Watch) -> None:
        services.watch_delete(watch=obj)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ServiceWritesAdmin):
    list_display = ["user", "language", "weekend_quiet", "daily_digest"]
    list_filter = ["language", "weekend_quiet", "daily_digest"]
    raw_id_fields = ["user"]

    def write(
        self, request: HttpRequest, obj: NotificationPreference, form: Any, change: bool
    ) -> NotificationPreference:
        return services.notification_preference_save(preference=obj)

    def remove(self, request: HttpRequest, obj: NotificationPreference) -> None:
        services.notification_preference_delete(preference=obj)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "token_hint", "created_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected calendar addresses")
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        for feed in queryset.filter(revoked_at__isnull=True).select_related("user"):
            services.calendar_feed_revoke(user=feed.user)
        self.message_user(request, "Revoked.")


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "finished_at",
        "trigger",
        "as_of",
        "reminders_created",
        "reminders_sent",
        "digests_sent",
        "withheld",
        "error",
    ]
    list_filter = ["trigger"]
    date_hierarchy = "started_at"


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "seen_at"]
