"""No email, digest or feed reveals a record its recipient may not see.

Ownership was valid when the commitment was assigned (the services check it), but desks,
clearances and classifications change afterwards: every send checks again.
"""

import pytest
from django.core import mail
from icalendar import Calendar

from accounts.models import Classification, DeskMembership
from notifications import feeds, services
from notifications.models import DispatchStatus, Reminder, SweepRun
from tests import factories
from tests.notifications.conftest import AS_OF, commitment_for

SECRET = "Operation Quiet Lithium"


@pytest.fixture
def restricted_meeting(desk_latam):
    return factories.MeetingFactory(
        desk=desk_latam,
        classification=Classification.RESTRICTED,
        title=SECRET,
        summary="Offtake terms",
    )


def everything_sent():
    return "\n".join(
        m.subject + m.body + "".join(content for content, _ in m.alternatives) for m in mail.outbox
    )


def sweep():
    return services.reminder_sweep(as_of=AS_OF, trigger=SweepRun.Trigger.COMMAND)


def test_no_reminder_or_digest_once_the_owner_left_the_desk(owner, restricted_meeting):
    commitment_for(owner, 7, meeting=restricted_meeting, title="Due soon")
    commitment_for(owner, 0, meeting=restricted_meeting, title="Due today")
    DeskMembership.objects.filter(user=owner).delete()

    result = sweep()

    assert mail.outbox == []
    assert result.dispatch.withheld == 3  # two reminders and the digest
    assert set(Reminder.objects.values_list("status", flat=True)) == {DispatchStatus.WITHHELD}


def test_no_reminder_once_the_meeting_is_classified_above_the_owners_clearance(
    owner, restricted_meeting
):
    commitment_for(owner, 7, meeting=restricted_meeting)
    restricted_meeting.classification = Classification.CONFIDENTIAL
    restricted_meeting.save()
    sweep()
    assert SECRET not in everything_sent() and mail.outbox == []


def test_a_digest_lists_only_what_its_recipient_may_see(owner, restricted_meeting, desk_asia):
    hidden_meeting = factories.MeetingFactory(
        desk=desk_asia, classification=Classification.RESTRICTED, title="Asia desk only"
    )
    commitment_for(owner, 0, meeting=restricted_meeting, title="Visible follow-up")
    # Assigned in the admin before the rules tightened, say: still owned, no longer visible.
    commitment_for(owner, -1, meeting=hidden_meeting, title="Hidden follow-up", desk=desk_asia)

    sweep()

    digest = next(
        m for m in mail.outbox if m.extra_headers["X-Engagements-Key"].startswith("digest")
    )
    assert "Visible follow-up" in digest.body
    assert "Hidden follow-up" not in everything_sent()
    assert "Asia desk only" not in everything_sent()
    assert digest.subject == "Your follow-ups: 1 due or overdue"


def test_the_feed_has_only_meetings_and_commitments_the_user_may_see(
    owner, bob, restricted_meeting, desk_asia
):
    public = factories.MeetingFactory(desk=desk_asia, classification=Classification.PUBLIC)
    hidden = factories.MeetingFactory(
        desk=desk_asia, classification=Classification.RESTRICTED, title="Asia desk only"
    )
    commitment_for(bob, 3, meeting=hidden, desk=desk_asia, title="Bob's hidden follow-up")
    mine = commitment_for(owner, 3, meeting=restricted_meeting, title="Mine")

    calendar = Calendar.from_ical(feeds.calendar_for(owner))
    uids = {str(event["UID"]).split("@")[0] for event in calendar.walk("VEVENT")}

    assert uids == {
        f"meeting-{restricted_meeting.pk}",
        f"meeting-{public.pk}",
        f"commitment-{mine.pk}",
    }
    text = feeds.calendar_for(owner).decode()
    assert "Asia desk only" not in text and "hidden follow-up" not in text
    # Restricted: listed by title, without its content.
    assert SECRET in text and "Offtake terms" not in text


def test_the_feed_of_a_user_who_may_see_nothing_classified_has_no_classified_meeting(
    charlie, restricted_meeting
):
    text = feeds.calendar_for(charlie).decode()
    assert SECRET not in text
    assert "BEGIN:VEVENT" not in text
