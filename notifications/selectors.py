"""Reads. Anything shown to a user starts from the engagements access-policy selectors."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from engagements.models import Commitment, Meeting, Participant, Topic
from engagements.selectors import commitments_visible_to, meetings_visible_to

from .models import CalendarFeed, Heartbeat, NotificationPreference, SweepRun, Watch

OPEN_STATUSES = (Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS)


def preference_of(user: Any) -> NotificationPreference:
    """The user's preferences, or the defaults (unsaved) when they never chose any."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def time_zone_of(user: Any) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def sweep_today() -> datetime.date:
    """The reminder sweep's day: the date in REMINDER_TIME_ZONE."""
    return timezone.localdate(timezone=ZoneInfo(settings.REMINDER_TIME_ZONE))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _topic_with_ancestors(topic_ids: set[int]) -> set[int]:
    """Watching "Critical minerals" covers "Critical minerals > Lithium supply"."""
    found = set(topic_ids)
    frontier = set(topic_ids)
    while frontier:
        parents = set(
            Topic.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
        frontier = parents - found
        found |= parents
    return found


def meetings_maybe_watched(meeting_ids: Sequence[int]) -> set[int]:
    """Of these meetings, those touching a country, person, topic, mineral or instrument that
    somebody watches: a superset of the meetings meeting_watcher_ids finds watchers for (any
    tagged meeting counts once a topic is watched: subtopics are resolved per meeting), read
    in a few queries whatever the number of meetings."""
    watches = list(
        Watch.objects.values_list(
            "country_id", "topic_id", "person_id", "mineral_id", "instrument_id"
        )
    )
    if not watches or not meeting_ids:
        return set()
    countries, topics, people, minerals, instruments = (
        {row[column] for row in watches if row[column] is not None} for column in range(5)
    )
    found: set[int] = set()
    for start in range(0, len(meeting_ids), 5000):
        chunk = list(meeting_ids[start : start + 5000])
        queries = []
        if countries:
            queries += [
                Meeting.objects.filter(pk__in=chunk, country_id__in=countries),
                Meeting.counterpart_countries.through.objects.filter(
                    meeting_id__in=chunk, country_id__in=countries
                ),
                Participant.objects.filter(meeting_id__in=chunk, country_id__in=countries),
            ]
        if people:
            queries.append(Participant.objects.filter(meeting_id__in=chunk, person_id__in=people))
        if topics:
            queries.append(Meeting.topics.through.objects.filter(meeting_id__in=chunk))
        if minerals:
            queries.append(
                Meeting.minerals.through.objects.filter(
                    meeting_id__in=chunk, mineral_id__in=minerals
                )
            )
        if instruments:
            queries.append(
                Meeting.instruments.through.objects.filter(
                    meeting_id__in=chunk, instrument_id__in=instruments
                )
            )
        for query in queries:
            column = "pk" if query.model is Meeting else "meeting_id"
            found.update(query.values_list(column, flat=True))
    return found


def meeting_watcher_ids(meeting: Meeting) -> set[int]:
    """Users who watch the meeting's countries, topics, people, minerals or instruments."""
    participants = list(meeting.participants.values_list("person_id", "country_id"))
    countries = set(meeting.counterpart_countries.values_list("id", flat=True))
    countries |= {country for _, country in participants if country is not None}
    if meeting.country_id is not None:
        countries.add(meeting.country_id)
    people = {person for person, _ in participants if person is not None}
    topics = _topic_with_ancestors(set(meeting.topics.values_list("id", flat=True)))
    minerals = set(meeting.minerals.values_list("id", flat=True))
    instruments = set(meeting.instruments.values_list("id", flat=True))
    wanted = (
        Q(country_id__in=countries)
        | Q(topic_id__in=topics)
        | Q(person_id__in=people)
        | Q(mineral_id__in=minerals)
        | Q(instrument_id__in=instruments)
    )
    return set(Watch.objects.filter(wanted).values_list("user_id", flat=True))


def watches_of(user: Any) -> QuerySet[Watch]:
    return Watch.objects.filter(user=user).select_related(
        "country", "topic__parent", "person", "mineral", "instrument"
    )


def digest_commitments(*, user: Any, as_of: datetime.date) -> QuerySet[Commitment]:
    return (
        commitments_visible_to(user)
        .filter(owner=user, status__in=OPEN_STATUSES, due_date__lte=as_of)
        .select_related("meeting")
        .order_by("due_date", "id")
    )


def feed_meetings(user: Any) -> QuerySet[Meeting]:
    # Imported records that know only the month or the year are not calendar events.
    since = timezone.now() - datetime.timedelta(days=settings.CALENDAR_FEED_PAST_DAYS)
    return (
        meetings_visible_to(user)
        .filter(start__gte=since, date_precision=Meeting.DatePrecision.DAY)
        .order_by("start", "id")
    )


def feed_commitments(user: Any) -> QuerySet[Commitment]:
    return (
        commitments_visible_to(user)
        .filter(owner=user, status__in=OPEN_STATUSES, due_date__isnull=False)
        .select_related("meeting")
        .order_by("due_date", "id")
    )


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed of an active user with this token, or None (the view answers 404)."""
    return (
        CalendarFeed.objects.filter(
            token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )


def active_calendar_feed(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def last_sweep() -> SweepRun | None:
    return (
        SweepRun.objects.exclude(trigger=SweepRun.Trigger.DISPATCH)
        .order_by("-started_at", "-id")
        .first()
    )


def _age(moment: datetime.datetime | None, now: datetime.datetime) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _check_broker(broker_url: str) -> dict[str, Any]:
    if not broker_url.startswith(("redis://", "rediss://")):
        return {"ok": True, "mode": "embedded"}
    client = redis.Redis.from_url(broker_url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        return {"ok": False, "mode": "redis", "error": type(error).__name__}
    finally:
        client.close()
    return {"ok": True, "mode": "redis"}


def _check_heartbeat(kind: str, max_age: int, now: datetime.datetime) -> dict[str, Any]:
    latest = Heartbeat.objects.filter(kind=kind).order_by("-seen_at").first()
    age = _age(latest.seen_at if latest else None, now)
    return {
        "ok": age is not None and age <= max_age,
        "last_seen": latest.seen_at.isoformat() if latest else None,
        "age_seconds": age,
        "max_age_seconds": max_age,
    }


def health_report() -> dict[str, Any]:
    """Database, broker, worker and beat freshness. Embedded mode needs no broker or worker."""
    now = timezone.now()
    checks: dict[str, Any] = {"database": _check_database()}
    embedded = settings.CELERY_TASK_ALWAYS_EAGER
    checks["broker"] = (
        {"ok": True, "mode": "embedded"} if embedded else _check_broker(settings.CELERY_BROKER_URL)
    )
    if not checks["database"]["ok"]:
        checks["worker"] = checks["beat"] = {"ok": False, "error": "database unavailable"}
    elif embedded:
        checks["worker"] = checks["beat"] = {"ok": True, "mode": "embedded"}
    else:
        checks["worker"] = _check_heartbeat(
            Heartbeat.Kind.WORKER, settings.HEALTH_WORKER_MAX_AGE_SECONDS, now
        )
        checks["beat"] = _check_heartbeat(
            Heartbeat.Kind.BEAT, settings.HEALTH_BEAT_MAX_AGE_SECONDS, now
        )
    report: dict[str, Any] = {
        "status": "ok" if all(check["ok"] for check in checks.values()) else "unavailable",
        "time": now.isoformat(),
        "checks": checks,
    }
    if checks["database"]["ok"]:
        sweep = last_sweep()
        report["last_sweep"] = (
            None
            if sweep is None
            else {
                "started_at": sweep.started_at.isoformat(),
                "finished_at": sweep.finished_at.isoformat() if sweep.finished_at else None,
                "as_of": sweep.as_of.isoformat(),
                "reminders_sent": sweep.reminders_sent,
                "digests_sent": sweep.digests_sent,
            }
        )
    return report
