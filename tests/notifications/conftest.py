import datetime

import pytest

from accounts.models import Classification, DeskMembership
from notifications.models import NotificationPreference
from tests import factories

# A Monday, so that weekends are two and three... days away in the tests that need them.
AS_OF = datetime.date(2026, 3, 2)


def days(n: int) -> datetime.date:
    return AS_OF + datetime.timedelta(days=n)


@pytest.fixture
def owner(desk_latam):
    """An officer of the Latin America desk who owns follow-ups."""
    user = factories.UserFactory(
        username="olivia",
        first_name="Olivia",
        last_name="Owner",
        clearance=Classification.RESTRICTED,
    )
    DeskMembership.objects.create(user=user, desk=desk_latam)
    return user


def commitment_for(owner, due_in: int | None, *, meeting=None, desk=None, **values):
    desk = desk or (meeting.desk if meeting else owner.desk_memberships.first().desk)
    return factories.CommitmentFactory(
        meeting=meeting,
        desk=desk,
        owner=owner,
        due_date=None if due_in is None else days(due_in),
        **values,
    )


def prefer(user, **values):
    preference, _ = NotificationPreference.objects.update_or_create(user=user, defaults=values)
    return preference
