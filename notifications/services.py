"""Writes: reminders (sweep and dispatch), the notification outbox, watches, preferences,
calendar feeds, beat schedules and heartbeats.

Exactly once, in effect
-----------------------
Every email is a row before it is a message: a Reminder keyed by (commitment, kind, due
date), a Digest keyed by (recipient, day), a Notification written in the transaction of the
meeting or commitment it is about. Rows are created with INSERT ... ON CONFLICT DO NOTHING,
so two sweeps create each row once.

Sending one row is one transaction: lock the row with SELECT ... FOR UPDATE SKIP LOCKED
(a second sweep skips it and moves on), claim it with a conditional UPDATE (status still
pending: a no-op lock on SQLite is not enough on its own), check that the recipient may
still see the record, render, hand the message to the mail server, mark it sent, commit.
A worker that dies before the commit leaves nothing behind: PostgreSQL rolls the claim back
when the connection drops, and the row is pending again for the next run. The one window
left is between the mail server accepting a message and the commit (a crash there sends it
again on the next run); the message then carries the same Message-ID (see emails.py).

A mail server error that may pass (connection refused, 4xx) leaves the row pending with a
short back-off and stops the run, so that the Celery task retries with its own back-off; a
permanent refusal (5xx) marks the row failed. Rows that could not go out in time expire:
reminders and digests REMINDER_CATCH_UP_DAYS after their day, notifications after
NOTIFICATION_EXPIRY.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, models, transaction
from django.db import connection as db_connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from accounts.models import User
from engagements.models import Commitment, Meeting
from engagements.selectors import (
    commitment_is_visible_to,
    commitments_visible_to,
    meeting_is_visible_to,
)

from . import emails, selectors
from .models import (
    CalendarFeed,
    Digest,
    Dispatch,
    DispatchStatus,
    Heartbeat,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderPolicy,
    SweepRun,
    Watch,
)

logger = logging.getLogger(__name__)

OPEN_STATUSES = selectors.OPEN_STATUSES
NOTIFICATION_EXPIRY = datetime.timedelta(days=3)
# A notification handed to the broker but still pending after this is handed over again
# (the message was lost with a Redis that keeps nothing on disk, or its retries ran out).
RELAY_AGAIN_AFTER = datetime.timedelta(minutes=5)
BUILT_IN_DEFAULT = ReminderPolicy(is_default=True, name="Built-in default")

DispatchT = TypeVar("DispatchT", bound=Dispatch)


class Skip(Exception):
    """This row is not to be sent: `status` says why (withheld or cancelled)."""

    def __init__(self, status: str, note: str) -> None:
        super().__init__(note)
        self.status = status
        self.note = note


@dataclass
class SentEmail:
    kind: str
    key: str
    recipient: str
    subject: str


@dataclass
class DispatchResult:
    sent: list[SentEmail] = field(default_factory=list)
    withheld: int = 0
    cancelled: int = 0
    failed: int = 0
    # A mail server error that may pass stopped the run; the caller retries later.
    transient_error: str = ""
    # The time budget ran out with rows still pending.
    unfinished: bool = False

    @property
    def reminders_sent(self) -> int:
        return sum(1 for email in self.sent if email.kind == "reminder")

    @property
    def digests_sent(self) -> int:
        return sum(1 for email in self.sent if email.kind == "digest")

    def add(self, other: DispatchResult) -> None:
        self.sent += other.sent
        self.withheld += other.withheld
        self.cancelled += other.cancelled
        self.failed += other.failed
        self.transient_error = self.transient_error or other.transient_error
        self.unfinished = self.unfinished or other.unfinished


@dataclass
class SweepResult:
    as_of: datetime.date
    reminders_created: int
    digests_created: int
    dispatch: DispatchResult
    run_id: int

    def summary(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "reminders_created": self.reminders_created,
            "reminders_sent": self.dispatch.reminders_sent,
            "digests_sent": self.dispatch.digests_sent,
            "withheld": self.dispatch.withheld,
            "unfinished": self.dispatch.unfinished,
            "transient_error": self.dispatch.transient_error,
        }


# Mail server errors


def is_transient(error: Exception) -> bool:
    """Whether trying again later may succeed (RFC 5321: 4xx yes, 5xx no)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPAuthenticationError):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


