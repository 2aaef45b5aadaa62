"""Sending one row (reminder, digest or notification) exactly once, in effect.
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
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .. import selectors
from ..models import (
    Digest,
    Dispatch,
    DispatchStatus,
    Reminder,
    ReminderPolicy,
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
