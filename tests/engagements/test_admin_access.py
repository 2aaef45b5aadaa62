"""The access policy through the admin: changelists, change and history pages,
autocomplete and foreign-key choices; and the services' rules on admin writes."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Classification
from audit.models import AuditEntry
from audit.selectors import entries_for
from engagements import services
from engagements.models import (
    AgendaItem,
    Attachment,
    Commitment,
    Meeting,
    Participant,
    Tenure,
)
from tests import factories


def latest_entry(record):
    """The audit trail's newest entry for the record."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=str(record.pk)
    ).latest("id")


PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL = (
    Classification.PUBLIC,
    Classification.INTERNAL,
    Classification.RESTRICTED,
    Classification.CONFIDENTIAL,
)
USERS = ["alice", "bob", "charlie", "dana", "erin", "administrator", "admin_user"]

# Who sees a meeting of the Latin America desk, by its classification (accounts.policy).
SEES = {
    PUBLIC: set(USERS),
    INTERNAL: set(USERS),
    RESTRICTED: {"alice", "dana", "erin", "administrator", "admin_user"},
    CONFIDENTIAL: {"erin", "administrator", "admin_user"},
}
MATRIX = [
    pytest.param(level, username, username in SEES[level], id=f"{level.label}-{username}")
    for level in Classification
    for username in USERS
]
CHILD_MODELS = [Participant, AgendaItem, Commitment, Attachment]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _staff(user, *models, actions=("view", "change")):
    if not user.is_superuser:
        user.is_staff = True
        user.save()
        codenames = [f"{action}_{model._meta.model_name}" for model in models for action in actions]
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def make_meeting(desk_latam, dana, settings, tmp_path):
    """A meeting of the Latin America desk that dana took part in, with one of each child."""
    settings.MEDIA_ROOT = tmp_path
    dana_person = factories.PersonFactory(user=dana)

    def make(classification):
        meeting = factories.MeetingFactory(desk=desk_latam, classification=classification)
        factories.ParticipantFactory(meeting=meeting, person=dana_person)
        factories.AgendaItemFactory(meeting=meeting)
        factories.CommitmentFactory(meeting=meeting)
        Attachment.objects.create(
            meeting=meeting,
            file=SimpleUploadedFile("minutes.txt", b"minutes"),
            original_name="minutes.txt",
            content_type="text/plain",
            size=7,
        )
        return meeting

    return make


def _shown_as_missing(response):
    """The admin's answer for a record it cannot find: back to the index, with a notice."""
    if response.status_code == 404:
        return True
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    return (
        response.status_code == 302
        and response["Location"] == reverse("admin:index")
        and any("exist" in message for message in messages)
    )


@pytest.mark.parametrize(("level", "username", "sees"), MATRIX)
def test_meeting_admin_follows_the_access_matrix(
    request, client, make_meeting, level, username, sees
):
    meeting = make_meeting(level)
    user = _staff(request.getfixturevalue(username), Meeting)
    client.force_login(user)

    listed = client.get(_url(Meeting, "changelist")).context["cl"].result_list
    change = client.get(_url(Meeting, "change", meeting.pk))
    history = client.get(_url(Meeting, "history", meeting.pk))

    assert (meeting in listed) is sees
    if sees:
        assert change.status_code == 200
        assert change.context["original"] == meeting
        assert history.status_code == 200
        assert list(history.context["audit_entries"]) == list(entries_for(meeting, user))
        assert history.context["audit_entries"]
    else:
        assert _shown_as_missing(change)
        assert meeting.title not in change.content.decode()
        assert history.status_code == 404


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda model: model.__name__)
@pytest.mark.parametrize(("level", "username", "sees"), MATRIX)
def test_records_of_a_meeting_follow_its_visibility(
    request, client, make_meeting, model, level, username, sees
):
    meeting = make_meeting(level)
    record = model.objects.get(meeting=meeting)
    user = _staff(request.getfixturevalue(username), Meeting, model)
    client.force_login(user)

    listed = client.get(_url(model, "changelist")).context["cl"].result_list
    change = client.get(_url(model, "change", record.pk))

    assert (record in listed) is sees
    if sees:
        assert change.status_code == 200
    else:
        assert _shown_as_missing(change)
    history = client.get(_url(model, "history", record.pk))
    assert history.status_code == (200 if sees else 404)


def _autocomplete(client, model_name, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "engagements",
            "model_name": model_name,
            "field_name": "meeting",
            "term": term,
        },
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


@pytest.mark.parametrize(("username", "sees"), [("alice", True), ("bob", False)])
def test_meeting_autocomplete_hides_what_the_user_may_not_see(
    request, client, make_meeting, username, sees
):
    meeting = make_meeting(RESTRICTED)
    client.force_login(_staff(request.getfixturevalue(username), Meeting, Commitment))

    found = _autocomplete(client, "commitment", meeting.title)

    assert (meeting.pk in found) is sees