def _retry_at(attempts: int) -> datetime.datetime:
    delay = min(settings.TASK_MAX_RETRY_DELAY_SECONDS, 5 * 2 ** max(0, attempts - 1))
    return timezone.now() + datetime.timedelta(seconds=delay)


# Sending one row, once


@dataclass
class _Outcome:
    status: str
    email: SentEmail | None = None
    error: Exception | None = None


def _dispatch_one(
    queryset: QuerySet[DispatchT],
    build: Callable[[DispatchT], EmailMessage],
    mailer: BaseEmailBackend,
    *,
    kind: str,
) -> _Outcome | None:
    """Send the first pending row of `queryset`; None when there is none (or it is locked)."""
    now = timezone.now()
    model = queryset.model
    with transaction.atomic():
        row = (
            queryset.filter(status=DispatchStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
            .first()
        )
        if row is None:
            return None
        # PostgreSQL re-checks "still pending" under the row lock. Where SELECT ... FOR
        # UPDATE does nothing (SQLite, embedded mode), a conditional UPDATE claims the row.
        if not db_connection.features.has_select_for_update_skip_locked:
            claimed = model._default_manager.filter(
                pk=row.pk, status=DispatchStatus.PENDING
            ).update(attempts=F("attempts") + 1)
            if not claimed:
                return _Outcome(status="raced")
        row.attempts += 1
        fields = ["status", "attempts", "note", "last_error", "next_attempt_at", "sent_at"]
        if isinstance(row, Reminder):
            fields.append("recipient")
        elif isinstance(row, Digest):
            fields.append("items")
        try:
            message = build(row)
        except Skip as skip:
            row.status, row.note = skip.status, skip.note[:200]
            row.save(update_fields=fields)
            return _Outcome(status=skip.status)
        except DatabaseError:
            raise
        except Exception as error:
            # A row that cannot be rendered would block the queue forever: set it aside.
            logger.exception("Could not build %s %s", model.__name__, row.pk)
            row.status, row.last_error = DispatchStatus.FAILED, repr(error)[:2000]
            row.save(update_fields=fields)
            return _Outcome(status=DispatchStatus.FAILED, error=error)
        try:
            mailer.send_messages([message])
        except (smtplib.SMTPException, OSError) as error:
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            if is_transient(error):
                row.next_attempt_at = _retry_at(row.attempts)
                outcome = _Outcome(status="deferred", error=error)
            else:
                row.status = DispatchStatus.FAILED
                outcome = _Outcome(status=DispatchStatus.FAILED, error=error)
            row.save(update_fields=fields)
            return outcome
        row.status, row.sent_at, row.last_error = DispatchStatus.SENT, timezone.now(), ""
        row.next_attempt_at = None
        row.save(update_fields=fields)
        return _Outcome(
            status=DispatchStatus.SENT,
            email=SentEmail(
                kind=kind,
                key=message.extra_headers.get("X-Engagements-Key", ""),
                recipient=", ".join(message.to),
                subject=str(message.subject),
            ),
        )


def _drain(
    queryset: QuerySet[DispatchT],
    build: Callable[[DispatchT], EmailMessage],
    mailer: BaseEmailBackend,
    *,
    kind: str,
    deadline: float | None,
    prepare: Callable[[list[int]], None] | None = None,
) -> DispatchResult:
    """Send the pending rows of `queryset` in id order, each in its own transaction.

    Rows are looked up by id in batches rather than "the first pending row" each time, so
    a long run does not rescan the rows it already sent; a concurrent run walking the same
    ids skips the ones locked or already sent. `prepare` sees each batch of ids first.
    """
    result = DispatchResult()
    pending = queryset.filter(status=DispatchStatus.PENDING)
    last_id = 0
    while True:
        ids = list(pending.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:500])
        if not ids:
            return result
        if prepare is not None:
            prepare(ids)
        for pk in ids:
            if deadline is not None and time.monotonic() >= deadline:
                result.unfinished = pending.filter(pk__gte=pk).exists()
                return result
            last_id = pk
            outcome = _dispatch_one(queryset.filter(pk=pk), build, mailer, kind=kind)
            if outcome is None:
                continue
            if outcome.email is not None:
                result.sent.append(outcome.email)
            elif outcome.status == DispatchStatus.WITHHELD:
                result.withheld += 1
            elif outcome.status == DispatchStatus.CANCELLED:
                result.cancelled += 1
            elif outcome.status == DispatchStatus.FAILED:
                result.failed += 1
            elif outcome.status == "deferred":
                # The mail server is having a bad minute: stop, let the task back off.
                result.transient_error = f"{type(outcome.error).__name__}: {outcome.error}"
                return result


