"""Reminders and digests of commitments: materialised by the daily sweep, then sent."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import policy as access
from accounts.models import User
from core.exceptions import PermissionDenied
from engagements.models import Commitment
from engagements.selectors import (
    commitment_is_visible_to,
    commitments_visible_to,
)

from .. import emails, selectors
from ..models import (
    Digest,
    DispatchStatus,
    Reminder,
    ReminderPolicy,
    SweepRun,
)
from .dispatch import (
    BUILT_IN_DEFAULT,
    OPEN_STATUSES,
    DispatchResult,
    Skip,
    SweepResult,
    _drain,
    _recipient_checks,
)

logger = logging.getLogger(__name__)

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


@transaction.atomic
def reminders_retry(*, actor: Any, reminder_ids: Iterable[int]) -> int:
    """Send failed or expired reminders again at the next run (administrators only)."""
    if not access.is_administrator(actor):
        raise PermissionDenied("Only administrators may resend reminders.")
    return Reminder.objects.filter(
        pk__in=list(reminder_ids), status__in=[DispatchStatus.FAILED, DispatchStatus.EXPIRED]
    ).update(status=DispatchStatus.PENDING, next_attempt_at=None, last_error="")


REMINDER_POLICY_FIELDS = frozenset(
    {"name", "is_default", "commitment", "days_before", "on_due_date", "overdue_every_days"}
)


@transaction.atomic
def reminder_policy_save(*, policy: ReminderPolicy, changes: dict[str, Any]) -> ReminderPolicy:
    """Create (an unsaved policy) or change a reminder policy: the default or one
    commitment's."""
    unknown = set(changes) - REMINDER_POLICY_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def reminder_policy_delete(*, policy: ReminderPolicy) -> None:
    """Delete a commitment's policy; the default stays (without it the built-in one rules)."""
    if policy.is_default:
        raise ValidationError("The default reminder policy cannot be deleted; change it instead.")
    policy.delete()
