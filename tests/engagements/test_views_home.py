import pytest
from django.urls import reverse

from accounts.models import Classification
from tests import factories


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_home_lists_only_visible_meetings(client, alice, bob, desk_latam):
    factories.MeetingFactory(title="Open talk", desk=desk_latam)
    factories.MeetingFactory(
        title="Lithium talk", desk=desk_latam, classification=Classification.RESTRICTED
    )
    client.force_login(bob)
    page = client.get(reverse("home")).content.decode()
    assert "Open talk" in page and "Lithium talk" not in page
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert "Open talk" in page and "Lithium talk" in page


@pytest.mark.parametrize("rows", [1, 50])
def test_home_query_count_does_not_grow_with_rows(
    client, alice, desk_latam, rows, django_assert_max_num_queries
):
    for meeting in factories.MeetingFactory.create_batch(rows, desk=desk_latam):
        factories.ParticipantFactory(meeting=meeting)
        factories.ParticipantFactory(meeting=meeting, side="home")
    client.force_login(alice)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.content.decode().count('class="meeting"') == min(rows, 25)
