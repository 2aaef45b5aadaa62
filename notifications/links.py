"""Absolute addresses of records, for emails and calendar feeds (which leave the site)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from engagements.models import Commitment, Meeting


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def commitment_url(commitment: Commitment) -> str:
    return absolute(reverse("notifications:commitment", args=[commitment.pk]))


def meeting_url(meeting: Meeting) -> str:
    # The meeting's own page: it applies the same access policy as every other surface.
    return absolute(reverse("meeting_detail", args=[meeting.pk]))


def preferences_url() -> str:
    return absolute(reverse("notifications:preferences"))


def site_domain() -> str:
    """The host name of the site, for Message-IDs and iCalendar UIDs that stay stable."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"
