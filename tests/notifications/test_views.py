import re

import pytest
from django.urls import reverse

from accounts.models import Classification
from engagements.models import Commitment
from notifications.models import CalendarFeed, NotificationPreference, Watch
from tests import factories
from tests.notifications.conftest import commitment_for

PREFERENCES = reverse("notifications:preferences")


def test_the_pages_ask_anonymous_users_to_log_in(client, db):
    for url in (PREFERENCES, reverse("notifications:commitments")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_user_saves_their_email_preferences(client, owner):
    client.force_login(owner)
    response = client.post(
        PREFERENCES,
        {"action": "preferences", "language": "ko", "weekend_quiet": "on", "daily_digest": ""},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=owner)
    assert (preference.language, preference.weekend_quiet, preference.daily_digest) == (
        "ko",
        True,
        False,
    )


def test_a_user_adds_and_removes_watches(client, owner):
    chile = factories.CountryFactory(iso2="CL", name="Chile")
    lithium = factories.MineralFactory(name="Lithium", slug="lithium")
    client.force_login(owner)
    client.post(PREFERENCES, {"action": "watch", "kind": "country", "target": chile.pk})
    client.post(PREFERENCES, {"action": "watch", "kind": "mineral", "target": lithium.pk})
    client.post(PREFERENCES, {"action": "watch", "kind": "country", "target": chile.pk})
    assert sorted(str(w) for w in Watch.objects.filter(user=owner)) == [
        "Country: Chile",
        "Mineral: Lithium",
    ]
    page = client.get(PREFERENCES).content.decode()
    assert "Country: Chile" in page

    watch = Watch.objects.get(user=owner, kind="country")
    response = client.post(reverse("notifications:watch_delete", args=[watch.pk]))
    assert response.status_code == 302
    assert list(Watch.objects.filter(user=owner).values_list("kind", flat=True)) == ["mineral"]


def test_a_user_cannot_remove_someone_elses_watch(client, owner, bob):
    watch = Watch.objects.create(
        user=bob, kind="country", country=factories.CountryFactory(iso2="CL")
    )
    client.force_login(owner)
    assert client.post(reverse("notifications:watch_delete", args=[watch.pk])).status_code == 404
    assert Watch.objects.filter(pk=watch.pk).exists()


def test_the_calendar_address_is_shown_once_and_can_be_revoked(client, owner):
    client.force_login(owner)
    page = client.post(PREFERENCES, {"action": "feed_create"}).content.decode()
    url = re.search(r'<code class="feed-url">([^<]+)</code>', page).group(1)
    path = url.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    assert url not in client.get(PREFERENCES).content.decode()

    client.post(PREFERENCES, {"action": "feed_revoke"})
    assert client.get(path).status_code == 404
    assert CalendarFeed.objects.get(user=owner).revoked_at is not None


def test_the_owner_marks_a_follow_up_done_from_the_emails_link(client, owner):
    commitment = commitment_for(owner, 7)
    client.force_login(owner)
    url = reverse("notifications:commitment", args=[commitment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "done", "note": "Sent on Monday"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.DONE
    assert commitment.completion_note == "Sent on Monday"


def test_a_commitment_or_meeting_one_may_not_see_is_not_found(client, bob, owner, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam, classification=Classification.RESTRICTED)
    commitment = commitment_for(owner, 7, meeting=meeting)
    client.force_login(bob)
    assert client.get(reverse("notifications:commitment", args=[commitment.pk])).status_code == 404
    assert client.get(reverse("notifications:meeting", args=[meeting.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("notifications:meeting", args=[meeting.pk])).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_the_list_of_ones_follow_ups_takes_the_same_queries_at_1_and_50_rows(
    client, owner, desk_latam, rows, django_assert_max_num_queries
):
    meeting = factories.MeetingFactory(desk=desk_latam)
    for index in range(rows):
        commitment_for(owner, index, meeting=meeting if index % 2 else None)
    client.force_login(owner)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:commitments"))
    assert response.content.decode().count('class="commitment"') == rows