def test_add_forms_offer_only_visible_meetings(client, make_meeting, bob):
    hidden = make_meeting(RESTRICTED)
    own = factories.MeetingFactory(desk=bob.desks.get(), classification=RESTRICTED)
    client.force_login(_staff(bob, Meeting, Participant, Commitment, Attachment, actions=["add"]))

    for model in (Commitment, Attachment):
        form = client.get(_url(model, "add")).context["adminform"].form
        choices = form.fields["meeting"].queryset
        assert own in choices
        assert hidden not in choices
    # Participants are written with their meeting (its inline), not on a page of their own.
    assert client.get(_url(Participant, "add")).status_code == 403

    response = client.post(
        _url(Commitment, "add"),
        {"meeting": hidden.pk, "title": "Someone's", "owed_by": "home", "status": "open"},
    )
    assert response.status_code == 200
    assert "meeting" in response.context["adminform"].form.errors
    assert not hidden.commitments.filter(title="Someone's").exists()


def test_meeting_form_offers_only_the_users_desks(client, alice, desk_latam, desk_asia):
    client.force_login(_staff(alice, Meeting, actions=["add"]))

    form = client.get(_url(Meeting, "add")).context["adminform"].form

    assert list(form.fields["desk"].queryset) == [desk_latam]


def test_administrator_may_pick_any_desk(client, administrator, desk_latam, desk_asia):
    client.force_login(_staff(administrator, Meeting, actions=["add"]))

    form = client.get(_url(Meeting, "add")).context["adminform"].form

    assert set(form.fields["desk"].queryset) == {desk_latam, desk_asia}


# Writes through the admin


