from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q


class EventType(models.TextChoices):
    MEETING_CREATED = "meeting.created", "Meeting created"
    MEETING_UPDATED = "meeting.updated", "Meeting updated"
    MEETING_DELETED = "meeting.deleted", "Meeting deleted"
    COMMITMENT_CREATED = "commitment.created", "Commitment created"
    COMMITMENT_COMPLETED = "commitment.completed", "Commitment completed"
    COMMITMENT_OVERDUE = "commitment.overdue", "Commitment overdue"


SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def validate_event_types(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("A list of event types is expected.")
    unknown = sorted(set(value) - set(EventType.values))
    if unknown:
        raise ValidationError(f"Unknown event types: {', '.join(unknown)}.")


class WebhookEndpoint(models.Model):
    """A URL that receives signed events, as seen by its owner's access rights."""

    name = models.CharField(max_length=200)
    url = models.URLField(
        "URL",
        max_length=2000,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="http or https; redirects are not followed.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
        help_text="Events are sent only about records this user may read.",
    )
    event_types = models.JSONField(default=list, validators=[validate_event_types])
    # Kept in clear: every delivery is signed with it. Never logged.
    secret = models.CharField(max_length=100, default=generate_secret, editable=False)
    is_active = models.BooleanField("active", default=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "webhook endpoint"
        constraints = [
            models.CheckConstraint(
                condition=Q(url__istartswith="http://") | Q(url__istartswith="https://"),
                name="webhookendpoint_url_http",
            ),
            models.CheckConstraint(
                condition=Q(secret__startswith=SECRET_PREFIX), name="webhookendpoint_secret_set"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event for one endpoint: written with the change, sent by a worker after commit."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=32, choices=EventType.choices)
    # The same for every endpoint that receives one event (the Webhook-Id header).
    event_id = models.UUIDField()
    record_id = models.BigIntegerField(
        null=True, blank=True, help_text="The meeting or commitment the event is about."
    )
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While an attempt is in flight this is pushed past its time limit: the claim.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_due_idx",
            ),
            models.Index(fields=["-created_at", "-id"], name="webhookdelivery_recent_idx"),
        ]
        constraints = [
            # Fan-out twice (a rerun of the overdue check) cannot send an event twice.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhookdelivery_unique_event"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]),
                name="webhookdelivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(event_type__in=EventType.values),
                name="webhookdelivery_event_type_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="webhookdelivery_pending_is_scheduled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint} ({self.get_status_display()})"
