"""The access policy (accounts.policy) as a matrix, through the selectors."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import policy
from accounts.models import Classification, Role, User
from accounts.services import roles_sync
from engagements import selectors
from engagements.models import Meeting
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


# --- the policy's other questions -------------------------------------------------------

STANDING = ["alice", "bob", "charlie", "dana", "erin", "administrator", "admin_user"]


@pytest.mark.parametrize("username", STANDING)
def test_the_form_choices_are_what_the_writer_may_write(request, desk_latam, desk_asia, username):
    user = request.getfixturevalue(username)
    levels = policy.classifications_for(user)
    assert levels == [
        lvl for lvl in Classification if policy.can_classify(user, classification=lvl)
    ]
    desks = set(policy.desks_writable_by(user))
    assert desks == {
        desk for desk in (desk_latam, desk_asia) if policy.can_write_for_desk(user, desk_id=desk.pk)
    }


def test_the_form_choices_by_user(alice, charlie, administrator, desk_latam, desk_asia):
    assert policy.classifications_for(alice) == [PUBLIC, INTERNAL, RESTRICTED]
    assert policy.classifications_for(charlie) == [PUBLIC, INTERNAL]
    assert policy.classifications_for(administrator) == list(Classification)
    assert list(policy.desks_writable_by(alice)) == [desk_latam]
    assert not policy.desks_writable_by(charlie).exists()
    assert set(policy.desks_writable_by(administrator)) == {desk_latam, desk_asia}
    assert policy.classifications_for(AnonymousUser()) == []


def _may_delete(user, desk, *, level=RESTRICTED, uploader=None):
    return policy.may_delete_attachment(
        user,
        desk_id=desk.pk,
        classification=level,
        uploaded_by_id=None if uploader is None else uploader.pk,
    )


def test_files_are_deleted_by_leads_administrators_and_their_uploader(
    desk_latam, alice, bob, charlie, dana, erin, administrator, admin_user
):
    # A file erin (the desk's lead) uploaded, and one alice (an officer) uploaded.
    assert {
        u.username
        for u in (alice, bob, charlie, dana, erin, administrator, admin_user)
        if _may_delete(u, desk_latam, uploader=erin)
    } == {"erin", "administrator", "root"}
    assert _may_delete(alice, desk_latam, uploader=alice)
    assert not _may_delete(bob, desk_latam, uploader=bob)  # not his desk, even his own file
    assert not _may_delete(alice, desk_latam, uploader=None)  # uploader unknown: leads only


def test_an_uploader_who_may_no_longer_write_the_meeting_may_not_delete_their_file(
    desk_latam, alice, erin
):
    assert not _may_delete(alice, desk_latam, level=CONFIDENTIAL, uploader=alice)
    assert _may_delete(erin, desk_latam, level=CONFIDENTIAL, uploader=alice)  # the lead may
    alice.desk_memberships.all().delete()
    assert not _may_delete(alice, desk_latam, uploader=alice)


def test_inactive_users_may_delete_nothing(desk_latam, erin):
    erin.is_active = False
    assert not _may_delete(erin, desk_latam, uploader=erin)


def test_commitments_are_changed_by_their_desk_and_their_owner(desk_latam, alice, bob, charlie):
    assert policy.may_change_commitment(alice, desk_id=desk_latam.pk, owner_id=None)
    assert not policy.may_change_commitment(bob, desk_id=desk_latam.pk, owner_id=None)
    assert policy.may_change_commitment(charlie, desk_id=desk_latam.pk, owner_id=charlie.pk)
    assert not policy.may_change_commitment(AnonymousUser(), desk_id=desk_latam.pk, owner_id=None)


def test_contact_details_are_for_people_curators_administrators_and_the_person(
    alice, erin, dana, administrator, admin_user
):
    roles = {group.name: group for group in roles_sync()}
    erin.groups.add(roles[Role.DESK_LEAD])  # leads curate people (change_person)
    alice.groups.add(roles[Role.DESK_OFFICER])
    erin, alice = (User.objects.get(pk=u.pk) for u in (erin, alice))  # fresh permission caches
    person = factories.PersonFactory(user=dana, email="dana@example.org")
    other = factories.PersonFactory(email="someone@example.org")
    assert policy.may_see_contacts(erin) and policy.may_see_contacts(erin, person=other)
    assert policy.may_see_contacts(administrator) and policy.may_see_contacts(admin_user)
    assert not policy.may_see_contacts(alice, person=other)
    assert policy.may_see_contacts(dana, person=person)
    assert not policy.may_see_contacts(dana, person=other)
    assert not policy.may_see_contacts(AnonymousUser(), person=person)


@pytest.mark.parametrize("username", STANDING)
def test_the_audit_filter_and_the_single_entry_rule_agree(request, desk_latam, username):
    # Meetings carry a classification column too: the SQL filter is tried on them.
    user = request.getfixturevalue(username)
    meetings = {
        lvl: factories.MeetingFactory(desk=desk_latam, classification=lvl) for lvl in Classification
    }
    seen = set(
        Meeting.objects.filter(pk__in=[m.pk for m in meetings.values()])
        .filter(policy.audit_visibility_filter(user))
        .values_list("classification", flat=True)
    )
    assert seen == {
        lvl for lvl in Classification if policy.can_see_audit_entry(user, classification=lvl)
    }
    assert policy.can_see_audit_entry(user, classification=None)


def test_audit_entries_above_the_clearance_are_hidden(alice, charlie, admin_user):
    assert policy.can_see_audit_entry(alice, classification=RESTRICTED)
    assert not policy.can_see_audit_entry(alice, classification=CONFIDENTIAL)
    assert not policy.can_see_audit_entry(charlie, classification=RESTRICTED)
    assert policy.can_see_audit_entry(charlie, classification=INTERNAL)
    # A superuser with public clearance is still an administrator.
    assert policy.can_see_audit_entry(admin_user, classification=CONFIDENTIAL)
    assert not policy.can_see_audit_entry(AnonymousUser(), classification=None)


def test_only_public_and_internal_content_leaves_the_site():
    assert [
        lvl for lvl in Classification if policy.content_may_leave_the_site(classification=lvl)
    ] == [
        PUBLIC,
        INTERNAL,
    ]
