import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command

from engagements import services as engagement_services
from notifications import services
from notifications.models import DispatchStatus, Reminder, ReminderPolicy, SweepRun
from tests.notifications.conftest import AS_OF, commitment_for, days, prefer


def sweep(day: datetime.date = AS_OF) -> services.SweepResult:
    return services.reminder_sweep(as_of=day, trigger=SweepRun.Trigger.COMMAND)


def reminder_emails():
    return [m for m in mail.outbox if m.extra_headers["X-Engagements-Key"].startswith("reminder-")]


def digest_emails():
    return [m for m in mail.outbox if m.extra_headers["X-Engagements-Key"].startswith("digest-")]


def test_a_commitment_due_in_seven_days_gets_one_reminder(owner):
    commitment = commitment_for(owner, 7, title="Send the lithium MoU draft")

    result = sweep()

    assert [email.kind for email in result.dispatch.sent] == ["reminder"]
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == "Reminder: Send the lithium MoU draft (due in 7 days)"
    link = f"http://127.0.0.1:8000/notifications/commitments/{commitment.pk}/"
    assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html
    assert message.extra_headers["Message-ID"].startswith(f"<reminder-{commitment.pk}-before_7d-")


def test_running_the_sweep_twice_sends_each_reminder_once(owner):
    for due_in in (7, 1, 0, -7):
        commitment_for(owner, due_in)

    first = sweep()
    second = sweep()

    assert first.dispatch.reminders_sent == 4
    assert second.reminders_created == 0 and second.dispatch.sent == []
    assert len(reminder_emails()) == 4
    assert Reminder.objects.filter(status=DispatchStatus.SENT).count() == 4


def test_over_the_weeks_each_scheduled_reminder_goes_out_once_on_its_day(owner):
    commitment = commitment_for(owner, 10)
    sent_on = {}
    for offset in range(0, 30):
        for email in sweep(days(offset)).dispatch.sent:
            if email.kind == "reminder":
                sent_on[email.key.split("-")[2]] = offset
    assert sent_on == {
        "before_7d": 3,
        "before_1d": 9,
        "due": 10,
        "overdue_7d": 17,
        "overdue_14d": 24,
    }
    assert Reminder.objects.filter(commitment=commitment).count() == 5


def test_moving_the_due_date_rearms_the_reminders(owner):
    commitment = commitment_for(owner, 7)
    sweep()
    engagement_services.commitment_update(user=owner, commitment=commitment, due_date=days(14))
    assert sweep().dispatch.sent == []

    moved = sweep(days(7))

    assert [email.key for email in moved.dispatch.sent] == [
        f"reminder-{commitment.pk}-before_7d-{days(14).isoformat()}"
    ]
    assert len(reminder_emails()) == 2


def test_a_pending_reminder_for_the_old_date_is_cancelled_when_the_date_moves(owner):
    commitment = commitment_for(owner, 7)
    services.reminders_materialise(as_of=AS_OF)
    engagement_services.commitment_update(user=owner, commitment=commitment, due_date=days(30))
    assert Reminder.objects.get().status == DispatchStatus.CANCELLED
    assert sweep().dispatch.sent == []


def test_a_done_or_dropped_commitment_gets_no_reminder(owner):
    done = commitment_for(owner, 7)
    dropped = commitment_for(owner, 1)
    services.reminders_materialise(as_of=AS_OF)
    engagement_services.commitment_set_status(user=owner, commitment=done, status="done")
    engagement_services.commitment_set_status(user=owner, commitment=dropped, status="dropped")

    assert sweep().dispatch.sent == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {DispatchStatus.CANCELLED}


def test_a_quiet_weekend_waits_for_monday_and_sends_one_catch_up(owner, bob, desk_latam):
    prefer(owner, weekend_quiet=True)
    quiet = commitment_for(owner, 6)  # due on Sunday
    loud = commitment_for(bob, 6, desk=desk_latam)
    saturday, sunday, monday = days(5), days(6), days(7)
    assert saturday.strftime("%A") == "Saturday"

    keys = {
        day: [e.key for e in sweep(day).dispatch.sent if e.kind == "reminder"]
        for day in (saturday, sunday, monday)
    }

    due = days(6).isoformat()
    assert keys[saturday] == [f"reminder-{loud.pk}-before_1d-{due}"]
    assert keys[sunday] == [f"reminder-{loud.pk}-due-{due}"]
    assert keys[monday] == [f"reminder-{quiet.pk}-due-{due}"]


