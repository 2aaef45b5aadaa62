"""End to end, with real processes: Celery workers (and beat) as subprocesses on the test
database and a real Redis, an SMTP server in the test (aiosmtpd), and failures made real:
a worker killed with SIGKILL in the middle of a sweep, a Redis server stopped while a
meeting is saved. Every wait is bounded; every process is stopped in a finally block."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.models import Classification, DeskMembership
from engagements import services as engagement_services
from engagements.models import Meeting
from engagements.services import MeetingInput
from notifications import services, tasks
from notifications.models import DispatchStatus, Heartbeat, Notification, Reminder, SweepRun
from notifications.selectors import sweep_today
from tests import factories
from tests.notifications.processes import (
    Mailbox,
    PrivateRedis,
    Service,
    celery_beat,
    celery_worker,
    children_of,
    delete_queue,
    process_env,
    publishing_to,
    smtp_server,
    unique_name,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def smtp_env(port: int) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "20",
    }


def worker_ready(hostname: str, service: Service) -> None:
    def ready() -> bool:
        assert service.process.poll() is None, "the worker exited:\n" + service.output()
        return Heartbeat.objects.filter(name=f"worker:{hostname}").exists()

    try:
        wait_for(ready, timeout=60, what=f"worker {hostname} to start")
    except AssertionError:
        print(service.output())
        raise


def keys_of(messages) -> Counter:
    return Counter(message["X-Engagements-Key"] for message in messages)


@pytest.fixture
def officers(desk_latam):
    def make(count):
        users = []
        for index in range(count):
            user = factories.UserFactory(username=f"officer{index}")
            DeskMembership.objects.create(user=user, desk=desk_latam)
            users.append(user)
        return users

    return make


def test_a_worker_on_redis_sends_one_email_through_smtp_for_a_commitment_due_in_7_days(
    tmp_path, owner
):
    today = sweep_today()
    commitment = factories.CommitmentFactory(
        meeting=None,
        desk=owner.desk_memberships.get().desk,
        owner=owner,
        title="Send the lithium MoU draft",
        due_date=today + datetime.timedelta(days=7),
    )
    queue = unique_name("notifications-test")
    hostname = f"{queue}@localhost"
    mailbox = Mailbox()
    worker = None
    with smtp_server(mailbox) as port:
        try:
            worker = celery_worker(
                tmp_path, hostname=hostname, CELERY_QUEUE=queue, **smtp_env(port)
            )
            worker_ready(hostname, worker)
            with publishing_to(settings.CELERY_BROKER_URL):
                # As beat sends it: no arguments, the worker takes today in REMINDER_TIME_ZONE.
                tasks.reminders_sweep.apply_async(queue=queue)
                wait_for(mailbox.received, timeout=60, what="the reminder at the SMTP server")
                tasks.reminders_sweep.apply_async(queue=queue)  # a duplicate run
                wait_for(
                    lambda: SweepRun.objects.filter(finished_at__isnull=False).count() == 2,
                    timeout=60,
                    what="the second sweep to finish",
                )
        finally:
            if worker is not None:
                worker.stop()
            delete_queue(settings.CELERY_BROKER_URL, queue)

    (message,) = mailbox.received()
    assert message["To"] == owner.email
    assert message["Subject"] == "Reminder: Send the lithium MoU draft (due in 7 days)"
    link = f"{settings.SITE_URL}/notifications/commitments/{commitment.pk}/"
    assert link in message.get_body(preferencelist=("plain",)).get_content()
    assert f'href="{link}"' in message.get_body(preferencelist=("html",)).get_content()


def test_two_processes_sweeping_at_once_send_one_email_per_reminder(tmp_path, officers):
    as_of = datetime.date(2026, 3, 2)
    for user in officers(10):
        for due_in in (7, 1, 0):
            factories.CommitmentFactory(
                meeting=None,
                desk=user.desk_memberships.get().desk,
                owner=user,
                due_date=as_of + datetime.timedelta(days=due_in),
            )
    mailbox = Mailbox()
    mailbox.delay = 0.02  # a slow mail server keeps both sweeps busy at the same time
    with smtp_server(mailbox) as port:
        env = process_env(**smtp_env(port))
        command = [sys.executable, "manage.py", "send_reminders", "--date", as_of.isoformat()]
        runs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(2)
        ]
        outputs = []
        try:
            for run in runs:
                outputs.append(run.communicate(timeout=120)[0].decode())
        finally:
            for run in runs:
                if run.poll() is None:
                    run.kill()
        assert all(run.returncode == 0 for run in runs), outputs

    keys = keys_of(mailbox.received())
    assert len(keys) == 10 * 4  # three reminders and a digest each
    assert set(keys.values()) == {1}
    sent_lines = sum(output.count("\nsent ") + output.startswith("sent ") for output in outputs)
    assert sent_lines == 40


def due_in_seven_days(users) -> None:
    for user in users:
        factories.CommitmentFactory(
            meeting=None,
            desk=user.desk_memberships.get().desk,
            owner=user,
            due_date=sweep_today() + datetime.timedelta(days=7),
        )


def test_a_pool_process_killed_during_a_sweep_is_replaced_and_sends_each_reminder_once(
    tmp_path, officers
):
    """The OOM killer takes the pool process in the middle of the sweep: acks_late with
    reject_on_worker_lost puts the sweep back on the queue at once, the new pool process runs
    it again, and the reminders already sent are not sent again."""
    owners = officers(6)
    due_in_seven_days(owners)
    queue = unique_name("notifications-test")
    hostname = f"{queue}@localhost"
    # The third message waits at the mail server's MAIL command: that is when the pool
    # process dies, with two reminders sent and a third claimed but not sent.
    mailbox = Mailbox()
    mailbox.hold_at = 3
    worker = None
    with smtp_server(mailbox) as port:
        try:
            worker = celery_worker(
                tmp_path, hostname=hostname, pool="prefork", CELERY_QUEUE=queue, **smtp_env(port)
            )
            worker_ready(hostname, worker)
            with publishing_to(settings.CELERY_BROKER_URL):
                tasks.reminders_sweep.apply_async(queue=queue)
            assert mailbox.holding.wait(timeout=60), "the sweep never reached the third email"
            (pool_process,) = children_of(worker.process.pid)
            os.kill(pool_process, signal.SIGKILL)
            mailbox.release.set()
            wait_for(
                lambda: len(mailbox.received()) >= 6, timeout=90, what="the other four reminders"
            )
            # Anything sent twice is sent by the sweep that runs again: wait for it to finish.
            wait_for(
                lambda: worker.succeeded("notifications.tasks.reminders_sweep") >= 1,
                timeout=60,
                what="the sweep run again to finish",
            )
        finally:
            if worker is not None:
                worker.stop()
            delete_queue(settings.CELERY_BROKER_URL, queue)

    keys = keys_of(mailbox.received())
    assert len(keys) == 6 and set(keys.values()) == {1}, keys
    assert sorted(m["To"] for m in mailbox.received()) == sorted(u.email for u in owners)
    assert Reminder.objects.filter(status=DispatchStatus.SENT).count() == 6


def test_a_worker_killed_during_a_sweep_sends_every_reminder_once_after_restart(tmp_path, officers):
    """The whole worker dies (SIGKILL) in the middle of the sweep. Its claim on the reminder
    it was sending dies with its database connection; after a restart, the dispatch that
    beat runs every few minutes sends what is left, once. (The sweep's own message comes
    back after the broker's visibility timeout, an hour, and then finds nothing to send.)"""
    owners = officers(6)
    due_in_seven_days(owners)
    services.schedules_ensure()
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(name=services.SCHEDULE_DISPATCH).update(interval=every_second)
    PeriodicTask.objects.exclude(name=services.SCHEDULE_DISPATCH).update(enabled=False)
    queue = unique_name("notifications-test")
    mailbox = Mailbox()
    mailbox.hold_at = 3
    first = second = beat = None
    with smtp_server(mailbox) as port:
        env = {"CELERY_QUEUE": queue, **smtp_env(port)}
        try:
            first = celery_worker(tmp_path, hostname=f"{queue}-a@localhost", **env)
            worker_ready(f"{queue}-a@localhost", first)
            with publishing_to(settings.CELERY_BROKER_URL):
                tasks.reminders_sweep.apply_async(queue=queue)
            assert mailbox.holding.wait(timeout=60), "the sweep never reached the third email"
            beat = celery_beat(tmp_path, **env)
            first.kill(signal.SIGKILL)
            mailbox.release.set()

            assert len(mailbox.received()) == 2
            wait_for(
                lambda: Reminder.objects.filter(status=DispatchStatus.PENDING).count() == 4,
                timeout=20,
                what="the killed worker's claim to be rolled back",
            )
            second = celery_worker(tmp_path, hostname=f"{queue}-b@localhost", **env)
            wait_for(
                lambda: len(mailbox.received()) >= 6, timeout=90, what="the other four reminders"
            )
            # Beat sends a dispatch every second: a duplicate would show in the next two.
            dispatched = second.succeeded("notifications.tasks.reminders_dispatch")
            wait_for(
                lambda: (
                    second.succeeded("notifications.tasks.reminders_dispatch") >= dispatched + 2
                ),
                timeout=60,
                what="two more dispatches after the sixth reminder",
            )
        finally:
            for service in (beat, first, second):
                if service is not None:
                    service.stop()
            delete_queue(settings.CELERY_BROKER_URL, queue)

    keys = keys_of(mailbox.received())
    assert len(keys) == 6 and set(keys.values()) == {1}, keys
    assert sorted(m["To"] for m in mailbox.received()) == sorted(u.email for u in owners)
    assert Reminder.objects.filter(status=DispatchStatus.SENT).count() == 6


def test_with_redis_stopped_a_meeting_is_saved_and_watchers_are_told_once_it_is_back(
    tmp_path, client, alice, desk_latam
):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", numeric_code="152", name="Chile")
    watchers = [factories.UserFactory(username=f"watcher{index}") for index in range(2)]
    for user in watchers:
        services.watch_add(user=user, target=chile)
    services.watch_add(
        user=factories.UserFactory(username="bystander"),
        target=factories.CountryFactory(iso2="PE", name="Peru"),
    )
    services.schedules_ensure()
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(name=services.SCHEDULE_RELAY).update(interval=every_second)
    PeriodicTask.objects.exclude(name=services.SCHEDULE_RELAY).update(enabled=False)

    broker = PrivateRedis(tmp_path)
    mailbox = Mailbox()
    worker = beat = None
    with smtp_server(mailbox) as port:
        try:
            broker.start()
            env = {"REDIS_URL": broker.url, **smtp_env(port)}
            worker = celery_worker(tmp_path, hostname="outbox@localhost", **env)
            beat = celery_beat(tmp_path, **env)
            worker_ready("outbox@localhost", worker)
            wait_for(
                lambda: Heartbeat.objects.filter(kind=Heartbeat.Kind.BEAT).exists(),
                timeout=60,
                what="beat to start",
            )

            broker.stop()
            with (
                publishing_to(broker.url),
                override_settings(CELERY_BROKER_URL=broker.url, CELERY_TASK_ALWAYS_EAGER=False),
            ):
                started = time.monotonic()
                meeting = engagement_services.meeting_create(
                    user=alice,
                    data=MeetingInput(
                        title="Korea-Chile bilateral on critical minerals",
                        start=datetime.datetime(
                            2026, 3, 28, 10, tzinfo=ZoneInfo("America/Santiago")
                        ),
                        time_zone="America/Santiago",
                        desk=desk_latam,
                        classification=Classification.INTERNAL,
                        counterpart_countries=[chile],
                    ),
                )
                assert time.monotonic() - started < 10, "saving waited too long for the broker"
                assert Meeting.objects.filter(pk=meeting.pk).exists()
                pending = Notification.objects.filter(meeting=meeting)
                assert pending.count() == 2
                assert all(n.status == "pending" and n.relayed_at is None for n in pending)
                health = client.get(reverse("notifications:healthz"))
                assert health.status_code == 503
                assert health.json()["checks"]["broker"]["ok"] is False

                broker.start()  # the same port: workers and beat reconnect by themselves
                wait_for(
                    lambda: len(mailbox.received()) >= 2,
                    timeout=90,
                    what="the notifications after Redis came back",
                )
                # The relay runs every second: a duplicate would show in the next two runs.
                relayed = worker.succeeded("notifications.tasks.outbox_relay")
                wait_for(
                    lambda: worker.succeeded("notifications.tasks.outbox_relay") >= relayed + 2,
                    timeout=60,
                    what="two more relay runs after the notifications",
                )
                health = client.get(reverse("notifications:healthz"))
                assert health.status_code == 200, health.json()
        finally:
            for service in (beat, worker):
                if service is not None:
                    service.stop()
            broker.stop()

    received = mailbox.received()
    assert sorted(message["To"] for message in received) == sorted(u.email for u in watchers)
    assert {message["Subject"] for message in received} == {
        "New meeting: Korea-Chile bilateral on critical minerals"
    }
    assert Notification.objects.filter(status=DispatchStatus.SENT).count() == 2