def _recipient_checks(user: Any) -> None:
    if user is None or not user.is_active:
        raise Skip(DispatchStatus.CANCELLED, "no active recipient")
    if not user.email:
        raise Skip(DispatchStatus.WITHHELD, "the recipient has no email address")


# Reminders and digests


def default_policy() -> ReminderPolicy:
    return ReminderPolicy.objects.filter(is_default=True).first() or BUILT_IN_DEFAULT


def _is_weekend(day: datetime.date) -> bool:
    return day.weekday() >= 5


def _owners_quiet_today(queryset: QuerySet[Any], day: datetime.date, owner_path: str) -> Any:
    if not _is_weekend(day):
        return queryset
    return queryset.exclude(**{f"{owner_path}__notification_preference__weekend_quiet": True})


def reminders_materialise(*, as_of: datetime.date) -> int:
    """Create the reminder rows due on `as_of`; returns how many were new.

    Each open commitment gets at most one new row a day: the latest its policy schedules on
    or before `as_of`, if that is no older than REMINDER_CATCH_UP_DAYS.
    """
    grace = datetime.timedelta(days=settings.REMINDER_CATCH_UP_DAYS)
    Reminder.objects.filter(status=DispatchStatus.PENDING, send_on__lt=as_of - grace).update(
        status=DispatchStatus.EXPIRED, note="not sent within the catch-up days"
    )
    default = default_policy()
    overrides = {
        policy.commitment_id: policy
        for policy in ReminderPolicy.objects.filter(commitment__isnull=False)
    }
    furthest = max(
        [0, *default.days_before, *(d for p in overrides.values() for d in p.days_before)]
    )
    commitments = Commitment.objects.filter(
        status__in=OPEN_STATUSES,
        owner__isnull=False,
        owner__is_active=True,
        due_date__isnull=False,
        due_date__lte=as_of + datetime.timedelta(days=furthest),
    )
    commitments = _owners_quiet_today(commitments, as_of, "owner")
    wanted: dict[tuple[int, str, datetime.date], Reminder] = {}
    for commitment_id, due_date in commitments.values_list("id", "due_date").iterator(
        chunk_size=5000
    ):
        slot = overrides.get(commitment_id, default).latest_slot(due_date, as_of)
        if slot is None or slot.send_on < as_of - grace:
            continue
        wanted[(commitment_id, slot.kind, due_date)] = Reminder(
            commitment_id=commitment_id,
            kind=slot.kind,
            due_date=due_date,
            send_on=slot.send_on,
            days_from_due=slot.days_from_due,
        )
    keys = list(wanted)
    for start in range(0, len(keys), 2000):
        chunk_ids = {key[0] for key in keys[start : start + 2000]}
        for existing in Reminder.objects.filter(commitment_id__in=chunk_ids).values_list(
            "commitment_id", "kind", "due_date"
        ):
            wanted.pop(existing, None)
    new_rows = list(wanted.values())
    Reminder.objects.bulk_create(new_rows, batch_size=2000, ignore_conflicts=True)
    # An older reminder still pending (the mail server was down) is overtaken by the new one.
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    for row in new_rows:
        by_day[row.send_on].append(row.commitment_id)
    for send_on, ids in by_day.items():
        Reminder.objects.filter(
            status=DispatchStatus.PENDING, commitment_id__in=ids, send_on__lt=send_on
        ).update(status=DispatchStatus.SUPERSEDED, note="a later reminder was due")
    return len(new_rows)


