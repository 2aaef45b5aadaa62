"""API tokens: hashed at rest, scoped, expiring, revocable; made in the admin, through the
API and from the command line."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import api_token_create, token_hash
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def test_only_a_hash_is_stored(users):
    token, raw = api_token_create(user=users["alice"], name="calendar")
    assert raw.startswith("et_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == token_hash(raw) and raw not in str(stored.__dict__)
    assert raw.startswith(stored.prefix)


def test_a_read_token_may_only_read(users):
    client = token_client(users["alice"], scope="read")
    assert client.get("/api/v1/meetings/").status_code == 200
    response = client.post("/api/v1/meetings/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


@pytest.mark.parametrize("header", ["Bearer", "Token"])
def test_both_schemes_are_accepted(users, header):
    _token, raw = api_token_create(user=users["alice"], name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{header} {raw}")
    assert client.get("/api/v1/me/").json()["username"] == "alice"


def test_unknown_expired_and_revoked_tokens_are_401(users):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer et_nonsense")
    response = client.get("/api/v1/meetings/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/problem+json"

    client = token_client(users["alice"], expires_in_days=1)
    assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        expired = client.get("/api/v1/me/")
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]

    client = token_client(users["bob"])
    ApiToken.objects.filter(user=users["bob"]).update(revoked_at=timezone.now())
    assert client.get("/api/v1/me/").status_code == 401


def test_no_credentials_is_401(db):
    response = APIClient().get("/api/v1/meetings/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_last_use_is_recorded_at_most_once_a_minute(users):
    client = token_client(users["alice"])
    token = ApiToken.objects.get(user=users["alice"])
    assert token.last_used_at is None
    client.get("/api/v1/me/")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/me/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        client.get("/api/v1/me/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_tokens_through_the_api(users):
    client = token_client(users["alice"])
    response = client.post(
        "/api/v1/tokens/",
        {"name": "dashboard", "scope": "read", "expires_in_days": 30},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["token"].startswith(created["prefix"])
    assert created["scope"] == "read" and created["user"] == "alice"

    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['token']}")
    assert new_client.get("/api/v1/me/").json()["token_scope"] == "read"

    listed = client.get("/api/v1/tokens/").json()["results"]
    assert {t["name"] for t in listed} == {"test read-write 0", "dashboard"}
    assert all("token" not in t for t in listed)
    # Someone else's token is as unknown as a missing one.
    assert token_client(users["bob"]).get(f"/api/v1/tokens/{created['id']}/").status_code == 404

    assert client.delete(f"/api/v1/tokens/{created['id']}/").status_code == 204
    assert new_client.get("/api/v1/me/").status_code == 401
    assert client.get(f"/api/v1/tokens/{created['id']}/").json()["is_active"] is False


def test_a_replayed_token_creation_does_not_show_the_secret_again(users):
    client = token_client(users["alice"])
    first = client.post(
        "/api/v1/tokens/", {"name": "cal"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(
        "/api/v1/tokens/", {"name": "cal"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert first.json()["token"] and again.json()["token"] is None
    assert again.json()["id"] == first.json()["id"]
    assert ApiToken.objects.filter(name="cal").count() == 1


def test_create_api_token_command_prints_the_token_once(users):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "alice",
        "--name",
        "calendar",
        "--scope",
        "read-write",
        "--expires-in",
        "30",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="calendar")
    assert token.key_hash == token_hash(raw) and token.scope == "read-write"
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    assert "shown only this once" in err.getvalue()
    call_command("create_api_token", "alice", "--name", "forever", "--expires-in", "0", stdout=out)
    assert ApiToken.objects.get(name="forever").expires_at is None


def test_create_api_token_command_refuses_unknown_users(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "--name", "x")


def test_tokens_are_made_in_the_admin_and_shown_once(users, client):
    client.force_login(users["admin_user"])
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {
            "user": users["alice"].pk,
            "name": "document system",
            "scope": "read-write",
            "expires_in_days": "90",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="document system")
    shown = [str(m) for m in response.context["messages"]]
    raw = next(word for m in shown for word in m.split() if word.startswith("et_"))
    assert token.key_hash == token_hash(raw)
    assert token.created_by == users["admin_user"]
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert page.status_code == 200 and raw not in page.content.decode()
