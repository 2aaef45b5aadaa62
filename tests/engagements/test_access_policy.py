"""The access policy (accounts.policy) as a matrix, through the selectors."""

import pytest

from accounts.models import Classification
from engagements import selectors
from tests import factories

PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL = (
    Classification.PUBLIC,
    Classification.INTERNAL,
    Classification.RESTRICTED,
    Classification.CONFIDENTIAL,
)

# Who sees a meeting of the Latin America desk, by its classification.
EXPECTED = {
    "alice": {PUBLIC, INTERNAL, RESTRICTED},  # officer of the owning desk, restricted
    "bob": {PUBLIC, INTERNAL},  # officer of another desk
    "charlie": {PUBLIC, INTERNAL},  # analyst, no desk
    "dana": {PUBLIC, INTERNAL, RESTRICTED},  # took part, restricted clearance
    "erin": {PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL},  # desk lead, confidential
    "administrator": {PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL},
    "admin_user": {PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL},
}


@pytest.fixture
def meetings(desk_latam, dana):
    person = factories.PersonFactory(user=dana)
    by_level = {}
    for level in Classification:
        meeting = factories.MeetingFactory(desk=desk_latam, classification=level)
        factories.ParticipantFactory(meeting=meeting, person=person)
        by_level[level] = meeting
    return by_level


@pytest.mark.parametrize("username", sorted(EXPECTED))
@pytest.mark.parametrize("level", list(Classification))
def test_meeting_visibility_matrix(request, meetings, username, level):
    user = request.getfixturevalue(username)
    meeting = meetings[level]
    expected = level in EXPECTED[username]

    assert selectors.meetings_visible_to(user).filter(pk=meeting.pk).exists() is expected
    assert selectors.meeting_is_visible_to(user=user, meeting=meeting) is expected
    assert selectors.participants_visible_to(user).filter(meeting=meeting).exists() is expected
    commitment = factories.CommitmentFactory(meeting=meeting)
    assert selectors.commitments_visible_to(user).filter(pk=commitment.pk).exists() is expected


def test_it_lists_each_visible_meeting_once(alice, meetings, desk_latam):
    # Two memberships and a participation must not duplicate rows through joins.
    person = factories.PersonFactory(user=alice)
    factories.ParticipantFactory(meeting=meetings[RESTRICTED], person=person)
    ids = list(selectors.meetings_visible_to(alice).values_list("pk", flat=True))
    assert sorted(ids) == sorted(m.pk for lvl, m in meetings.items() if lvl != CONFIDENTIAL)


def test_it_hides_everything_from_anonymous_and_inactive_users(meetings, alice):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.meetings_visible_to(AnonymousUser()).exists()
    alice.is_active = False
    alice.save()
    assert not selectors.meetings_visible_to(alice).exists()


def test_participation_does_not_lift_clearance(meetings, charlie):
    # An analyst who took part in a restricted meeting still lacks the clearance.
    person = factories.PersonFactory(user=charlie)
    factories.ParticipantFactory(meeting=meetings[RESTRICTED], person=person)
    assert not selectors.meetings_visible_to(charlie).filter(pk=meetings[RESTRICTED].pk).exists()


def test_meeting_get_visible_is_404_for_hidden_meeting(meetings, bob):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.meeting_get_visible(user=bob, pk=meetings[RESTRICTED].pk)
    assert selectors.meeting_get_visible(user=bob, pk=meetings[INTERNAL].pk) == meetings[INTERNAL]


def test_standalone_commitment_is_visible_to_owner_desk_and_administrators(
    desk_latam, alice, bob, charlie, administrator
):
    commitment = factories.CommitmentFactory(meeting=None, desk=desk_latam, owner=charlie)
    visible = {
        user.username
        for user in (alice, bob, charlie, administrator)
        if selectors.commitments_visible_to(user).filter(pk=commitment.pk).exists()
    }
    assert visible == {"alice", "charlie", "administrator"}


def test_visibility_query_count_does_not_grow_with_rows(
    alice, desk_latam, django_assert_max_num_queries
):
    for level in Classification:
        factories.MeetingFactory(desk=desk_latam, classification=level)
    with django_assert_max_num_queries(2):
        few = len(list(selectors.meetings_visible_to(alice)))
    factories.MeetingFactory.create_batch(50, desk=desk_latam, classification=RESTRICTED)
    with django_assert_max_num_queries(2):
        many = len(list(selectors.meetings_visible_to(alice)))
    assert (few, many) == (3, 53)