def digests_materialise(*, as_of: datetime.date) -> int:
    grace = datetime.timedelta(days=settings.REMINDER_CATCH_UP_DAYS)
    Digest.objects.filter(status=DispatchStatus.PENDING, digest_date__lt=as_of - grace).update(
        status=DispatchStatus.EXPIRED, note="not sent within the catch-up days"
    )
    owners = (
        Commitment.objects.filter(
            status__in=OPEN_STATUSES,
            due_date__lte=as_of,
            owner__isnull=False,
            owner__is_active=True,
        )
        .exclude(owner__email="")
        .exclude(owner__notification_preference__daily_digest=False)
    )
    owners = _owners_quiet_today(owners, as_of, "owner")
    owner_ids = set(owners.values_list("owner_id", flat=True).distinct())
    owner_ids -= set(
        Digest.objects.filter(digest_date=as_of, recipient_id__in=owner_ids).values_list(
            "recipient_id", flat=True
        )
    )
    Digest.objects.bulk_create(
        [Digest(recipient_id=owner_id, digest_date=as_of) for owner_id in owner_ids],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(owner_ids)


class _ReminderBuilder:
    """Builds reminder emails, checking each owner's access to each commitment.

    The owners and their access are read for a whole batch first (one query per owner
    rather than several per reminder); the commitment itself is read with the locked row,
    and a reminder whose owner changed since the batch was read, or that the batch check
    found hidden, is checked again on its own just before it is sent.
    """

    def __init__(self, as_of: datetime.date) -> None:
        self.as_of = as_of
        self.visible: set[tuple[int, int]] = set()
        self.owners: dict[int, User] = {}

    def prepare(self, ids: list[int]) -> None:
        commitments_by_owner: dict[int, list[int]] = defaultdict(list)
        for commitment_id, owner_id in Reminder.objects.filter(pk__in=ids).values_list(
            "commitment_id", "commitment__owner_id"
        ):
            if owner_id is not None:
                commitments_by_owner[owner_id].append(commitment_id)
        self.visible = set()
        self.owners = User.objects.select_related("notification_preference").in_bulk(
            list(commitments_by_owner)
        )
        for owner in self.owners.values():
            if not owner.is_active:
                continue
            visible = commitments_visible_to(owner).filter(pk__in=commitments_by_owner[owner.pk])
            self.visible.update((owner.pk, pk) for pk in visible.values_list("pk", flat=True))

    def __call__(self, reminder: Reminder) -> EmailMessage:
        commitment = reminder.commitment
        if commitment.status not in OPEN_STATUSES:
            raise Skip(DispatchStatus.CANCELLED, "the commitment is closed")
        if commitment.due_date != reminder.due_date:
            raise Skip(DispatchStatus.CANCELLED, "the due date moved")
        owner = self.owners.get(commitment.owner_id or 0) or commitment.owner
        _recipient_checks(owner)
        assert owner is not None
        if (owner.pk, commitment.pk) not in self.visible and not commitment_is_visible_to(
            user=owner, commitment=commitment
        ):
            raise Skip(DispatchStatus.WITHHELD, "the owner may not see this commitment")
        reminder.recipient = owner
        return emails.reminder_message(
            reminder=reminder, commitment=commitment, recipient=owner, as_of=self.as_of
        )


def _build_digest(digest: Digest) -> EmailMessage:
    recipient = digest.recipient
    _recipient_checks(recipient)
    commitments = selectors.digest_commitments(user=recipient, as_of=digest.digest_date)
    listed = list(commitments[: emails.DIGEST_MAX_ITEMS])
    if not listed:
        raise Skip(DispatchStatus.WITHHELD, "nothing the recipient may see is due")
    total = len(listed) if len(listed) < emails.DIGEST_MAX_ITEMS else commitments.count()
    digest.items = total
    return emails.digest_message(
        digest=digest, recipient=recipient, commitments=listed, total=total
    )


def pending_dispatch(
    *, as_of: datetime.date | None = None, deadline: float | None = None
) -> DispatchResult:
    """Send every pending reminder and digest due on or before `as_of`."""
    as_of = as_of or selectors.sweep_today()
    result = DispatchResult()
    mailer = get_connection()
    builder = _ReminderBuilder(as_of)
    try:
        result.add(
            _drain(
                Reminder.objects.filter(send_on__lte=as_of).select_related("commitment"),
                builder,
                mailer,
                kind="reminder",
                deadline=deadline,
                prepare=builder.prepare,
            )
        )
        if not result.transient_error and not result.unfinished:
            result.add(
                _drain(
                    Digest.objects.filter(digest_date__lte=as_of).select_related(
                        "recipient__notification_preference"
                    ),
                    _build_digest,
                    mailer,
                    kind="digest",
                    deadline=deadline,
                )
            )
    finally:
        mailer.close()
    return result


def reminder_sweep(
    *,
    as_of: datetime.date | None = None,
    trigger: str = SweepRun.Trigger.SCHEDULE,
    deadline: float | None = None,
) -> SweepResult:
    """The daily sweep: create the rows due on `as_of`, then send everything pending."""
    as_of = as_of or selectors.sweep_today()
    run = SweepRun.objects.create(trigger=trigger, as_of=as_of, started_at=timezone.now())
    created = reminders_materialise(as_of=as_of)
    digests = digests_materialise(as_of=as_of)
    dispatch = pending_dispatch(as_of=as_of, deadline=deadline)
    _finish_run(run, created=created, dispatch=dispatch)
    return SweepResult(
        as_of=as_of,
        reminders_created=created,
        digests_created=digests,
        dispatch=dispatch,
        run_id=run.pk,
    )


def reminders_dispatch(
    *, as_of: datetime.date | None = None, deadline: float | None = None
) -> DispatchResult:
    """Send what an earlier run left pending (retries, a worker that died, time up)."""
    as_of = as_of or selectors.sweep_today()
    pending = Reminder.objects.filter(status=DispatchStatus.PENDING, send_on__lte=as_of).exists()
    pending = (
        pending
        or Digest.objects.filter(status=DispatchStatus.PENDING, digest_date__lte=as_of).exists()
    )
    if not pending:
        return DispatchResult()
    run = SweepRun.objects.create(
        trigger=SweepRun.Trigger.DISPATCH, as_of=as_of, started_at=timezone.now()
    )
    dispatch = pending_dispatch(as_of=as_of, deadline=deadline)
    _finish_run(run, created=0, dispatch=dispatch)
    return dispatch


def _finish_run(run: SweepRun, *, created: int, dispatch: DispatchResult) -> None:
    SweepRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        reminders_created=created,
        reminders_sent=dispatch.reminders_sent,
        digests_sent=dispatch.digests_sent,
        withheld=dispatch.withheld,
        unfinished=bool(dispatch.transient_error or dispatch.unfinished),
        error=dispatch.transient_error,
    )


