import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import Classification
from engagements import services
from engagements.models import Commitment, Meeting, MeetingDraft, Participant, Person
from engagements.services import MeetingInput, ParticipantInput
from tests import factories

SANTIAGO = ZoneInfo("America/Santiago")


@pytest.fixture
def chile(db):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", numeric_code="152", name="Chile")
    hacienda = factories.OrganizationFactory(
        name="Ministerio de Hacienda", abbreviation="Hacienda", country=chile
    )
    post = factories.PostFactory(label="Minister of Finance", organization=hacienda, rank=1)
    marcel = factories.PersonFactory(name="Mario Marcel Cullell", sort_name="Marcel")
    grau = factories.PersonFactory(name="Nicolás Grau", sort_name="Grau")
    services.tenure_create(
        person=marcel,
        post=post,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 21),
    )
    services.tenure_create(person=grau, post=post, start_date=datetime.date(2025, 8, 21))
    korea = factories.CountryFactory(iso2="KR", iso3="KOR", numeric_code="410", name="Korea")
    moef = factories.OrganizationFactory(name="MOEF", abbreviation="MOEF", country=korea)
    deputy = factories.PostFactory(label="First Vice Minister", organization=moef, rank=2)
    kim = factories.PersonFactory(name="Kim Yun-sang", native_name="김윤상", sort_name="Kim")
    services.tenure_create(person=kim, post=deputy, start_date=datetime.date(2024, 1, 1))
    return {"chile": chile, "post": post, "marcel": marcel, "grau": grau, "kim": kim}


