"""Sweeps that run at the same time (two beats by mistake, a command during the scheduled
run, a redelivered task) send each reminder once: rows are created with ON CONFLICT DO
NOTHING and each is sent under its own row lock."""

import threading
import time
from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from accounts.models import DeskMembership
from notifications import services
from notifications.models import Digest, DispatchStatus, Reminder, SweepRun
from tests import factories
from tests.notifications.conftest import AS_OF, commitment_for

THREADS = 4


@pytest.fixture
def many_due(desk_latam):
    """24 owners, each with one reminder due today and one commitment due today (digest)."""
    owners = []
    for index in range(24):
        owner = factories.UserFactory(username=f"owner{index}")
        DeskMembership.objects.create(user=owner, desk=desk_latam)
        commitment_for(owner, 7)
        commitment_for(owner, 0)
        owners.append(owner)
    return owners


@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_once_send_one_email_per_reminder(many_due, monkeypatch):
    send = EmailBackend.send_messages

    def slow_send(self, messages):
        time.sleep(0.01)  # keep every sweep busy long enough to overlap the others
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)
    barrier = threading.Barrier(THREADS)
    results: list[services.SweepResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(services.reminder_sweep(as_of=AS_OF, trigger=SweepRun.Trigger.COMMAND))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == THREADS

    keys = Counter(message.extra_headers["X-Engagements-Key"] for message in mail.outbox)
    assert len(keys) == 24 * 3  # 24 owners: a 7-day reminder, a due-today reminder, a digest
    assert set(keys.values()) == {1}, [key for key, count in keys.items() if count > 1]
    assert sum(len(result.dispatch.sent) for result in results) == 24 * 3
    assert sum(1 for result in results if result.dispatch.sent) >= 2, "the sweeps did not overlap"
    assert Reminder.objects.filter(status=DispatchStatus.SENT).count() == 48
    assert Digest.objects.filter(status=DispatchStatus.SENT).count() == 24
