"""Reference records: countries, organizations, people, posts and tenures, events, topics.

Popolo-shaped: a Post outlives the people who hold it; a Tenure says who held it when.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class Country(models.Model):
    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    numeric_code = models.CharField("ISO numeric", max_length=3, unique=True)
    name = models.CharField(max_length=200, unique=True)
    region = models.CharField("UN M49 region", max_length=100, blank=True)
    region_code = models.CharField(max_length=3, blank=True)
    sub_region = models.CharField("UN M49 sub-region", max_length=100, blank=True)
    sub_region_code = models.CharField(max_length=3, blank=True)
    intermediate_region = models.CharField(max_length=100, blank=True)
    intermediate_region_code = models.CharField(max_length=3, blank=True)
    is_home = models.BooleanField(
        default=False, help_text="The country whose ministry keeps this record."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.UniqueConstraint(
                fields=["is_home"], condition=Q(is_home=True), name="country_single_home"
            ),
            models.CheckConstraint(
                condition=Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", "Ministry"
        AGENCY = "agency", "Government agency"
        CENTRAL_BANK = "central_bank", "Central bank"
        DEVELOPMENT_BANK = "development_bank", "Development bank"
        INTERNATIONAL = "international", "International organization"
        COMPANY = "company", "Company"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    abbreviation = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        help_text="Empty for multilateral organizations.",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    other_names = models.JSONField(default=list, blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="organization_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name


class Person(models.Model):
    name = models.CharField(max_length=200)
    native_name = models.CharField(
        max_length=200, blank=True, help_text="Name in native script, e.g. 김윤상."
    )
    sort_name = models.CharField(max_length=200, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    honorific_prefix = models.CharField(max_length=40, blank=True)
    nationality = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="nationals"
    )
    summary = models.TextField(blank=True)
    identifiers = models.JSONField(
        default=list, blank=True, help_text='List of {"scheme": ..., "identifier": ...}.'
    )
    # Contact details are sensitive: only shown to those who may edit people.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text="The account of this person, when they use the system.",
    )

    class Meta:
        ordering = ["sort_name", "name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.sort_name:
            self.sort_name = self.name
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Post(models.Model):
    label = models.CharField(max_length=200, help_text='For example "Minister of Finance".')
    slug = models.SlugField(max_length=120, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="posts")
    rank = models.PositiveSmallIntegerField(
        default=100, help_text="Protocol order: lower ranks come first."
    )
    single_holder = models.BooleanField(
        default=True, help_text="Only one person holds this post at a time."
    )

    class Meta:
        ordering = ["organization__name", "rank", "label"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "label"], name="post_unique_label"),
        ]

    def __str__(self) -> str:
        return f"{self.label}, {self.organization.abbreviation or self.organization.name}"

    def holder_on(self, day: datetime.date) -> Tenure | None:
        return self.tenures.valid_on(day).select_related("person").first()


class TenureQuerySet(models.QuerySet["Tenure"]):
    def valid_on(self, day: datetime.date) -> TenureQuerySet:
        # end_date is exclusive: the day a successor takes over.
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=day), start_date__lte=day)


class Tenure(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tenures")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="tenures")
    start_date = models.DateField()
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text="The day the tenure ended (a successor may start the same day). "
        "Empty means current as of the date last verified.",
    )
    # Copied from the post so that PostgreSQL can enforce non-overlap with an exclusion
    # constraint (which cannot look at another table). Kept in step by the services.
    exclusive = models.BooleanField(default=True, editable=False)
    source = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(blank=True, max_length=500)
    last_verified = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = TenureQuerySet.as_manager()

    class Meta:
        ordering = ["post", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="tenure_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        end = self.end_date.isoformat() if self.end_date else "present"
        return f"{self.person} — {self.post.label} ({self.start_date.isoformat()} to {end})"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class Event(models.Model):
    class Kind(models.TextChoices):
        ANNUAL_MEETING = "annual_meeting", "Annual meeting"
        SUMMIT = "summit", "Summit"
        CONFERENCE = "conference", "Conference"
        BOARD_MEETING = "board_meeting", "Board meeting"
        OFFICIAL_VISIT = "official_visit", "Official visit"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="sub_events"
    )
    organizer = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    venue = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    description = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)
    url = models.URLField(blank=True, max_length=500)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="event_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="topic_unique_name_in_parent"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="topic_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent_id and self.parent else self.name
