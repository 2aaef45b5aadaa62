import io

from celery.signals import beat_init
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from webhooks import services


def schedules():
    return {
        task.name: task
        for task in PeriodicTask.objects.filter(
            name__in=[services.SCHEDULE_SWEEP, services.SCHEDULE_OVERDUE]
        ).select_related("interval", "crontab")
    }


def test_the_command_creates_the_schedules_and_keeps_admin_edits(db, settings):
    settings.WEBHOOK_OVERDUE_TIME = "00:15"
    output = io.StringIO()

    call_command("webhook_schedules", stdout=output)

    assert f"created: {services.SCHEDULE_OVERDUE}" in output.getvalue()
    found = schedules()
    sweep, overdue = found[services.SCHEDULE_SWEEP], found[services.SCHEDULE_OVERDUE]
    assert sweep.task == "webhooks.tasks.webhook_deliveries_sweep"
    assert (sweep.interval.every, sweep.interval.period) == (1, "minutes")
    assert overdue.task == "webhooks.tasks.webhook_commitments_overdue"
    assert (overdue.crontab.hour, overdue.crontab.minute) == ("0", "15")
    assert str(overdue.crontab.timezone) == settings.TIME_ZONE

    overdue.enabled = False
    overdue.save()
    call_command("webhook_schedules", stdout=io.StringIO())
    assert not schedules()[services.SCHEDULE_OVERDUE].enabled

    call_command("webhook_schedules", "--reset", stdout=io.StringIO())
    assert schedules()[services.SCHEDULE_OVERDUE].enabled


def test_beat_creates_the_schedules_when_it_starts(db):
    beat_init.send(sender=None)

    assert set(schedules()) == {services.SCHEDULE_SWEEP, services.SCHEDULE_OVERDUE}
