from __future__ import annotations

from functools import cached_property

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

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clearance__gte=0) & models.Q(clearance__lte=3),
                name="user_clearance_valid",
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
