"""HTTP behaviour shared by every endpoint: problem details, idempotency, preconditions,
throttling, content types, the schema and its documentation pages."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Classification
from api.models import IdempotencyKey
from engagements.models import Commitment, Meeting
from tests import factories

pytestmark = pytest.mark.django_db

URL_MEETINGS = "/api/v1/meetings/"


def _meeting_body(**overrides):
    body = {"title": "Call with Chile", "start": "2025-03-26T10:00:00Z", "desk": "latam"}
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/no-such-thing/", 404),
        ("get", "/api/v1/meetings/abc/", 404),
        ("get", "/api/v1/meetings/999999/", 404),
        ("put", "/api/v1/participants/1/", 405),
        ("post", "/api/v1/me/", 405),
    ],
)
def test_errors_are_problem_details(client_for, method, path, status):
    response = getattr(client_for("alice"), method)(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["type"] == "about:blank"
    assert {"title", "detail", "code"} <= set(problem)


def test_an_unsupported_media_type_is_415(client_for):
    response = client_for("alice").post(
        "/api/v1/meetings/", "title=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_malformed_json_is_400(client_for):
    response = client_for("alice").post("/api/v1/meetings/", "{", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_an_uncaught_error_is_a_logged_500_problem(client_for, monkeypatch, caplog):
    from engagements.api import views

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.CountryViewSet, "get_queryset", broken)
    response = client_for("alice").get("/api/v1/countries/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "boom" not in response.content.decode()
    assert any("Unhandled error" in r.message for r in caplog.records)


def test_validation_errors_are_keyed_by_path(client_for, desk_latam):
    body = _meeting_body(
        participants=[{"side": "home", "raw_name": "Kim"}, {"side": "nowhere"}],
        commitments=[{"title": ""}],
    )
    response = client_for("alice").post("/api/v1/meetings/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"participants[1].side", "commitments[0].title"}


def test_a_retried_post_with_the_same_key_creates_nothing_new(client_for, desk_latam):
    client = client_for("alice")
    first = client.post(
        "/api/v1/meetings/", _meeting_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    again = client.post(
        "/api/v1/meetings/", _meeting_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"] and again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true"
    assert Meeting.objects.count() == 1

    other = client.post(
        "/api/v1/meetings/",
        _meeting_body(title="Other"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # Keys belong to their user.
    bob = client_for("erin").post(
        "/api/v1/meetings/", _meeting_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert bob.status_code == 201 and Meeting.objects.count() == 2


def test_a_failed_first_attempt_is_replayed_as_it_failed(client_for, desk_latam):
    client = client_for("alice")
    bad = client.post(
        "/api/v1/meetings/",
        _meeting_body(time_zone="Mars/Olympus"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    again = client.post(
        "/api/v1/meetings/",
        _meeting_body(time_zone="Mars/Olympus"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert bad.status_code == again.status_code == 400
    assert again.json() == bad.json() and again["Content-Type"] == "application/problem+json"
    assert not Meeting.objects.exists()


def test_a_server_error_does_not_use_up_the_key(client_for, desk_latam, monkeypatch):
    from engagements import services

    real = services.meeting_create
    monkeypatch.setattr(
        services, "meeting_create", lambda **kw: (_ for _ in ()).throw(RuntimeError())
    )
    client = client_for("alice")
    assert (
        client.post(
            "/api/v1/meetings/", _meeting_body(), format="json", HTTP_IDEMPOTENCY_KEY="k"
        ).status_code
        == 500
    )
    monkeypatch.setattr(services, "meeting_create", real)
    assert (
        client.post(
            "/api/v1/meetings/", _meeting_body(), format="json", HTTP_IDEMPOTENCY_KEY="k"
        ).status_code
        == 201
    )


def test_an_invalid_idempotency_key_is_400(client_for, desk_latam):
    response = client_for("alice").post(
        "/api/v1/meetings/", _meeting_body(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_the_meeting_once(users, desk_latam):
    from tests.api.conftest import token_client

    clients = [token_client(users["alice"]) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses = []

    def post(client):
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/meetings/", _meeting_body(), format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201, 201]
    assert Meeting.objects.count() == 1


def test_etags_on_records_without_a_version(client_for, users):
    country = factories.CountryFactory(iso2="CL", name="Chile")
    client = client_for("admin_user")
    url = f"/api/v1/countries/{country.pk}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    changed = client.patch(url, {"name": "Republic of Chile"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    stale = client.patch(url, {"name": "Chile again"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    country.refresh_from_db()
    assert country.name == "Republic of Chile"
    assert (
        client.patch(url, {"name": "x"}, format="json", HTTP_IF_MATCH="nonsense").status_code == 400
    )


def test_commitments_follow_their_status_through_the_services(client_for, desk_latam, users):
    meeting = factories.MeetingFactory(desk=desk_latam, classification=Classification.INTERNAL)
    client = client_for("alice")
    created = client.post(
        "/api/v1/commitments/",
        {"title": "Send data", "meeting": meeting.pk, "owner": "alice"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/commitments/{created.json()['id']}/"
    done = client.patch(
        url,
        {"status": "done", "completion_note": "Sent"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert done.status_code == 200, done.json()
    assert done.json()["completed_on"] is not None
    assert Commitment.objects.get().completion_note == "Sent"
    moved = client.patch(url, {"desk": "asia"}, format="json")
    assert moved.status_code == 400


def test_throttling_per_token(client_for, settings):
    settings.API_THROTTLE_RATES = {"read": "3/min", "write": "1/min"}
    alice, erin = client_for("alice"), client_for("erin")
    assert [alice.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    throttled = alice.get("/api/v1/me/")
    assert throttled["Retry-After"] and throttled.json()["code"] == "throttled"
    assert throttled["Content-Type"] == "application/problem+json"
    # Another token has its own budget; writes have theirs.
    assert erin.get("/api/v1/me/").status_code == 200
    assert alice.post("/api/v1/meetings/", {}, format="json").status_code == 400
    assert alice.post("/api/v1/meetings/", {}, format="json").status_code == 429


def test_the_schema_is_valid_and_complete():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_docs_are_served_without_a_cdn(client, users):
    assert client.get("/api/v1/docs/").status_code == 302  # to the login page
    client.force_login(users["charlie"])
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower() and "unpkg" not in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/redoc/").status_code == 200


def test_the_schema_needs_authentication(db):
    assert APIClient().get("/api/v1/schema/").status_code == 401


def test_the_browser_session_works_with_csrf(users, desk_latam):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    assert client.get("/api/v1/meetings/").status_code == 200
    refused = client.post("/api/v1/meetings/", _meeting_body(), format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def test_a_key_is_remembered_for_a_day(client_for, desk_latam):
    client = client_for("alice")
    body = _meeting_body()
    assert (
        client.post(URL_MEETINGS, body, format="json", HTTP_IDEMPOTENCY_KEY="d").status_code == 201
    )
    later = timezone.now() + datetime.timedelta(hours=25)
    with time_machine.travel(later):
        again = client.post(URL_MEETINGS, body, format="json", HTTP_IDEMPOTENCY_KEY="d")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Meeting.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_an_unknown_path_is_a_problem_even_for_a_browser_delete(users):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["alice"])
    response = client.delete("/api/v1/meetings/nothing/here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "slash" in client.get("/api/v1/meetings").json()["detail"]
