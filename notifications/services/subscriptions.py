"""What a user asks to hear about: watches, preferences, calendar feeds."""

from __future__ import annotations

import datetime
import logging
import secrets
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .. import selectors
from ..models import (
    CalendarFeed,
    NotificationPreference,
    Watch,
)

logger = logging.getLogger(__name__)

# Watches, preferences, calendar feeds

WATCH_KIND_OF_MODEL = {
    "engagements.country": Watch.Kind.COUNTRY,
    "engagements.topic": Watch.Kind.TOPIC,
    "engagements.person": Watch.Kind.PERSON,
    "minerals.mineral": Watch.Kind.MINERAL,
    "engagements.instrument": Watch.Kind.INSTRUMENT,
}


def watch_add(*, user: Any, target: models.Model) -> Watch:
    kind = WATCH_KIND_OF_MODEL.get(target._meta.label_lower)
    if kind is None:
        raise ValueError(f"{target._meta.label} cannot be watched")
    lookup: dict[str, Any] = {"user": user, "kind": kind, str(kind): target}
    watch, _ = Watch.objects.get_or_create(**lookup)
    return watch


def watch_remove(*, user: Any, watch_id: int) -> bool:
    deleted, _ = Watch.objects.filter(user=user, pk=watch_id).delete()
    return bool(deleted)


def preference_update(
    *, user: Any, language: str, weekend_quiet: bool, daily_digest: bool
) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    preference.language = language
    preference.weekend_quiet = weekend_quiet
    preference.daily_digest = daily_digest
    preference.full_clean()
    preference.save()
    return preference


@transaction.atomic
def watch_save(*, watch: Watch) -> Watch:
    """Create or update a watch built or changed by the caller (the admin's form)."""
    watch.full_clean()
    watch.save()
    return watch


@transaction.atomic
def watch_delete(*, watch: Watch) -> None:
    watch.delete()


@transaction.atomic
def notification_preference_save(*, preference: NotificationPreference) -> NotificationPreference:
    preference.full_clean()
    preference.save()
    return preference


@transaction.atomic
def notification_preference_delete(*, preference: NotificationPreference) -> None:
    """Back to the defaults: a user without a preference row gets them."""
    preference.delete()


@transaction.atomic
def calendar_feed_create(*, user: Any) -> tuple[CalendarFeed, str]:
    """A new secret feed address (the old one stops working). The token is shown once."""
    calendar_feed_revoke(user=user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=user, token_hash=selectors.token_hash(token), token_hint=token[:6]
    )
    return feed, token


def calendar_feed_revoke(*, user: Any) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    # At most once a minute: calendar clients poll, and a write per poll is waste.
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > datetime.timedelta(minutes=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
