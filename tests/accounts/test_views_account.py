import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import TokenInvalid, api_token_authenticate, api_token_create
from notifications.models import Watch
from notifications.services import calendar_feed_create
from tests import factories


def test_account_needs_login(client, db):
    response = client.get(reverse("account"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_account_page(client, alice, desk_latam):
    chile = factories.CountryFactory(iso2="CL", name="Chile")
    Watch.objects.create(user=alice, kind=Watch.Kind.COUNTRY, country=chile)
    client.force_login(alice)
    response = client.get(reverse("account"))
    assert response.status_code == 200
    page = response.content.decode()
    assert desk_latam.name in page
    assert "Country: Chile" in page
    assert reverse("notifications:preferences") in page
    assert 'name="language"' in page and 'name="time_zone"' in page
    assert '<label for="id_time_zone">' in page


def test_account_page_tells_whether_the_user_has_a_calendar_feed(client, alice, bob):
    calendar_feed_create(user=alice)
    client.force_login(alice)
    assert "You have a calendar feed address" in client.get(reverse("account")).content.decode()
    client.force_login(bob)
    page = client.get(reverse("account")).content.decode()
    assert "You have no calendar feed address." in page
    assert "You watch nothing yet." in page


def test_preferences_are_saved(client, alice):
    client.force_login(alice)
    response = client.post(reverse("account"), {"language": "es", "time_zone": "America/Santiago"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("es", "America/Santiago")
    assert response.cookies["django_language"].value == "es"
    page = client.get(reverse("account")).content.decode()
    assert '<html lang="es">' in page
    assert "America/Santiago" in page


def test_preferences_can_be_cleared(client, alice):
    alice.language, alice.time_zone = "ko", "Asia/Seoul"
    alice.save()
    client.force_login(alice)
    assert client.post(reverse("account"), {"language": "", "time_zone": ""}).status_code == 302
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("", "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"language": "", "time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"language": "fr", "time_zone": ""}, "language", "Select a valid choice"),
    ],
)
def test_invalid_preferences_are_400(client, alice, data, field, message):
    client.force_login(alice)
    response = client.post(reverse("account"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["preferences_form"].errors[field]
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("", "")


def test_token_created_once_and_revoked(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("account_token_create"),
        {"name": "document system", "scope": "read-write", "expires_in_days": "30"},
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    secret = response.context["new_token"][1]
    assert secret.startswith("et_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=alice, name="document system")
    assert token.scope == "read-write" and token.expires_at is not None
    assert api_token_authenticate(secret).pk == token.pk
    # Shown once: the page does not show it again.
    page = client.get(reverse("account")).content.decode()
    assert secret not in page and token.prefix in page

    response = client.post(reverse("account_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(TokenInvalid):
        api_token_authenticate(secret)
    assert "Revoked" in client.get(reverse("account")).content.decode()


def test_token_default_lifetime(client, alice, settings):
    client.force_login(alice)
    client.post(reverse("account_token_create"), {"name": "reports", "scope": "read"})
    token = ApiToken.objects.get(user=alice, name="reports")
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime.days - settings.API_TOKEN_DEFAULT_EXPIRY_DAYS) <= 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scope": "read"}, "This field is required"),
        ({"name": "x", "scope": "admin"}, "Select a valid choice"),
        ({"name": "x", "scope": "read", "expires_in_days": "0"}, "greater than or equal to 1"),
    ],
)
def test_invalid_token_requests_are_400(client, alice, data, message):
    client.force_login(alice)
    response = client.post(reverse("account_token_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.filter(user=alice).exists()


def test_duplicate_live_token_name_is_400(client, alice):
    api_token_create(user=alice, name="document system")
    client.force_login(alice)
    response = client.post(
        reverse("account_token_create"), {"name": "document system", "scope": "read"}
    )
    assert response.status_code == 400
    assert "already has a live token of that name" in response.content.decode()
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_tokens_of_others_are_not_listed_nor_revocable(client, alice, bob, administrator):
    token, _ = api_token_create(user=bob, name="bob's system")
    for user in (alice, administrator):
        client.force_login(user)
        assert "bob&#x27;s system" not in client.get(reverse("account")).content.decode()
        response = client.post(reverse("account_token_revoke", args=[token.pk]))
        assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