def reminders_disarm(*, commitment: Commitment) -> int:
    """Cancel reminders that no longer apply: the commitment closed or its date moved."""
    pending = Reminder.objects.filter(commitment=commitment, status=DispatchStatus.PENDING)
    if commitment.status in OPEN_STATUSES and commitment.due_date is not None:
        pending = pending.exclude(due_date=commitment.due_date)
    return pending.update(status=DispatchStatus.CANCELLED, note="the commitment changed")


# The notification outbox


def _visible_recipients(user_ids: Iterable[int], visible: Callable[[User], bool]) -> list[User]:
    users = User.objects.filter(pk__in=set(user_ids), is_active=True).exclude(email="")
    return [user for user in users if visible(user)]


def notifications_for_meeting(*, meeting: Meeting, created: bool, actor: Any) -> list[int]:
    """Outbox rows for the watchers who may see the meeting (inside its transaction)."""
    watcher_ids = selectors.meeting_watcher_ids(meeting) - {getattr(actor, "pk", None)}
    if not watcher_ids:
        return []
    recipients = _visible_recipients(
        watcher_ids, lambda user: meeting_is_visible_to(user=user, meeting=meeting)
    )
    kind = Notification.Kind.MEETING_LOGGED if created else Notification.Kind.MEETING_CHANGED
    rows = Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, meeting=meeting) for user in recipients]
    )
    return [row.pk for row in rows]


def commitment_changed_handle(
    *,
    commitment: Commitment,
    created: bool,
    actor: Any,
    previous_owner_id: int | None,
    previous_due_date: datetime.date | None,
    previous_status: str | None,
) -> list[int]:
    """Disarm reminders that no longer apply; tell a new owner (inside the transaction)."""
    if not created and (
        commitment.due_date != previous_due_date or commitment.status != previous_status
    ):
        reminders_disarm(commitment=commitment)
    owner_id = commitment.owner_id
    if owner_id is None or owner_id == getattr(actor, "pk", None):
        return []
    if not created and owner_id == previous_owner_id:
        return []
    if commitment.status not in OPEN_STATUSES:
        return []
    recipients = _visible_recipients(
        [owner_id], lambda user: commitment_is_visible_to(user=user, commitment=commitment)
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user, kind=Notification.Kind.COMMITMENT_ASSIGNED, commitment=commitment
            )
            for user in recipients
        ]
    )
    return [row.pk for row in rows]