def form_data(desk, **overrides):
    data = {
        "title": "Korea-Chile bilateral on lithium",
        "start_date": "2025-03-28",
        "start_time": "10:00",
        "end_time": "",
        "time_zone": "America/Santiago",
        "date_precision": "day",
        "kind": "bilateral",
        "status": "held",
        "place": "Hotel W",
        "city": "Santiago",
        "country": "",
        "event": "",
        "desk": str(desk.pk),
        "classification": str(Classification.RESTRICTED),
        "summary": "Talked lithium.",
        "notes": "Agreed to *follow up*.",
        "outcomes": "",
        "source": "",
        "version": "",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "1000",
        "agenda-TOTAL_FORMS": "0",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
        "commitments-TOTAL_FORMS": "0",
        "commitments-INITIAL_FORMS": "0",
        "commitments-MIN_NUM_FORMS": "0",
        "commitments-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def with_rows(data, prefix, rows):
    data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def make_meeting(user, desk, *, classification=Classification.INTERNAL, people=(), **values):
    return services.meeting_create(
        user=user,
        data=MeetingInput(
            title=values.pop("title", "Lithium talk"),
            start=datetime.datetime(2025, 3, 28, 10, 0, tzinfo=SANTIAGO),
            time_zone="America/Santiago",
            desk=desk,
            classification=classification,
            participants=[ParticipantInput(side="counterpart", person=p) for p in people],
            **values,
        ),
    )


# --- access -----------------------------------------------------------------------------


def test_pages_require_login(client, db):
    for url in (reverse("meeting_create"), reverse("meeting_drafts")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_alice_may_open_the_form_and_only_her_desks_are_offered(
    client, alice, desk_latam, desk_asia
):
    client.force_login(alice)
    response = client.get(reverse("meeting_create"))
    assert response.status_code == 200
    desk_choices = [str(d.pk) for d in response.context["form"].fields["desk"].queryset]
    assert desk_choices == [str(desk_latam.pk)]
    classification_values = [
        v for v, _ in response.context["form"].fields["classification"].choices
    ]
    assert Classification.CONFIDENTIAL not in classification_values
    assert Classification.RESTRICTED in classification_values


def test_the_analyst_may_not_log_meetings(client, charlie):
    client.force_login(charlie)
    assert client.get(reverse("meeting_create")).status_code == 403


def test_restricted_latam_meeting_is_hidden_from_bob_and_charlie(
    client, alice, bob, charlie, desk_latam
):
    meeting = make_meeting(alice, desk_latam, classification=Classification.RESTRICTED)
    for user in (bob, charlie):
        client.force_login(user)
        assert client.get(reverse("meeting_detail", args=[meeting.pk])).status_code == 404
        assert client.get(reverse("meeting_edit", args=[meeting.pk])).status_code == 404
    client.force_login(alice)
    assert client.get(reverse("meeting_detail", args=[meeting.pk])).status_code == 200


def test_bob_sees_an_internal_latam_meeting_but_may_not_edit_it(client, alice, bob, desk_latam):
    meeting = make_meeting(alice, desk_latam)
    client.force_login(bob)
    page = client.get(reverse("meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200
    assert reverse("meeting_edit", args=[meeting.pk]) not in page.content.decode()
    assert client.get(reverse("meeting_edit", args=[meeting.pk])).status_code == 403
    response = client.post(reverse("meeting_edit", args=[meeting.pk]), form_data(desk_latam))
    assert response.status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).title == "Lithium talk"


# --- create -----------------------------------------------------------------------------


def test_alice_logs_a_meeting_with_participants_agenda_and_commitments(
    client, alice, erin, desk_latam, chile
):
    topic = factories.TopicFactory(name="Lithium supply")
    lithium = factories.MineralFactory(name="Lithium", slug="lithium")
    client.force_login(alice)
    data = form_data(desk_latam, topics=[str(topic.pk)], minerals=[str(lithium.pk)])
    with_rows(
        data,
        "participants",
        [
            {
                "person": str(chile["marcel"].pk),
                "person_name": "Mario Marcel",
                "side": "counterpart",
                "post_label": "",
                "is_head_of_delegation": "on",
            },
            {
                "person": "",
                "person_name": "Ana Ruiz",
                "side": "counterpart",
                "post_label": "Adviser",
            },
            {
                "person": str(chile["kim"].pk),
                "person_name": "Kim",
                "side": "home",
                "post_label": "",
            },
        ],
    )
    with_rows(
        data,
        "agenda",
        [{"title": "Lithium offtake", "topic": str(topic.pk), "notes": "", "outcome": "Study"}],
    )
    with_rows(
        data,
        "commitments",
        [
            {
                "id": "",
                "title": "Send the draft MoU",
                "owed_by": "home",
                "owner": str(erin.pk),
                "due_date": "2025-04-30",
                "status": "open",
                "description": "",
            }
        ],
    )
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get()
    assert response.url == reverse("meeting_detail", args=[meeting.pk])
    assert meeting.start == datetime.datetime(2025, 3, 28, 10, 0, tzinfo=SANTIAGO)
    assert meeting.created_by == alice and meeting.classification == Classification.RESTRICTED
    participants = {p.display_name: p for p in meeting.participants.all()}
    # The title held on the day of the meeting, from the tenures.
    assert participants["Mario Marcel Cullell"].post_label == "Minister of Finance"
    assert participants["Mario Marcel Cullell"].is_head_of_delegation
    assert (
        participants["Ana Ruiz"].person is None and participants["Ana Ruiz"].post_label == "Adviser"
    )
    assert participants["Kim Yun-sang"].side == "home"
    assert [a.title for a in meeting.agenda_items.all()] == ["Lithium offtake"]
    commitment = meeting.commitments.get()
    assert commitment.owner == erin and commitment.due_date == datetime.date(2025, 4, 30)
    assert list(meeting.topics.all()) == [topic] and list(meeting.minerals.all()) == [lithium]


def test_time_zone_defaults_to_the_users_own_then_to_the_settings(client, alice, settings):
    client.force_login(alice)
    settings.TIME_ZONE = "Asia/Seoul"
    assert (
        client.get(reverse("meeting_create")).context["form"]["time_zone"].value() == "Asia/Seoul"
    )
    alice.time_zone = "America/Santiago"
    alice.save()
    client.force_login(alice)
    form = client.get(reverse("meeting_create")).context["form"]
    assert form["time_zone"].value() == "America/Santiago"


def test_invalid_input_keeps_everything_typed_and_writes_nothing(client, alice, desk_latam, chile):
    client.force_login(alice)
    data = form_data(desk_latam, title="", start_date="not a date", notes="My long notes")
    with_rows(
        data,
        "participants",
        [
            {
                "person": "",
                "person_name": "Typed Person",
                "side": "counterpart",
                "post_label": "Typed label",
            }
        ],
    )
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "title" in form.errors and "start_date" in form.errors
    page = response.content.decode()
    assert "My long notes" in page and "Typed Person" in page and "Typed label" in page
    assert 'id="id_title_errors"' in page
    assert Meeting.objects.count() == 0 and Participant.objects.count() == 0


def test_a_desk_alice_does_not_belong_to_is_refused(client, alice, desk_asia, desk_latam):
    client.force_login(alice)
    response = client.post(reverse("meeting_create"), form_data(desk_asia))
    assert response.status_code == 400
    assert "desk" in response.context["form"].errors
    assert Meeting.objects.count() == 0


def test_classification_above_clearance_is_refused(client, alice, desk_latam):
    client.force_login(alice)
    data = form_data(desk_latam, classification=str(Classification.CONFIDENTIAL))
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 400
    assert "classification" in response.context["form"].errors
    assert Meeting.objects.count() == 0


def test_service_errors_land_next_to_their_row(client, alice, desk_latam, chile):
    client.force_login(alice)
    data = form_data(desk_latam)
    with_rows(
        data,
        "participants",
        [
            {"person": str(chile["marcel"].pk), "person_name": "Marcel", "side": "counterpart"},
            {"person": str(chile["marcel"].pk), "person_name": "Marcel", "side": "counterpart"},
        ],
    )
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 400
    rows = response.context["forms"].participants.forms
    assert "listed twice" in str(rows[0].errors["person_name"])
    assert Meeting.objects.count() == 0


def test_an_unknown_person_id_is_a_field_error(client, alice, desk_latam):
    client.force_login(alice)
    data = form_data(desk_latam)
    with_rows(data, "participants", [{"person": "999999", "person_name": "Ghost", "side": "home"}])
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 400
    assert "person_name" in response.context["forms"].participants.forms[0].errors
    assert Meeting.objects.count() == 0


def test_a_commitment_owner_who_may_not_see_the_meeting_is_refused(client, alice, bob, desk_latam):
    client.force_login(alice)
    data = form_data(desk_latam)
    with_rows(
        data,
        "commitments",
        [{"title": "Follow up", "owed_by": "home", "owner": str(bob.pk), "status": "open"}],
    )
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 400
    assert "owner" in response.context["forms"].commitments.forms[0].errors
    assert Meeting.objects.count() == 0 and Commitment.objects.count() == 0


# --- drafts -----------------------------------------------------------------------------


def test_save_draft_keeps_the_form_without_validating_and_resumes_it(client, alice, desk_latam):
    client.force_login(alice)
    data = form_data(
        desk_latam, title="", start_date="", notes="Half-written notes", action="draft"
    )
    with_rows(
        data,
        "participants",
        [{"person": "", "person_name": "Someone typed", "side": "home", "post_label": "Director"}],
    )
    response = client.post(reverse("meeting_create"), data)
    assert response.status_code == 302
    draft = MeetingDraft.objects.get()
    assert draft.user == alice and Meeting.objects.count() == 0
    assert response.url == f"{reverse('meeting_create')}?draft={draft.pk}"

    drafts_page = client.get(reverse("meeting_drafts")).content.decode()
    assert f"?draft={draft.pk}" in drafts_page

    resumed = client.get(response.url)
    assert resumed.status_code == 200
    page = resumed.content.decode()
    assert "Half-written notes" in page and "Someone typed" in page and "Director" in page
    # Resuming shows no validation errors: the draft was never validated.
    assert "errorlist" not in page

    # Completing it logs the meeting and the draft is gone.
    data = form_data(desk_latam, draft=str(draft.pk))
    assert client.post(reverse("meeting_create"), data).status_code == 302
    assert Meeting.objects.count() == 1 and MeetingDraft.objects.count() == 0


def test_someone_elses_draft_is_not_found(client, alice, erin, desk_latam):
    client.force_login(erin)
    client.post(reverse("meeting_create"), form_data(desk_latam, action="draft"))
    draft = MeetingDraft.objects.get()
    client.force_login(alice)
    assert client.get(f"{reverse('meeting_create')}?draft={draft.pk}").status_code == 404
    assert client.post(reverse("meeting_draft_delete", args=[draft.pk])).status_code == 404
    assert (
        str(draft.pk)
        not in client.get(reverse("meeting_drafts")).content.decode().split("drafts")[-1]
    )
    client.force_login(erin)
    assert client.post(reverse("meeting_draft_delete", args=[draft.pk])).status_code == 302
    assert not MeetingDraft.objects.exists()


# --- edit and optimistic locking ----------------------------------------------------------


def edit_data(meeting, **overrides):
    data = form_data(
        meeting.desk,
        title=meeting.title,
        version=str(meeting.version),
        classification=str(meeting.classification),
    )
    data.update(overrides)
    return data


def test_edit_form_is_prefilled_and_saves(client, alice, desk_latam, chile):
    meeting = make_meeting(alice, desk_latam, people=[chile["marcel"]])
    client.force_login(alice)
    page = client.get(reverse("meeting_edit", args=[meeting.pk]))
    assert page.status_code == 200
    assert "Mario Marcel Cullell" in page.content.decode()
    assert page.context["form"]["version"].value() == 1
    data = edit_data(meeting, title="Renamed")
    with_rows(
        data,
        "participants",
        [
            {
                "person": str(chile["marcel"].pk),
                "person_name": "Marcel",
                "side": "counterpart",
                "post_label": "Ministro",
            }
        ],
    )
    data["participants-INITIAL_FORMS"] = "1"
    response = client.post(reverse("meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Renamed" and meeting.version == 2
    assert meeting.participants.get().post_label == "Ministro"


def test_two_edits_from_the_same_version_the_second_sees_a_conflict(
    client, alice, erin, desk_latam
):
    meeting = make_meeting(
        alice,
        desk_latam,
        summary="Original summary",
        place="Hotel W",
        city="Santiago",
        notes="Agreed to *follow up*.",
    )
    client.force_login(erin)
    first = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        edit_data(meeting, title="Erin's title", summary="Erin's summary"),
    )
    assert first.status_code == 302

    client.force_login(alice)
    second = client.post(
        reverse("meeting_edit", args=[meeting.pk]),
        edit_data(meeting, title="Alice's title", summary="Alice's summary", city="Valparaíso"),
    )
    assert second.status_code == 409
    meeting.refresh_from_db()
    assert meeting.title == "Erin's title" and meeting.version == 2
    conflict = second.context["conflict"]
    changes = {change.name: change for change in conflict.changes}
    assert set(changes) == {"title", "summary"}
    assert changes["title"].old == "Lithium talk"
    assert changes["title"].new == "Erin's title"
    assert changes["title"].theirs == "Alice's title"
    assert erin in conflict.editors
    page = second.content.decode()
    assert "Alice&#x27;s summary" in page and "Valparaíso" in page
    # The form now carries the stored version: saving again applies Alice's values.
    assert second.context["form"]["version"].value() == "2"
    again = edit_data(meeting, title="Alice's title", summary="Alice's summary", version="2")
    assert client.post(reverse("meeting_edit", args=[meeting.pk]), again).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Alice's title" and meeting.version == 3


def test_edit_keeps_commitments_and_fields_not_on_the_form(client, alice, desk_latam):
    meeting = make_meeting(
        alice,
        desk_latam,
        external_source="import",
        external_id="x-1",
        source_url="https://example.org/x",
    )
    commitment = factories.CommitmentFactory(meeting=meeting, title="Keep me")
    client.force_login(alice)
    data = edit_data(meeting, title="Changed")
    with_rows(
        data,
        "commitments",
        [
            {
                "id": str(commitment.pk),
                "title": "Keep me, reworded",
                "owed_by": "home",
                "status": "in_progress",
            }
        ],
    )
    data["commitments-INITIAL_FORMS"] = "1"
    assert client.post(reverse("meeting_edit", args=[meeting.pk]), data).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.external_source, meeting.external_id) == ("import", "x-1")
    assert meeting.source_url == "https://example.org/x"
    commitment.refresh_from_db()
    assert commitment.title == "Keep me, reworded" and commitment.status == "in_progress"


def test_an_edit_draft_resumes_on_the_edit_page(client, alice, desk_latam):
    meeting = make_meeting(alice, desk_latam)
    client.force_login(alice)
    url = reverse("meeting_edit", args=[meeting.pk])
    response = client.post(url, edit_data(meeting, title="Not yet", action="draft"))
    draft = MeetingDraft.objects.get()
    assert draft.meeting == meeting and response.url == f"{url}?draft={draft.pk}"
    assert "Not yet" in client.get(response.url).content.decode()
    assert Meeting.objects.get(pk=meeting.pk).title == "Lithium talk"


# --- detail -----------------------------------------------------------------------------


def test_detail_shows_participants_with_post_labels_and_sanitised_markdown(
    client, alice, desk_latam, chile
):
    meeting = make_meeting(
        alice,
        desk_latam,
        people=[chile["marcel"]],
        notes="**Agreed**<script>alert(1)</script>[x](javascript:alert(2))",
    )
    client.force_login(alice)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Mario Marcel Cullell" in page and "Minister of Finance" in page
    assert "<strong>Agreed</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page


def test_detail_history_shows_who_changed_what(client, alice, erin, desk_latam, chile):
    meeting = make_meeting(alice, desk_latam, people=[chile["marcel"]])
    client.force_login(erin)
    data = edit_data(meeting, title="Retitled")
    with_rows(
        data,
        "participants",
        [{"person": str(chile["grau"].pk), "person_name": "Grau", "side": "counterpart"}],
    )
    assert client.post(reverse("meeting_edit", args=[meeting.pk]), data).status_code == 302
    response = client.get(reverse("meeting_detail", args=[meeting.pk]))
    history = response.context["history"]
    changed = next(e for e in history if e.action == "changed" and e.subject == "Meeting")
    assert changed.who == erin
    assert ("Title", "Lithium talk", "Retitled") in [
        (c.label, c.old, c.new) for c in changed.changes
    ]
    assert any("Nicolás Grau" in text for text in changed.added)
    assert any("Mario Marcel Cullell" in text for text in changed.removed)
    assert "Retitled" in response.content.decode()


def test_commitment_status_change_appears_in_history(client, alice, desk_latam):
    meeting = make_meeting(alice, desk_latam)
    commitment = factories.CommitmentFactory(meeting=meeting, title="Send data")
    services.commitment_set_status(user=alice, commitment=commitment, status="done")
    client.force_login(alice)
    history = client.get(reverse("meeting_detail", args=[meeting.pk])).context["history"]
    entry = next(e for e in history if "Send data" in e.subject and e.action == "changed")
    assert any(c.name == "status" and c.new == "Done" for c in entry.changes)


@pytest.mark.parametrize("rows", [1, 30])
def test_detail_query_count_does_not_grow_with_rows(
    client, alice, desk_latam, rows, django_assert_max_num_queries
):
    people = factories.PersonFactory.create_batch(rows)
    meeting = make_meeting(alice, desk_latam, people=people)
    for _ in range(rows):
        factories.CommitmentFactory(meeting=meeting, owner=alice)
        factories.AgendaItemFactory(meeting=meeting)
        meeting.topics.add(factories.TopicFactory())
    client.force_login(alice)
    with django_assert_max_num_queries(22):
        response = client.get(reverse("meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    assert len(response.context["commitments"]) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_edit_form_query_count_does_not_grow_with_rows(
    client, alice, desk_latam, rows, django_assert_max_num_queries
):
    people = factories.PersonFactory.create_batch(rows)
    meeting = make_meeting(alice, desk_latam, people=people)
    for _ in range(rows):
        factories.CommitmentFactory(meeting=meeting, owner=alice)
        factories.AgendaItemFactory(meeting=meeting, topic=factories.TopicFactory())
    client.force_login(alice)
    with django_assert_max_num_queries(21):
        response = client.get(reverse("meeting_edit", args=[meeting.pk]))
    assert response.status_code == 200
    assert len(response.context["forms"].participants.forms) == rows + 1


def test_create_form_query_count_is_bounded(client, alice, django_assert_max_num_queries):
    factories.TopicFactory.create_batch(20)
    client.force_login(alice)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("meeting_create")).status_code == 200


# --- autocomplete and inline person --------------------------------------------------------


def test_autocomplete_finds_people_by_native_script_with_the_post_on_the_meeting_date(
    client, alice, chile
):
    client.force_login(alice)
    url = reverse("meeting_person_search")
    response = client.get(
        url,
        {
            "prefix": "participants-0",
            "participants-0-person_name": "김윤",
            "start_date": "2025-03-28",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kim Yun-sang" in page and "김윤상" in page and "First Vice Minister" in page
    assert "Marcel" not in page
    # On 28 March 2025 Marcel was minister; by 2026 it was Grau.
    page = client.get(
        url, {"prefix": "participants-0", "q": "Marcel", "start_date": "2025-03-28"}
    ).content.decode()
    assert "Mario Marcel Cullell" in page and "Minister of Finance" in page
    page = client.get(
        url, {"prefix": "participants-0", "q": "Marcel", "start_date": "2026-01-10"}
    ).content.decode()
    assert "Mario Marcel Cullell" in page and "Minister of Finance" not in page


def test_autocomplete_is_limited_and_scoped_to_officers(
    client, alice, charlie, django_assert_max_num_queries
):
    factories.PersonFactory.create_batch(15, name="Pedro Lopez")
    client.force_login(charlie)
    url = reverse("meeting_person_search")
    assert client.get(url, {"prefix": "participants-0", "q": "Pedro"}).status_code == 404
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        page = client.get(url, {"prefix": "participants-0", "q": "Pedro"}).content.decode()
    assert page.count('class="pick"') == 10
    assert client.get(url, {"prefix": "evil<script>", "q": "Pedro"}).status_code == 404


def test_picking_a_person_renders_the_row_with_the_label_of_the_day(client, alice, chile):
    client.force_login(alice)
    response = client.get(
        reverse("meeting_participant_row"),
        {
            "prefix": "participants-2",
            "pick": chile["marcel"].pk,
            "start_date": "2025-03-28",
            "participants-2-side": "home",
            "participants-2-is_head_of_delegation": "on",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="participants-2-post_label"' in page and 'value="Minister of Finance"' in page
    assert f'name="participants-2-person" value="{chile["marcel"].pk}"' in page
    assert '<option value="home" selected>' in page
    head = 'name="participants-2-is_head_of_delegation"'
    assert f'{head} id="id_participants-2-is_head_of_delegation" checked' in page


def test_inline_person_add_creates_the_person_and_returns_a_new_row(client, alice, charlie):
    client.force_login(alice)
    url = reverse("meeting_person_add")
    response = client.post(
        url,
        {
            "participants-TOTAL_FORMS": "3",
            "new_person-name": "Aurora Williams",
            "new_person-native_name": "",
            "new_person-side": "counterpart",
            "new_person-post_label": "Minister of Mining",
        },
    )
    assert response.status_code == 200
    person = Person.objects.get(name="Aurora Williams")
    page = response.content.decode()
    assert f'name="participants-3-person" value="{person.pk}"' in page
    assert 'value="Minister of Mining"' in page
    assert 'id="id_participants-TOTAL_FORMS" hx-swap-oob="true"' in page and 'value="4"' in page

    invalid = client.post(
        url,
        {"participants-TOTAL_FORMS": "4", "new_person-name": "", "new_person-side": "counterpart"},
    )
    assert invalid.status_code == 400
    assert invalid["HX-Retarget"] == "#new-person-panel"
    assert "errorlist" in invalid.content.decode()
    assert Person.objects.count() == 1

    client.force_login(charlie)
    assert (
        client.post(
            url,
            {"participants-TOTAL_FORMS": "0", "new_person-name": "X", "new_person-side": "home"},
        ).status_code
        == 404
    )
    assert Person.objects.count() == 1


def test_the_form_page_links_scripts_and_no_inline_code(client, alice):
    client.force_login(alice)
    page = client.get(reverse("meeting_create")).content.decode()
    assert "js/meetings.js" in page and "css/meetings.css" in page
    assert "<script>" not in page and " style=" not in page and " onclick=" not in page
    assert 'hx-get="/meetings/people/search/?prefix=participants-0"' in page
    assert 'id="participants-template"' in page and "participants-__prefix__-side" in page


def test_detail_shows_the_time_where_the_meeting_took_place(client, alice, desk_latam, settings):
    settings.TIME_ZONE = "Asia/Seoul"
    meeting = make_meeting(alice, desk_latam)
    client.force_login(alice)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    # 10:00 in Santiago is 22:00 in Seoul: the page shows the local time of the meeting.
    assert "28 Mar 2025, 10 a.m." in page and "America/Santiago" in page


def test_detail_commitments_offer_the_in_place_status_change(client, alice, desk_latam):
    meeting = make_meeting(alice, desk_latam)
    commitment = factories.CommitmentFactory(meeting=meeting, title="Send the MoU", owner=alice)
    client.force_login(alice)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Send the MoU" in page
    assert f'hx-post="{reverse("commitment_status", args=[commitment.pk])}"' in page


def test_tags_link_to_their_profile_pages(client, alice, desk_latam):
    topic = factories.TopicFactory(name="Lithium supply")
    lithium = factories.MineralFactory(name="Lithium", slug="lithium")
    meeting = make_meeting(alice, desk_latam, topics=[topic], minerals=[lithium])
    client.force_login(alice)
    page = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert f'href="{reverse("topic_profile", args=[topic.pk])}"' in page
    assert f'href="{reverse("minerals:detail", args=["lithium"])}"' in page


def test_history_hides_what_was_written_above_the_readers_clearance(
    client, charlie, erin, desk_latam
):
    meeting = make_meeting(
        erin, desk_latam, classification=Classification.CONFIDENTIAL, title="Offtake price"
    )
    meeting = services.meeting_update(
        user=erin,
        meeting=meeting,
        expected_version=meeting.version,
        data=MeetingInput(
            title="Lithium dialogue",
            start=meeting.start,
            time_zone=meeting.time_zone,
            desk=desk_latam,
            classification=Classification.INTERNAL,
        ),
    )
    client.force_login(charlie)
    response = client.get(reverse("meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lithium dialogue" in page
    # Its creation, while confidential, is not for an analyst cleared to internal.
    assert "Offtake price" not in page
    assert all(entry.action != "created" for entry in response.context["history"])
    client.force_login(erin)
    history = client.get(reverse("meeting_detail", args=[meeting.pk])).context["history"]
    assert any(entry.action == "created" for entry in history)
