"""Reminders, notifications, watches, preferences, calendar feeds and health records.

Every email this app sends is a row first (Reminder, Digest, Notification) with a unique
key, so that a sweep or a delivery run twice, or twice at once, sends it once in effect.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def default_days_before() -> list[int]:
    return [7, 1]


@dataclass(frozen=True)
class Slot:
    """One reminder a policy schedules for a due date: its key (kind) and its day."""

    kind: str
    send_on: datetime.date
    days_from_due: int


class ReminderPolicy(models.Model):
    """When to remind an owner: the one default, or an override for one commitment."""

    name = models.CharField(max_length=100, blank=True)
    is_default = models.BooleanField(
        default=False, help_text="The policy of every commitment that has none of its own."
    )
    commitment = models.OneToOneField(
        "engagements.Commitment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_policy",
        help_text="Empty for the default policy.",
    )
    days_before = models.JSONField(
        default=default_days_before,
        blank=True,
        help_text="Days before the due date on which to send a reminder, e.g. [7, 1].",
    )
    on_due_date = models.BooleanField(default=True, help_text="Remind on the due date itself.")
    overdue_every_days = models.PositiveSmallIntegerField(
        default=7, help_text="While overdue, remind every this many days (0: never)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reminder policies"
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="reminderpolicy_single_default",
            ),
            models.CheckConstraint(
                condition=Q(is_default=True, commitment__isnull=True)
                | Q(is_default=False, commitment__isnull=False),
                name="reminderpolicy_default_or_for_commitment",
            ),
            models.CheckConstraint(
                condition=Q(overdue_every_days__lte=365), name="reminderpolicy_overdue_sane"
            ),
        ]

    def __str__(self) -> str:
        if self.is_default:
            return self.name or "Default reminder policy"
        return self.name or f"Reminder policy of commitment {self.commitment_id}"

    def clean(self) -> None:
        days = self.days_before
        if not isinstance(days, list) or not all(
            isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 365 for day in days
        ):
            raise ValidationError(
                {"days_before": "A list of whole numbers of days from 1 to 365, e.g. [7, 1]."}
            )
        if len(set(days)) != len(days):
            raise ValidationError({"days_before": "A number of days is listed twice."})

    def latest_slot(self, due_date: datetime.date, day: datetime.date) -> Slot | None:
        """The most recent reminder this policy schedules on or before `day`.

        A sweep sends only the latest one, so a day the sweep missed (a weekend the owner
        keeps quiet, beat down) is caught up with one email rather than a burst.
        """
        slots = [
            Slot(f"before_{days}d", due_date - datetime.timedelta(days=days), -days)
            for days in self.days_before
        ]
        if self.on_due_date:
            slots.append(Slot("due", due_date, 0))
        every = self.overdue_every_days
        overdue_by = (day - due_date).days
        if every and overdue_by >= every:
            days_over = overdue_by // every * every
            send_on = due_date + datetime.timedelta(days=days_over)
            slots.append(Slot(f"overdue_{days_over}d", send_on, days_over))
        past = [slot for slot in slots if slot.send_on <= day]
        return max(past, key=lambda slot: slot.send_on) if past else None


class DispatchStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    # The recipient may not see the record (any more), or has no address: nothing is sent.
    WITHHELD = "withheld", "Withheld"
    # The commitment was done, dropped, moved to another date or lost its owner.
    CANCELLED = "cancelled", "Cancelled"
    SUPERSEDED = "superseded", "Superseded by a later reminder"
    EXPIRED = "expired", "Expired unsent"
    FAILED = "failed", "Failed"


class Dispatch(models.Model):
    """One email to send once: claimed under a row lock, marked sent in the same transaction."""

    status = models.CharField(
        max_length=12, choices=DispatchStatus.choices, default=DispatchStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


STATUS_VALID = Q(status__in=DispatchStatus.values)


class Reminder(Dispatch):
    """A reminder about one commitment, keyed by (commitment, kind, due date).

    A new due date is a new key, so moving a commitment re-arms its reminders.
    """

    commitment = models.ForeignKey(
        "engagements.Commitment", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=24, help_text="before_7d, before_1d, due, overdue_7d, ...")
    due_date = models.DateField()
    send_on = models.DateField()
    days_from_due = models.SmallIntegerField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who it was sent to (the owner at the time).",
    )

    class Meta:
        ordering = ["-send_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "kind", "due_date"], name="reminder_unique_key"
            ),
            models.CheckConstraint(condition=STATUS_VALID, name="reminder_status_valid"),
        ]
        indexes = [
            models.Index(
                fields=["send_on", "id"],
                condition=Q(status="pending"),
                name="reminder_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for commitment {self.commitment_id} due {self.due_date}"


class Digest(Dispatch):
    """The daily digest of one user: what they own that is due or overdue."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    digest_date = models.DateField()
    items = models.PositiveIntegerField(default=0, help_text="Commitments listed when sent.")

    class Meta:
        ordering = ["-digest_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_date"], name="digest_unique_per_day"
            ),
            models.CheckConstraint(condition=STATUS_VALID, name="digest_status_valid"),
        ]
        indexes = [
            models.Index(
                fields=["digest_date", "id"],
                condition=Q(status="pending"),
                name="digest_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Digest of {self.digest_date} for {self.recipient_id}"


class Notification(Dispatch):
    """The outbox: written in the transaction of the change, relayed to Celery after it."""

    class Kind(models.TextChoices):
        MEETING_LOGGED = "meeting_logged", "Meeting logged"
        MEETING_CHANGED = "meeting_changed", "Meeting changed"
        COMMITMENT_ASSIGNED = "commitment_assigned", "Commitment assigned"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    meeting = models.ForeignKey(
        "engagements.Meeting",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    commitment = models.ForeignKey(
        "engagements.Commitment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    relayed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was last handed to the broker."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=STATUS_VALID, name="notification_status_valid"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["meeting_logged", "meeting_changed"],
                    meeting__isnull=False,
                    commitment__isnull=True,
                )
                | Q(kind="commitment_assigned", commitment__isnull=False, meeting__isnull=True),
                name="notification_kind_matches_record",
            ),
        ]
        indexes = [
            models.Index(
                fields=["relayed_at", "id"],
                condition=Q(status="pending"),
                name="notification_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"


WATCH_TARGETS = ("country", "topic", "person", "mineral", "instrument")


def _only_target(kind: str) -> Q:
    others = {f"{other}__isnull": True for other in WATCH_TARGETS if other != kind}
    return Q(kind=kind, **{f"{kind}__isnull": False}, **others)


class Watch(models.Model):
    """A user asks to be told when a meeting about this is logged or changed."""

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        TOPIC = "topic", "Topic"
        PERSON = "person", "Person"
        MINERAL = "mineral", "Mineral"
        INSTRUMENT = "instrument", "Instrument"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    country = models.ForeignKey(
        "engagements.Country", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        "engagements.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "engagements.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mineral = models.ForeignKey(
        "minerals.Mineral", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    instrument = models.ForeignKey(
        "engagements.Instrument",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(*[_only_target(kind) for kind in WATCH_TARGETS], _connector=Q.OR),
                name="watch_one_target_of_its_kind",
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"watch_unique_{field}",
                )
                for field in WATCH_TARGETS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"

    @property
    def target(self) -> models.Model | None:
        return getattr(self, self.kind, None)


class NotificationPreference(models.Model):
    """How a user wants to be told: language, weekends, digest. Missing means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    weekend_quiet = models.BooleanField(
        default=False,
        help_text="No reminders or digests on Saturdays and Sundays; they come on Monday.",
    )
    daily_digest = models.BooleanField(
        default=True, help_text="A daily email of what you own that is due or overdue."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _ in settings.LANGUAGES]),
                name="notificationpreference_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


class CalendarFeed(models.Model):
    """A secret iCalendar address. Only a hash of its token is kept; revoking is final."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(
        max_length=8, editable=False, help_text="The first characters of the token."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar feed {self.token_hint}… of {self.user} ({state})"


class SweepRun(models.Model):
    """One run of the reminder sweep, for the admin and the health report."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Celery beat"
        COMMAND = "command", "manage.py send_reminders"
        DISPATCH = "dispatch", "Dispatch of pending reminders"

    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    as_of = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    reminders_created = models.PositiveIntegerField(default=0)
    reminders_sent = models.PositiveIntegerField(default=0)
    digests_sent = models.PositiveIntegerField(default=0)
    withheld = models.PositiveIntegerField(default=0)
    unfinished = models.BooleanField(
        default=False,
        help_text="Some were left pending (a mail server error, or time ran out); a later "
        "run sends them.",
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Sweep of {self.as_of} at {self.started_at:%Y-%m-%d %H:%M}"


class Heartbeat(models.Model):
    """The last sign of life of beat and of each worker (see /healthz)."""

    class Kind(models.TextChoices):
        BEAT = "beat", "Celery beat"
        WORKER = "worker", "Celery worker"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
