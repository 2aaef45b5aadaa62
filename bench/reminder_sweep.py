"""The reminder sweep benchmark, measured by bench/measurements.py (`make bench`)."""

from __future__ import annotations

import datetime
import time
import uuid
from typing import Any

from django.core import mail
from django.db import connection
from django.test.utils import override_settings

from accounts.models import Desk, DeskMembership, User
from engagements.models import Commitment
from notifications import selectors, services
from notifications.models import Digest, Reminder, SweepRun

# Every 20th commitment (5%) falls on a day the default policy reminds: 7 and 1 days
# before, the due date, a week overdue. The others are due from 15 days to a year out.
DUE_OFFSETS = (7, 1, 0, -7)
COMMITMENTS_PER_OWNER = 200


def _build(size: int, *, as_of: datetime.date, run: str) -> tuple[Desk, list[User]]:
    desk = Desk.objects.create(code=f"bench-{run}", name=f"Benchmark desk {run}")
    owners = User.objects.bulk_create(
        [
            User(
                username=f"bench-{run}-{index}",
                email=f"bench-{run}-{index}@example.org",
                password="!",
            )
            for index in range(max(1, size // COMMITMENTS_PER_OWNER))
        ]
    )
    DeskMembership.objects.bulk_create([DeskMembership(user=user, desk=desk) for user in owners])
    batch: list[Commitment] = []
    for index in range(size):
        if index % 20 == 0:
            offset = DUE_OFFSETS[(index // 20) % len(DUE_OFFSETS)]
        else:
            offset = 15 + index % 350
        batch.append(
            Commitment(
                title=f"Benchmark follow-up {index}",
                desk=desk,
                # Runs of 80: each owner has one commitment on each reminder day.
                owner=owners[(index // 80) % len(owners)],
                due_date=as_of + datetime.timedelta(days=offset),
            )
        )
        if len(batch) == 5000:
            Commitment.objects.bulk_create(batch)
            batch = []
    Commitment.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        # As a live database would have: planner statistics for the rows just loaded.
        with connection.cursor() as cursor:
            for model in (User, DeskMembership, Commitment, Reminder, Digest):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return desk, owners


def _remove(desk: Desk, owners: list[User], run_id: int | None) -> None:
    # Raw deletes: the ORM's delete() would load 100,000 commitments to write their history.
    commitments = Commitment.objects.filter(desk=desk)
    Reminder.objects.filter(commitment__in=commitments.values("pk"))._raw_delete(connection.alias)
    Digest.objects.filter(recipient__in=owners)._raw_delete(connection.alias)
    commitments._raw_delete(connection.alias)
    DeskMembership.objects.filter(desk=desk)._raw_delete(connection.alias)
    User.objects.filter(pk__in=[user.pk for user in owners])._raw_delete(connection.alias)
    Desk.objects.filter(pk=desk.pk)._raw_delete(connection.alias)
    if run_id is not None:
        SweepRun.objects.filter(pk=run_id).delete()


def bench_reminder_sweep(size: int) -> dict[str, Any]:
    """The daily sweep over `size` open commitments (about 5% with a reminder due, and a
    digest for each owner), rendering every email, HTML and text, in English, to Django's
    in-memory backend. The data is made with bulk_create and removed afterwards."""
    run = uuid.uuid4().hex[:8]
    as_of = selectors.sweep_today()
    started = time.perf_counter()
    desk, owners = _build(size, as_of=as_of, run=run)
    setup_ms = (time.perf_counter() - started) * 1000
    run_id = None
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            started = time.perf_counter()
            result = services.reminder_sweep(as_of=as_of, trigger=SweepRun.Trigger.COMMAND)
            total_ms = (time.perf_counter() - started) * 1000
            run_id = result.run_id
            emails = len(mail.outbox)
            mail.outbox = []
    finally:
        _remove(desk, owners, run_id)
    return {
        "total_ms": round(total_ms, 1),
        "emails": emails,
        "emails_per_second": round(emails / (total_ms / 1000), 1) if total_ms else 0.0,
        "commitments": size,
        "reminders": result.dispatch.reminders_sent,
        "digests": result.dispatch.digests_sent,
        "setup_ms": round(setup_ms, 1),
    }
