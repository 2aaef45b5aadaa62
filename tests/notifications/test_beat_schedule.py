"""The beat schedules: created by a command, editable, and the daily sweep fires once at
09:00 local time on the days around a daylight-saving change.

The DST test runs the real beat scheduler (django-celery-beat's DatabaseScheduler, as
subclassed by notifications.scheduler) tick by tick on a simulated clock, and records when
it would have sent the sweep: the same code path as `celery beat`, without the waiting.
Beat sleeps until the next entry is due or for max_interval, whichever is shorter; a long
max_interval (an hour, where deployments use seconds) only means fewer idle passes: the
moment an entry fires is computed from its schedule either way.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from notifications import services
from notifications.scheduler import Scheduler


def test_the_command_creates_the_schedules_and_keeps_admin_edits(db, capsys):
    call_command("notification_schedules")
    assert "created: Reminders: daily sweep" in capsys.readouterr().out
    sweep = PeriodicTask.objects.get(name=services.SCHEDULE_SWEEP)
    assert sweep.task == "notifications.tasks.reminders_sweep"
    assert (sweep.crontab.hour, sweep.crontab.minute) == ("9", "0")
    assert str(sweep.crontab.timezone) == "Asia/Seoul"
    assert (
        PeriodicTask.objects.filter(
            name__in=[services.SCHEDULE_DISPATCH, services.SCHEDULE_RELAY], enabled=True
        ).count()
        == 2
    )

    sweep.crontab.hour = "8"
    sweep.crontab.save()
    call_command("notification_schedules")
    assert PeriodicTask.objects.get(name=services.SCHEDULE_SWEEP).crontab.hour == "8"

    call_command("notification_schedules", "--reset")
    assert PeriodicTask.objects.get(name=services.SCHEDULE_SWEEP).crontab.hour == "9"


def test_the_sweep_time_and_zone_come_from_the_settings(db, settings):
    settings.REMINDER_SWEEP_TIME = "07:30"
    settings.REMINDER_TIME_ZONE = "Europe/Madrid"
    services.schedules_ensure()
    crontab = PeriodicTask.objects.get(name=services.SCHEDULE_SWEEP).crontab
    assert (crontab.hour, crontab.minute, str(crontab.timezone)) == ("7", "30", "Europe/Madrid")


def simulate_beat(*, zone: ZoneInfo, start: datetime.datetime, end: datetime.datetime):
    """Run beat's loop from start to end on a simulated clock; return when the sweep was sent."""
    sent: list[datetime.datetime] = []
    with time_machine.travel(start, tick=False) as clock:
        services.schedules_ensure(reset=True)
        # Only the daily sweep, so that the loop wakes for it alone (and the test stays quick).
        PeriodicTask.objects.exclude(name=services.SCHEDULE_SWEEP).update(enabled=False)
        scheduler = Scheduler(app=celery_app, max_interval=3600)
        scheduler.__dict__["producer"] = None  # nothing is published
        scheduler.apply_entry = lambda entry, producer=None: (
            sent.append(datetime.datetime.now(zone))
            if entry.name == services.SCHEDULE_SWEEP
            else None
        )
        while datetime.datetime.now(zone) < end:
            interval = scheduler.tick()
            clock.shift(datetime.timedelta(seconds=max(interval, 0.001)))
    return sent


@pytest.mark.parametrize(
    ("zone_name", "change_day"),
    [
        ("Europe/London", datetime.date(2026, 3, 29)),  # clocks forward at 01:00
        ("Europe/London", datetime.date(2026, 10, 25)),  # clocks back at 02:00
        ("America/Santiago", datetime.date(2026, 4, 5)),  # back at midnight
        ("America/Santiago", datetime.date(2026, 9, 6)),  # forward at midnight
    ],
)
def test_the_sweep_fires_once_at_nine_local_time_around_a_dst_change(
    db, settings, monkeypatch, zone_name, change_day
):
    # Beat closes stale connections on every pass; here that would only reconnect each tick.
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    zone = ZoneInfo(zone_name)
    settings.REMINDER_TIME_ZONE = zone_name
    noon = datetime.datetime.combine(change_day, datetime.time(12), zone)
    before, after = noon - datetime.timedelta(days=1), noon + datetime.timedelta(days=1)
    assert before.utcoffset() != after.utcoffset(), "the window must cross a DST change"
    start = datetime.datetime.combine(
        change_day - datetime.timedelta(days=1), datetime.time(0), zone
    )
    end = datetime.datetime.combine(change_day + datetime.timedelta(days=2), datetime.time(0), zone)

    sent = simulate_beat(zone=zone, start=start, end=end)

    days = [change_day + datetime.timedelta(days=offset) for offset in range(-1, 2)]
    assert [moment.date() for moment in sent] == days
    for moment in sent:
        assert (moment.hour, moment.minute) == (9, 0), sent
        assert moment.second == 0, sent
