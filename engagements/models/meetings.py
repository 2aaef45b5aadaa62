from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Classification

from .instruments import Instrument
from .reference import Country, Event, Organization, Person, Post, Topic


class Meeting(models.Model):
    class Kind(models.TextChoices):
        BILATERAL = "bilateral", "Bilateral meeting"
        MULTILATERAL = "multilateral", "Multilateral meeting"
        CALL = "call", "Telephone call"
        VIDEO = "video", "Video conference"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"
        POSTPONED = "postponed", "Postponed"

    class DatePrecision(models.TextChoices):
        """Imported records often know only the month or the year."""

        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.BILATERAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HELD)
    start = models.DateTimeField(help_text="Start, stored in UTC.")
    end = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="IANA time zone of the place, e.g. America/Santiago.",
    )
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    place = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings_held",
        help_text="Where the meeting took place.",
    )
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text="The event this meeting was held on the sidelines of.",
    )
    desk = models.ForeignKey("accounts.Desk", on_delete=models.PROTECT, related_name="meetings")
    classification = models.PositiveSmallIntegerField(
        choices=Classification.choices, default=Classification.INTERNAL
    )
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(blank=True, max_length=500)
    external_source = models.CharField(
        max_length=64, blank=True, help_text="System or file an imported record came from."
    )
    external_id = models.CharField(max_length=200, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="meetings")
    minerals = models.ManyToManyField("minerals.Mineral", blank=True, related_name="meetings")
    instruments = models.ManyToManyField(Instrument, blank=True, related_name="meetings")
    counterpart_countries = models.ManyToManyField(
        Country, blank=True, related_name="meetings", help_text="Countries met with."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["desk", "classification"], name="meeting_desk_class_idx"),
            models.Index(fields=["updated_at"], name="meeting_updated_idx"),
            # Lists are newest first; with this index a page is read in order, not sorted.
            models.Index(fields=["-start", "-id"], name="meeting_start_desc_idx"),
            # The ids of a country's meetings from the index alone (the country filter:
            # engagements.api.filters.meetings_with_country).
            models.Index(fields=["country", "id"], name="meeting_country_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(classification__gte=0) & Q(classification__lte=3),
                name="meeting_classification_valid",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="meeting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["bilateral", "multilateral", "call", "video"]),
                name="meeting_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "held", "cancelled", "postponed"]),
                name="meeting_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=["day", "month", "year"]),
                name="meeting_date_precision_valid",
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="meeting_unique_external_id",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="meeting_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.local_start_display})"

    @property
    def local_start(self) -> datetime.datetime:
        return self.start.astimezone(ZoneInfo(self.time_zone))

    @property
    def local_start_display(self) -> str:
        local = self.local_start
        if self.date_precision == self.DatePrecision.YEAR:
            return local.strftime("%Y")
        if self.date_precision == self.DatePrecision.MONTH:
            return local.strftime("%B %Y")
        return local.strftime("%d %B %Y")

    @property
    def meeting_date(self) -> datetime.date:
        """The calendar day of the meeting where it took place (for tenures)."""
        return self.local_start.date()


class Participant(models.Model):
    class Side(models.TextChoices):
        HOME = "home", "Home side"
        COUNTERPART = "counterpart", "Counterpart"
        OBSERVER = "observer", "Observer"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="participations"
    )
    raw_name = models.CharField(
        max_length=300, blank=True, help_text="The name as recorded, when no person matches."
    )
    side = models.CharField(max_length=16, choices=Side.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="participations"
    )
    post_label = models.CharField(
        max_length=300,
        blank=True,
        help_text="Title held on the day of the meeting (filled from tenures, editable).",
    )
    is_head_of_delegation = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "side", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(raw_name=""),
                name="participant_has_person_or_name",
            ),
            models.CheckConstraint(
                condition=Q(side__in=["home", "counterpart", "observer"]),
                name="participant_side_valid",
            ),
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="participant_unique_person",
            ),
            models.UniqueConstraint(
                fields=["meeting", "side"],
                condition=Q(is_head_of_delegation=True),
                name="participant_one_head_per_side",
            ),
        ]

    def __str__(self) -> str:
        name = self.person.name if self.person_id and self.person else self.raw_name
        return f"{name}, {self.post_label}" if self.post_label else name

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id and self.person else self.raw_name


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="agenda_items"
    )
    notes = models.TextField(blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="agendaitem_unique_order"),
        ]

    def __str__(self) -> str:
        return self.title


class Commitment(models.Model):
    """A follow-up owed by someone, from a meeting or an instrument."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    class Side(models.TextChoices):
        HOME = "home", "Home side"
        COUNTERPART = "counterpart", "Counterpart"
        JOINT = "joint", "Both sides"

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="commitments"
    )
    instrument = models.ForeignKey(
        Instrument, null=True, blank=True, on_delete=models.PROTECT, related_name="commitments"
    )
    owed_by = models.CharField(max_length=16, choices=Side.choices, default=Side.HOME)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments_owned",
        help_text="Who follows this up; receives the reminders.",
    )
    desk = models.ForeignKey("accounts.Desk", on_delete=models.PROTECT, related_name="commitments")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    completion_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="commitment_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress", "done", "dropped"]),
                name="commitment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_on__isnull=False),
                name="commitment_done_has_completion_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.meeting_id}/{filename}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        MINUTES = "minutes", "Minutes"
        BRIEFING = "briefing", "Briefing note"
        PRESS = "press", "Press release"
        OTHER = "other", "Other"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    description = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name