def test_a_missed_reminder_is_caught_up_only_within_the_catch_up_days(owner, settings):
    settings.REMINDER_CATCH_UP_DAYS = 3
    recent = commitment_for(owner, 5)  # before_7d was two days ago
    stale = commitment_for(owner, 3)  # before_7d was four days ago, before_1d is to come
    keys = [email.key for email in sweep().dispatch.sent if email.kind == "reminder"]
    assert keys == [f"reminder-{recent.pk}-before_7d-{days(5).isoformat()}"]
    assert not Reminder.objects.filter(commitment=stale).exists()


def test_a_commitment_policy_overrides_the_default(owner):
    commitment = commitment_for(owner, 3)
    ReminderPolicy.objects.create(
        commitment=commitment, days_before=[3], on_due_date=False, overdue_every_days=0
    )
    assert [e.key for e in sweep().dispatch.sent] == [
        f"reminder-{commitment.pk}-before_3d-{days(3).isoformat()}"
    ]
    assert sweep(days(3)).dispatch.reminders_sent == 0


def test_the_administrators_default_policy_is_used(owner, settings):
    settings.REMINDER_CATCH_UP_DAYS = 0
    # The migration creates the default; a transactional test elsewhere may have flushed it.
    ReminderPolicy.objects.update_or_create(
        is_default=True, defaults={"days_before": [10], "on_due_date": False}
    )
    commitment = commitment_for(owner, 10)
    commitment_for(owner, 7)  # the built-in policy would remind today; this one does not
    commitment_for(owner, 14)
    assert [e.key for e in sweep().dispatch.sent] == [
        f"reminder-{commitment.pk}-before_10d-{days(10).isoformat()}"
    ]


def test_the_daily_digest_lists_what_is_due_or_overdue_once_a_day(owner):
    commitment_for(owner, 0, title="Call the IDB trust fund office")
    commitment_for(owner, -3, title="Circulate the minutes")
    commitment_for(owner, 2, title="Not yet due")

    sweep()
    sweep()

    (digest,) = digest_emails()
    assert digest.subject == "Your follow-ups: 2 due or overdue"
    assert "Call the IDB trust fund office" in digest.body
    assert "Circulate the minutes" in digest.body and "3 days overdue" in digest.body
    assert "Not yet due" not in digest.body


def test_no_digest_for_a_user_who_turned_it_off(owner):
    prefer(owner, daily_digest=False)
    commitment_for(owner, 0)
    sweep()
    assert digest_emails() == [] and len(reminder_emails()) == 1


def test_the_sweep_is_recorded_for_the_admin(owner):
    commitment_for(owner, 7)
    commitment_for(owner, 0)
    sweep()
    run = SweepRun.objects.get()
    assert run.finished_at is not None and run.as_of == AS_OF
    assert (run.reminders_created, run.reminders_sent, run.digests_sent) == (2, 2, 1)


def test_send_reminders_prints_what_it_sent(owner, capsys):
    commitment_for(owner, 7, title="Share the KIF pipeline")
    call_command("send_reminders", "--date", AS_OF.isoformat())
    out = capsys.readouterr().out
    assert (
        f"sent reminder to {owner.email}: Reminder: Share the KIF pipeline (due in 7 days)" in out
    )
    assert "1 reminder(s) and 0 digest(s) sent" in out


def test_a_mail_server_error_that_may_pass_leaves_the_reminder_for_the_next_run(owner):
    commitment_for(owner, 7)
    failing = mock.patch.object(
        EmailBackend, "send_messages", side_effect=smtplib.SMTPServerDisconnected("gone")
    )
    with failing:
        first = sweep()
    assert first.dispatch.transient_error.startswith("SMTPServerDisconnected")
    reminder = Reminder.objects.get()
    assert reminder.status == DispatchStatus.PENDING and reminder.next_attempt_at is not None
    assert sweep().dispatch.sent == []  # still backing off

    Reminder.objects.update(next_attempt_at=None)
    assert sweep().dispatch.reminders_sent == 1
    assert len(mail.outbox) == 1


def test_a_permanent_refusal_marks_the_reminder_failed(owner):
    commitment_for(owner, 7)
    refused = smtplib.SMTPRecipientsRefused({owner.email: (550, b"no such user")})
    with mock.patch.object(EmailBackend, "send_messages", side_effect=refused):
        result = sweep()
    assert result.dispatch.failed == 1 and not result.dispatch.transient_error
    assert Reminder.objects.get().status == DispatchStatus.FAILED


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected("x"), True),
        (ConnectionRefusedError(), True),
        (smtplib.SMTPDataError(451, b"try later"), True),
        (smtplib.SMTPDataError(554, b"rejected"), False),
        (smtplib.SMTPRecipientsRefused({"a@b": (450, b"busy")}), True),
    ],
)
def test_it_tells_errors_that_may_pass_from_refusals(error, transient):
    assert services.is_transient(error) is transient