def _build_notification(notification: Notification) -> EmailMessage:
    recipient = notification.recipient
    _recipient_checks(recipient)
    if notification.meeting_id is not None:
        meeting = Meeting.objects.select_related("event").get(pk=notification.meeting_id)
        if not meeting_is_visible_to(user=recipient, meeting=meeting):
            raise Skip(DispatchStatus.WITHHELD, "the recipient may not see this meeting")
        return emails.meeting_notification_message(
            notification=notification, meeting=meeting, recipient=recipient
        )
    commitment = Commitment.objects.select_related("meeting").get(
        pk=notification.commitment_id or 0
    )
    if commitment.owner_id != recipient.pk or commitment.status not in OPEN_STATUSES:
        raise Skip(DispatchStatus.CANCELLED, "the commitment changed hands or closed")
    if not commitment_is_visible_to(user=recipient, commitment=commitment):
        raise Skip(DispatchStatus.WITHHELD, "the recipient may not see this commitment")
    return emails.commitment_assigned_message(
        notification=notification, commitment=commitment, recipient=recipient
    )


def notification_deliver(*, notification_id: int) -> DispatchResult:
    """Send one notification if it is still pending (a second delivery is a no-op)."""
    mailer = get_connection()
    try:
        return _drain(
            Notification.objects.filter(
                pk=notification_id, created_at__gte=timezone.now() - NOTIFICATION_EXPIRY
            ).select_related("recipient__notification_preference"),
            _build_notification,
            mailer,
            kind="notification",
            deadline=None,
        )
    finally:
        mailer.close()


def notifications_to_relay(*, limit: int = 500) -> list[int]:
    """Pending notifications never handed to the broker, or handed over long ago."""
    now = timezone.now()
    Notification.objects.filter(
        status=DispatchStatus.PENDING, created_at__lt=now - NOTIFICATION_EXPIRY
    ).update(status=DispatchStatus.EXPIRED, note="not delivered within three days")
    return list(
        Notification.objects.filter(status=DispatchStatus.PENDING)
        .filter(Q(relayed_at__isnull=True) | Q(relayed_at__lt=now - RELAY_AGAIN_AFTER))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def notifications_mark_relayed(*, ids: Iterable[int]) -> None:
    Notification.objects.filter(pk__in=list(ids)).update(relayed_at=timezone.now())


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


# Beat schedules and heartbeats

SCHEDULE_SWEEP = "Reminders: daily sweep"
SCHEDULE_DISPATCH = "Reminders: send what is pending"
SCHEDULE_RELAY = "Notifications: relay the outbox"


@transaction.atomic
def schedules_ensure(*, reset: bool = False) -> list[tuple[str, str]]:
    """Create the periodic tasks beat runs; with reset, also put back their settings.

    Administrators edit them in the admin (django-celery-beat); without reset an edited
    schedule is left as it is.
    """
    hour, minute = settings.REMINDER_SWEEP_TIME.split(":")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(int(minute)),
        hour=str(int(hour)),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.REMINDER_TIME_ZONE,
    )
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    every_minute, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.MINUTES
    )
    wanted: list[tuple[str, dict[str, Any]]] = [
        (
            SCHEDULE_SWEEP,
            {
                "task": "notifications.tasks.reminders_sweep",
                "crontab": crontab,
                "interval": None,
                "description": "Creates the reminders and digests due today and sends them.",
            },
        ),
        (
            SCHEDULE_DISPATCH,
            {
                "task": "notifications.tasks.reminders_dispatch",
                "interval": every_five,
                "crontab": None,
                "description": "Sends reminders an earlier run left pending.",
            },
        ),
        (
            SCHEDULE_RELAY,
            {
                "task": "notifications.tasks.outbox_relay",
                "interval": every_minute,
                "crontab": None,
                "description": "Hands notifications the broker never got to the workers.",
            },
        ),
    ]
    done = []
    for name, values in wanted:
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            PeriodicTask.objects.create(name=name, enabled=True, **values)
            done.append((name, "created"))
        elif reset:
            for attribute, value in values.items():
                setattr(task, attribute, value)
            task.enabled = True
            task.save()
            done.append((name, "reset"))
        else:
            done.append((name, "kept"))
    return done


def heartbeat_record(*, name: str, kind: str) -> None:
    Heartbeat.objects.update_or_create(
        name=name[:200], defaults={"kind": kind, "seen_at": timezone.now()}
    )
