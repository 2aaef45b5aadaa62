"""The notification outbox: rows written in the transaction of the meeting or commitment
they are about, handed to the workers after it commits and relayed if the broker lost them."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from engagements.models import Commitment, Meeting
from engagements.selectors import (
    commitment_is_visible_to,
    commitments_visible_to,
    meeting_is_visible_to,
)

from .. import emails, selectors
from ..models import (
    DispatchStatus,
    Notification,
)
from .dispatch import (
    NOTIFICATION_EXPIRY,
    OPEN_STATUSES,
    RELAY_AGAIN_AFTER,
    DispatchResult,
    Skip,
    _drain,
    _recipient_checks,
)
from .reminders import (
    reminders_disarm,
)

logger = logging.getLogger(__name__)

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


def notifications_for_new_commitments(*, commitment_ids: Iterable[int], actor: Any) -> list[int]:
    """What commitment_changed_handle writes for each newly created commitment, for many
    at once (bulk writes): one visibility query per distinct owner, not per commitment."""
    owned = (
        Commitment.objects.filter(
            pk__in=list(commitment_ids), owner__isnull=False, status__in=OPEN_STATUSES
        )
        .exclude(owner_id=getattr(actor, "pk", None))
        .values_list("pk", "owner_id")
    )
    by_owner: dict[int, list[int]] = {}
    for pk, owner_id in owned:
        by_owner.setdefault(owner_id, []).append(pk)
    owners = User.objects.filter(pk__in=by_owner, is_active=True).exclude(email="").order_by("pk")
    rows = []
    for owner in owners:
        mine = by_owner[owner.pk]
        for start in range(0, len(mine), 5000):
            visible = (
                commitments_visible_to(
                    owner, queryset=Commitment.objects.filter(pk__in=mine[start : start + 5000])
                )
                .values_list("pk", flat=True)
                .order_by("pk")
            )
            rows += [
                Notification(
                    recipient=owner, kind=Notification.Kind.COMMITMENT_ASSIGNED, commitment_id=pk
                )
                for pk in visible
            ]
    return [row.pk for row in Notification.objects.bulk_create(rows, batch_size=2000)]


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