def _meeting_post_data(meeting, **changes):
    data = {
        "title": meeting.title,
        "kind": meeting.kind,
        "status": meeting.status,
        "desk": meeting.desk_id,
        "classification": meeting.classification,
        "start_0": "2025-03-27",
        "start_1": "10:00:00",
        "time_zone": "America/Santiago",
        "date_precision": meeting.date_precision,
        "expected_version": meeting.version,
    }
    for prefix in ("participants", "agenda_items", "commitments"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 0,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
    data.update(changes)
    return data


def test_saving_a_meeting_bumps_its_version_and_records_who(client, admin_user, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam)
    client.force_login(admin_user)

    response = client.post(
        _url(Meeting, "change", meeting.pk), _meeting_post_data(meeting, title="Renamed")
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version) == ("Renamed", 2)
    latest = latest_entry(meeting)
    assert (latest.user, latest.channel) == (admin_user, "admin")
    assert latest.changes["version"] == {"before": 1, "after": 2}


def test_a_stale_meeting_form_is_refused(client, admin_user, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam)
    client.force_login(admin_user)
    stale = _meeting_post_data(meeting, title="Mine")
    Meeting.objects.filter(pk=meeting.pk).update(version=2)  # someone else saved meanwhile

    response = client.post(_url(Meeting, "change", meeting.pk), stale)

    assert response.status_code == 200
    assert "Someone else saved this meeting" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.version == 2
    assert meeting.title != "Mine"


def test_meeting_add_records_the_creator(client, alice, desk_latam):
    client.force_login(_staff(alice, Meeting, actions=["add", "change", "view"]))
    data = _meeting_post_data(factories.MeetingFactory.build(desk=desk_latam), title="New")
    del data["expected_version"]

    response = client.post(_url(Meeting, "add"), data)

    assert response.status_code == 302
    meeting = Meeting.objects.get(title="New")
    assert (meeting.created_by, meeting.version) == (alice, 1)


def test_officer_may_not_classify_above_their_clearance(client, alice, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam)
    client.force_login(_staff(alice, Meeting))

    response = client.post(
        _url(Meeting, "change", meeting.pk),
        _meeting_post_data(meeting, classification=CONFIDENTIAL),
    )

    assert response.status_code == 200
    assert "classification" in response.context["adminform"].form.errors
    meeting.refresh_from_db()
    assert meeting.classification == INTERNAL


def test_officer_of_another_desk_reads_but_cannot_change(client, bob, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam, classification=INTERNAL)
    client.force_login(_staff(bob, Meeting))

    page = client.get(_url(Meeting, "change", meeting.pk))
    posted = client.post(
        _url(Meeting, "change", meeting.pk), _meeting_post_data(meeting, title="Bob's")
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert posted.status_code == 403
    meeting.refresh_from_db()
    assert meeting.version == 1


def test_inline_participant_gets_the_post_held_on_the_meeting_day(client, admin_user, desk_latam):
    tenure = factories.TenureFactory(
        start_date=datetime.date(2022, 3, 11), end_date=datetime.date(2025, 8, 21)
    )
    meeting = factories.MeetingFactory(desk=desk_latam)
    client.force_login(admin_user)
    data = _meeting_post_data(
        meeting,
        **{
            "participants-TOTAL_FORMS": 1,
            "participants-0-side": "counterpart",
            "participants-0-person": tenure.person_id,
            "participants-0-order": 1,
        },
    )

    response = client.post(_url(Meeting, "change", meeting.pk), data)

    assert response.status_code == 302
    participant = meeting.participants.get()
    assert participant.post == tenure.post
    assert participant.post_label == tenure.post.label
    assert participant.organization == tenure.post.organization


def test_inline_agenda_items_are_numbered_when_left_at_zero(client, admin_user, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam)
    client.force_login(admin_user)
    data = _meeting_post_data(meeting, **{"agenda_items-TOTAL_FORMS": 2})
    for index, title in enumerate(["Lithium", "Copper"]):
        data.update({f"agenda_items-{index}-title": title, f"agenda_items-{index}-order": 0})

    response = client.post(_url(Meeting, "change", meeting.pk), data)

    assert response.status_code == 302, response.context["errors"]
    assert list(meeting.agenda_items.values_list("order", "title")) == [
        (1, "Lithium"),
        (2, "Copper"),
    ]


def test_overlapping_tenure_is_a_form_error(client, admin_user):
    current = factories.TenureFactory(start_date=datetime.date(2022, 3, 11))
    client.force_login(admin_user)

    response = client.post(
        _url(Tenure, "add"),
        {
            "person": factories.PersonFactory().pk,
            "post": current.post_id,
            "start_date": "2024-01-01",
        },
    )

    assert response.status_code == 200
    assert "single-holder post" in str(response.context["adminform"].form.errors["start_date"])
    assert Tenure.objects.count() == 1


def test_tenure_added_in_the_admin_copies_single_holder(client, admin_user):
    post = factories.PostFactory(single_holder=False)
    client.force_login(admin_user)

    response = client.post(
        _url(Tenure, "add"),
        {"person": factories.PersonFactory().pk, "post": post.pk, "start_date": "2024-01-01"},
    )

    assert response.status_code == 302
    tenure = Tenure.objects.get()
    assert tenure.exclusive is False
    assert (latest_entry(tenure).user, latest_entry(tenure).action) == (admin_user, "create")


def test_post_cannot_become_single_holder_over_overlapping_tenures(client, admin_user):
    post = factories.PostFactory(single_holder=False)
    for start in (datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)):
        services.tenure_create(person=factories.PersonFactory(), post=post, start_date=start)
    client.force_login(admin_user)

    response = client.post(
        _url(type(post), "change", post.pk),
        {
            "label": post.label,
            "slug": post.slug,
            "organization": post.organization_id,
            "rank": post.rank,
            "single_holder": "on",
            "tenures-TOTAL_FORMS": 2,
            "tenures-INITIAL_FORMS": 2,
            "tenures-MIN_NUM_FORMS": 0,
            "tenures-MAX_NUM_FORMS": 1000,
            **{
                f"tenures-{index}-id": tenure.pk
                for index, tenure in enumerate(post.tenures.order_by("-start_date"))
            },
            **{f"tenures-{index}-post": post.pk for index in range(2)},
        },
    )

    assert response.status_code == 200
    assert "single_holder" in response.context["adminform"].form.errors
    assert not Tenure.objects.filter(post=post, exclusive=True).exists()


def test_commitment_marked_done_gets_a_completion_date(client, admin_user, desk_latam):
    commitment = factories.CommitmentFactory(meeting=factories.MeetingFactory(desk=desk_latam))
    client.force_login(admin_user)

    response = client.post(
        _url(Commitment, "change", commitment.pk),
        {
            "title": commitment.title,
            "meeting": commitment.meeting_id,
            "owed_by": "home",
            "desk": "",
            "status": "done",
        },
    )

    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "done"
    assert commitment.completed_on is not None
    assert commitment.desk == desk_latam
    assert latest_entry(commitment).user == admin_user


def test_commitment_owner_must_see_the_meeting(client, admin_user, make_meeting, bob):
    meeting = make_meeting(RESTRICTED)
    client.force_login(admin_user)

    response = client.post(
        _url(Commitment, "add"),
        {
            "title": "Send the term sheet",
            "meeting": meeting.pk,
            "owed_by": "home",
            "owner": bob.pk,
            "status": "open",
        },
    )

    assert response.status_code == 200
    assert "owner" in response.context["adminform"].form.errors


def test_attachment_upload_goes_through_the_service_checks(client, alice, make_meeting):
    meeting = make_meeting(RESTRICTED)
    client.force_login(_staff(alice, Meeting, Attachment, actions=["add", "view"]))
    url = _url(Attachment, "add")

    refused = client.post(
        url,
        {
            "meeting": meeting.pk,
            "kind": "other",
            "upload": SimpleUploadedFile("tool.exe", b"MZ\x90\x00\xff\xfe", "application/pdf"),
        },
    )
    accepted = client.post(
        url,
        {
            "meeting": meeting.pk,
            "kind": "minutes",
            "upload": SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf"),
        },
    )

    assert refused.status_code == 200
    assert "upload" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    added = meeting.attachments.get(original_name="minutes.pdf")
    assert (added.content_type, added.uploaded_by) == ("application/pdf", alice)
