"""django-axes: failed sign-ins lock out one username from one client address."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.tokens import api_token_create
from tests.factories import UserFactory

PASSWORD = "a-long-enough-password-1"
LIMIT = 5


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.TRUSTED_PROXY_COUNT = 0
    return settings


@pytest.fixture
def member(db):
    user = UserFactory(username="member")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, password, **meta):
    return client.post(reverse("login"), {"username": "member", "password": password}, **meta)


def fail_until_locked(client, **meta):
    for attempt in range(1, LIMIT):
        response = sign_in(client, "wrong", **meta)
        assert response.status_code == 200, f"attempt {attempt} was not an ordinary failure"
    return sign_in(client, "wrong", **meta)


def test_the_configured_number_of_failures_locks_the_account_out(client, axes_on, member):
    response = fail_until_locked(client, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many sign-in attempts" in page
    assert "15 minutes" in page
    # Locked: even the right password is refused now, and no session is opened.
    response = sign_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_do_not_lock(client, axes_on, member):
    for _ in range(LIMIT - 1):
        sign_in(client, "wrong", REMOTE_ADDR="198.51.100.7")
    response = sign_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(member.pk)


def test_another_address_is_not_locked_by_the_combination(client, axes_on, member):
    assert fail_until_locked(client, REMOTE_ADDR="198.51.100.7").status_code == 429
    response = sign_in(client, PASSWORD, REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_behind_one_proxy_the_forwarded_client_address_is_used(client, axes_on, member):
    axes_on.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    locked = fail_until_locked(client, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert locked.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    # The same proxy forwarding another client: that client may still sign in.
    response = sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert response.status_code == 302


def test_without_a_trusted_proxy_a_forged_header_is_ignored(client, axes_on, member):
    for attempt in range(LIMIT):
        response = sign_in(
            client, "wrong", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}"
        )
    assert response.status_code == 429  # changing the header each time did not help
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


def test_a_success_resets_the_failures(client, axes_on, member):
    for _ in range(LIMIT - 1):
        sign_in(client, "wrong", REMOTE_ADDR="198.51.100.7")
    assert sign_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302
    client.logout()
    assert sign_in(client, "wrong", REMOTE_ADDR="198.51.100.7").status_code == 200


def test_api_tokens_keep_working_with_throttling_on(client, axes_on, member):
    _token, raw = api_token_create(user=member, name="script", scope="read")
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["username"] == "member"


def test_the_backend_and_middleware_are_where_axes_needs_them(settings):
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
