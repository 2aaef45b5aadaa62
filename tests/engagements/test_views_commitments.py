import datetime

import pytest
from django.urls import reverse

from accounts.models import Classification
from engagements.models import Commitment
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def restricted_meeting(desk_latam):
    return factories.MeetingFactory(
        title="Lithium talk", desk=desk_latam, classification=Classification.RESTRICTED
    )


@pytest.fixture
def internal_meeting(desk_latam):
    return factories.MeetingFactory(title="Open talk", desk=desk_latam)


@pytest.fixture
def secret_commitment(restricted_meeting, alice):
    return factories.CommitmentFactory(
        title="Send the lithium offtake draft", meeting=restricted_meeting, owner=alice
    )


@pytest.fixture
def open_commitment(internal_meeting, alice):
    return factories.CommitmentFactory(
        title="Share the trust fund calendar", meeting=internal_meeting, owner=alice
    )


def status_url(commitment):
    return reverse("commitment_status", args=[commitment.pk])


# --- the status change -------------------------------------------------------------------------


def test_htmx_status_change_returns_the_fragment(client, alice, secret_commitment):
    client.force_login(alice)
    response = client.post(
        status_url(secret_commitment), {"status": "done", "note": "Sent on Monday"}, **HTMX
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div class="commitment-item commitment-done')
    assert f'id="commitment-{secret_commitment.pk}"' in page
    assert "<html" not in page
    assert '<option value="done" selected>' in page
    assert "Sent on Monday" in page and 'role="status"' in page
    secret_commitment.refresh_from_db()
    assert secret_commitment.status == Commitment.Status.DONE
    assert secret_commitment.completed_on == datetime.date.today()
    assert secret_commitment.completion_note == "Sent on Monday"


def test_plain_post_redirects_back(client, alice, open_commitment):
    client.force_login(alice)
    back = reverse("commitment_board") + "?view=desk"
    response = client.post(status_url(open_commitment), {"status": "in_progress", "next": back})
    assert response.status_code == 302
    assert response.url == back
    open_commitment.refresh_from_db()
    assert open_commitment.status == Commitment.Status.IN_PROGRESS
    followed = client.get(back).content.decode()
    assert "Status saved." in followed


def test_redirect_ignores_a_foreign_next(client, alice, open_commitment):
    client.force_login(alice)
    response = client.post(
        status_url(open_commitment), {"status": "dropped", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response.url == reverse("commitment_board")


def test_hidden_commitment_is_404(client, bob, secret_commitment):
    client.force_login(bob)
    response = client.post(status_url(secret_commitment), {"status": "done"}, **HTMX)
    assert response.status_code == 404
    secret_commitment.refresh_from_db()
    assert secret_commitment.status == Commitment.Status.OPEN


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_visible_but_not_editable_is_403(client, request, who, open_commitment):
    client.force_login(request.getfixturevalue(who))
    response = client.post(status_url(open_commitment), {"status": "done"}, **HTMX)
    assert response.status_code == 403
    assert "Only its owner or a member of its desk" in response.content.decode()
    open_commitment.refresh_from_db()
    assert open_commitment.status == Commitment.Status.OPEN
    plain = client.post(status_url(open_commitment), {"status": "done"})
    assert plain.status_code == 403
    assert "<html" in plain.content.decode()


def test_owner_outside_the_desk_may_change_it(client, dana, restricted_meeting):
    factories.ParticipantFactory(
        meeting=restricted_meeting, person=factories.PersonFactory(user=dana)
    )
    commitment = factories.CommitmentFactory(meeting=restricted_meeting, owner=dana)
    client.force_login(dana)
    response = client.post(status_url(commitment), {"status": "in_progress"}, **HTMX)
    assert response.status_code == 200
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.IN_PROGRESS


def test_desk_lead_may_change_a_colleagues_commitment(client, erin, secret_commitment):
    client.force_login(erin)
    response = client.post(status_url(secret_commitment), {"status": "dropped"}, **HTMX)
    assert response.status_code == 200
    secret_commitment.refresh_from_db()
    assert secret_commitment.status == Commitment.Status.DROPPED


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_invalid_status_is_400_with_a_message(client, alice, open_commitment, headers):
    client.force_login(alice)
    response = client.post(status_url(open_commitment), {"status": "finished"}, **headers)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Status:" in page and "finished" in page
    assert 'role="alert"' in page
    open_commitment.refresh_from_db()
    assert open_commitment.status == Commitment.Status.OPEN


def test_missing_status_is_400(client, alice, open_commitment):
    client.force_login(alice)
    response = client.post(status_url(open_commitment), {}, **HTMX)
    assert response.status_code == 400
    assert "Status:" in response.content.decode()


def test_status_change_needs_post_and_login(client, alice, open_commitment):
    response = client.post(status_url(open_commitment), {"status": "done"})
    assert response.status_code == 302 and reverse("login") in response.url
    client.force_login(alice)
    assert client.get(status_url(open_commitment)).status_code == 405


def test_fragment_shows_no_form_to_readers_who_may_not_edit(client, bob, alice, open_commitment):
    client.force_login(bob)
    page = client.get(reverse("commitment_board") + "?view=all").content.decode()
    assert "Share the trust fund calendar" in page
    assert status_url(open_commitment) not in page
    client.force_login(alice)
    page = client.get(reverse("commitment_board") + "?view=all").content.decode()
    assert status_url(open_commitment) in page


# --- the board -------------------------------------------------------------------------------


def test_board_views(client, alice, erin, desk_latam, internal_meeting, restricted_meeting):
    today = datetime.date.today()
    factories.CommitmentFactory(title="Alice soon", meeting=internal_meeting, owner=alice)
    factories.CommitmentFactory(
        title="Alice late",
        meeting=internal_meeting,
        owner=alice,
        due_date=today - datetime.timedelta(days=3),
    )
    factories.CommitmentFactory(
        title="Alice done",
        meeting=internal_meeting,
        owner=alice,
        status="done",
        completed_on=today,
    )
    factories.CommitmentFactory(title="Erin's task", meeting=restricted_meeting, owner=erin)
    client.force_login(alice)
    board = reverse("commitment_board")

    mine = client.get(board).content.decode()
    assert "Alice soon" in mine and "Alice late" in mine
    assert "Alice done" not in mine and "Erin&#x27;s task" not in mine

    desk = client.get(board + "?view=desk").content.decode()
    assert "Erin&#x27;s task" in desk and "Alice soon" in desk

    overdue = client.get(board + "?view=overdue").content.decode()
    assert "Alice late" in overdue
    assert "Alice soon" not in overdue and "Erin&#x27;s task" not in overdue

    done = client.get(board + "?view=mine&status=done").content.decode()
    assert "Alice done" in done and "Alice soon" not in done

    anything = client.get(board + "?view=mine&status=any").content.decode()
    assert "Alice done" in anything and "Alice late" in anything


def test_board_hides_what_the_reader_may_not_see(client, bob, alice, secret_commitment):
    factories.CommitmentFactory(
        title="Bob owns a hidden one", meeting=secret_commitment.meeting, owner=bob
    )
    client.force_login(bob)
    for view in ("mine", "desk", "overdue", "all"):
        page = client.get(reverse("commitment_board") + f"?view={view}&status=any")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Send the lithium offtake draft" not in text
        assert "Bob owns a hidden one" not in text


def test_board_rejects_unknown_filters(client, alice):
    client.force_login(alice)
    response = client.get(reverse("commitment_board") + "?view=everyone&status=late")
    assert response.status_code == 400
    page = response.content.decode()
    assert "everyone" in page and "late" in page


@pytest.mark.parametrize("rows", [1, 30])
def test_board_query_count_does_not_grow(
    client, alice, internal_meeting, restricted_meeting, rows, django_assert_max_num_queries
):
    for index in range(rows):
        meeting = internal_meeting if index % 2 else restricted_meeting
        factories.CommitmentFactory(meeting=meeting, owner=alice)
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("commitment_board") + "?view=desk")
    assert response.status_code == 200
    assert response.content.decode().count('class="commitment-item') == rows


def test_board_pages_without_counting(client, alice, internal_meeting):
    factories.CommitmentFactory.create_batch(52, meeting=internal_meeting, owner=alice)
    client.force_login(alice)
    first = client.get(reverse("commitment_board")).content.decode()
    assert first.count('class="commitment-item') == 50
    assert 'rel="next"' in first
    second = client.get(reverse("commitment_board") + "?page=2").content.decode()
    assert second.count('class="commitment-item') == 2
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_board_merges_statuses_in_due_order(client, alice, internal_meeting):
    today = datetime.date.today()
    expected = []
    for days, status in [(5, "open"), (1, "in_progress"), (3, "open"), (2, "in_progress")]:
        commitment = factories.CommitmentFactory(
            meeting=internal_meeting,
            owner=alice,
            status=status,
            due_date=today + datetime.timedelta(days=days),
        )
        expected.append((days, commitment.pk))
    undated = factories.CommitmentFactory(meeting=internal_meeting, owner=alice, due_date=None)
    client.force_login(alice)
    page = client.get(reverse("commitment_board")).context["page"]
    assert [c.pk for c in page] == [pk for _, pk in sorted(expected)] + [undated.pk]


def test_desk_view_for_a_user_without_desks(client, charlie, internal_meeting):
    factories.CommitmentFactory(meeting=internal_meeting)
    client.force_login(charlie)
    response = client.get(reverse("commitment_board") + "?view=desk")
    assert response.status_code == 200
    assert "You belong to no desk." in response.content.decode()


def test_board_status_filter_distinguishes_open_from_active(client, alice, internal_meeting):
    factories.CommitmentFactory(title="Just open", meeting=internal_meeting, owner=alice)
    factories.CommitmentFactory(
        title="Under way", meeting=internal_meeting, owner=alice, status="in_progress"
    )
    client.force_login(alice)
    board = reverse("commitment_board")
    active = client.get(board).content.decode()
    assert "Just open" in active and "Under way" in active
    assert '<option value="active" selected>' in active
    only_open = client.get(board + "?status=open").content.decode()
    assert "Just open" in only_open and "Under way" not in only_open
    assert '<option value="open" selected>' in only_open
