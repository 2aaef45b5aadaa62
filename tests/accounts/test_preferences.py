"""UserPreferencesMiddleware and the language switch: a signed-in user's language and time
zone apply to every page; anonymous users keep LocaleMiddleware's choice."""

import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from tests import factories


def test_users_language_is_applied(client, alice):
    alice.language = "ko"
    alice.save()
    client.force_login(alice)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="ko">' in response.content.decode()
    assert response.wsgi_request.LANGUAGE_CODE == "ko"
    assert response["Content-Language"] == "ko"


def test_without_a_choice_the_browser_decides(client, alice):
    client.force_login(alice)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page


def test_anonymous_users_keep_locale_middlewares_choice(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<html lang="ko">' in page
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert '<html lang="en-gb">' in page


def test_language_switch_for_a_signed_in_user(client, alice):
    client.force_login(alice)
    back = reverse("commitment_board")
    response = client.post(reverse("language_switch"), {"language": "ko", "next": back})
    assert response.status_code == 302 and response.url == back
    alice.refresh_from_db()
    assert alice.language == "ko"
    page = client.get(back, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="ko">' in page
    assert '<option value="ko" lang="ko" selected>' in page


def test_language_switch_for_anonymous_users_sets_the_cookie(client, db):
    response = client.post(
        reverse("language_switch"), {"language": "es", "next": "/accounts/login/"}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "es"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="es">' in page


def test_language_switch_rejects_unknown_languages_and_foreign_next(client, alice):
    client.force_login(alice)
    response = client.post(reverse("language_switch"), {"language": "xx"})
    assert response.status_code == 400
    assert "Unknown language" in response.content.decode()
    response = client.post(
        reverse("language_switch"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("language_switch")).status_code == 405


def test_time_zone_is_applied(client, alice, desk_latam):
    start = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    factories.MeetingFactory(desk=desk_latam, start=start)
    alice.time_zone = "Europe/Madrid"
    alice.save()
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert f'datetime="{start.astimezone(ZoneInfo("Europe/Madrid")).isoformat()}"' in (
        response.content.decode()
    )
    page = client.get(reverse("account")).content.decode()
    assert "Times are shown in Europe/Madrid" in page


def test_time_zone_does_not_leak_to_the_next_request(client, alice, bob, settings):
    alice.time_zone = "America/Santiago"
    alice.save()
    client.force_login(alice)
    client.get(reverse("home"))
    assert timezone.get_current_timezone_name() != "America/Santiago"
    client.force_login(bob)
    page = client.get(reverse("account")).content.decode()
    assert f"Times are shown in {settings.TIME_ZONE}" in page


def test_an_unknown_stored_time_zone_falls_back(client, alice, settings):
    type(alice).objects.filter(pk=alice.pk).update(time_zone="Mars/Olympus")
    client.force_login(alice)
    response = client.get(reverse("account"))
    assert response.status_code == 200
    assert f"Times are shown in {settings.TIME_ZONE}" in response.content.decode()
