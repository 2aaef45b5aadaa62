from __future__ import annotations

import datetime
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Classification(models.IntegerChoices):
    """Ordered: a clearance of RESTRICTED covers PUBLIC, INTERNAL and RESTRICTED."""

    PUBLIC = 0, "Public"
    INTERNAL = 1, "Internal"
    RESTRICTED = 2, "Restricted"
    CONFIDENTIAL = 3, "Confidential"


class Role:
    """Names of the groups that carry each role's permissions (see accounts.services)."""

    DESK_OFFICER = "Desk officer"
    DESK_LEAD = "Desk lead"
    ANALYST = "Analyst"
    ADMINISTRATOR = "Administrator"
    INTEGRATION_CLIENT = "Integration client"

    ALL = (DESK_OFFICER, DESK_LEAD, ANALYST, ADMINISTRATOR, INTEGRATION_CLIENT)


class User(AbstractUser):
    clearance = models.PositiveSmallIntegerField(
        choices=Classification.choices,
        default=Classification.INTERNAL,
        help_text="The highest classification this user may read on the desks they belong to.",
    )
    time_zone = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text="Language of the site's pages; empty follows the browser.",
    )

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clearance__gte=0) & models.Q(clearance__lte=3),
                name="user_clearance_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=["", *(code for code, _ in settings.LANGUAGES)]),
                name="user_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def is_administrator(self) -> bool:
        """Administrators see every record, whatever its classification or desk."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return self.groups.filter(name=Role.ADMINISTRATOR).exists()


class Desk(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    countries = models.ManyToManyField("engagements.Country", blank=True, related_name="desks")
    members: models.ManyToManyField[User, DeskMembership] = models.ManyToManyField(
        User, through="DeskMembership", related_name="desks", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeskMembership(models.Model):
    class DeskRole(models.TextChoices):
        OFFICER = "officer", "Officer"
        LEAD = "lead", "Lead"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="desk_memberships")
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=DeskRole.choices, default=DeskRole.OFFICER)
    since = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["desk__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "desk"], name="deskmembership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["officer", "lead"]), name="deskmembership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.desk})"


class ApiToken(models.Model):
    """A credential for an internal system. Only a hash of the secret is stored: the token
    is shown once, when it is made (accounts.tokens.api_token_create)."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read-write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “document system”.")
    prefix = models.CharField(
        max_length=16, editable=False, db_index=True, help_text="The token's first characters."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user__username", "name", "-created_at"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "read-write"]), name="apitoken_scope_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="apitoken_unique_live_name",
                violation_error_message="This user already has a live token of that name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: datetime.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def allows_writes(self) -> bool:
        return self.scope == self.Scope.READ_WRITE
