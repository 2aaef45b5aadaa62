import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import ApiToken, Classification, Role
from accounts.services import roles_sync
from engagements.models import Meeting
from imports.models import ImportJob
from tests.api.conftest import token_client
from tests.imports.test_views import BROKEN_CSV, RETURN_CSV

URL = "/api/v1/imports/"
PROBLEM = "application/problem+json"


@pytest.fixture
def officer(alice):
    roles_sync()
    alice.groups.add(Group.objects.get(name=Role.DESK_OFFICER))
    return alice


@pytest.fixture
def api(officer):
    return token_client(officer)


def _create(client, capture, content=RETURN_CSV, **fields):
    data = {
        "file": SimpleUploadedFile("return.csv", content, content_type="text/csv"),
        "period": "2016-Q3",
        "desk": "latam",
        "classification": "public",
        **fields,
    }
    with capture(execute=True):
        return client.post(URL, data, format="multipart")


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_api_flow_create_report_confirm(api, desk_latam, django_capture_on_commit_callbacks):
    created = _create(api, django_capture_on_commit_callbacks)

    assert created.status_code == 201, created.content
    assert created.json()["status"] == "validating"  # queued; the check runs after commit
    assert created["Location"].endswith(f"{URL}{created.json()['id']}/")
    job = api.get(created["Location"]).json()
    assert job["status"] == "validated"
    assert job["report"]["counts"]["created"] == 2
    assert job["report"]["errors"] == []
    assert job["options"]["classification"] == Classification.PUBLIC

    read = api.get(f"{URL}{job['id']}/")
    assert read.status_code == 200 and read["ETag"]
    assert [row["action"] for row in read.json()["report"]["rows"]] == ["create", "create"]
    assert not Meeting.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"{URL}{job['id']}/confirm/", {"mode": "all"}, format="json")
    assert confirmed.status_code == 202, confirmed.content
    assert ImportJob.objects.get(pk=job["id"]).status == ImportJob.Status.DONE
    assert Meeting.objects.filter(desk=desk_latam).count() == 2

    final = api.get(f"{URL}{job['id']}/").json()
    assert final["status"] == "done"
    assert all(row["meeting_id"] for row in final["report"]["rows"])


def test_confirming_all_rows_with_errors_is_refused(api, django_capture_on_commit_callbacks):
    created = _create(api, django_capture_on_commit_callbacks, BROKEN_CSV)
    job = api.get(created["Location"]).json()
    assert job["report"]["counts"]["failed"] == 1
    assert job["report"]["errors"][0]["row"] == 3
    assert job["report"]["errors"][0]["column"] == "date"

    refused = api.post(f"{URL}{job['id']}/confirm/", {"mode": "all"}, format="json")
    body = _problem(refused, 400)
    assert "mode" in body["errors"]

    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.post(f"{URL}{job['id']}/confirm/", {"mode": "valid_rows"}, format="json")
    assert accepted.status_code == 202
    assert Meeting.objects.count() == 1

    again = api.post(f"{URL}{job['id']}/confirm/", {"mode": "valid_rows"}, format="json")
    assert _problem(again, 409)["code"] == "invalid_state"


def test_validate_again_with_another_mapping(api, django_capture_on_commit_callbacks):
    job = _create(api, django_capture_on_commit_callbacks).json()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{URL}{job['id']}/validate/",
            {"mapping": {"home": "Minister", "date": "Date", "counterpart": "Purpose of meeting"}},
            format="json",
        )

    assert response.status_code == 202, response.content
    stored = ImportJob.objects.get(pk=job["id"])
    assert stored.status == ImportJob.Status.VALIDATED
    assert stored.mapping["counterpart"] == "Purpose of meeting"
    bad = api.post(f"{URL}{job['id']}/validate/", {"mapping": {"nope": "x"}}, format="json")
    assert "mapping" in _problem(bad, 400)["errors"]


@pytest.mark.parametrize(
    "fields, key",
    [
        ({"file": SimpleUploadedFile("x.csv", b"")}, "file"),
        ({"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04 broken" * 20)}, "file"),
        ({"mapping": "{not json"}, "mapping"),
        ({"mapping": '{"colour": "Red"}'}, "mapping"),
        ({"classification": "secret"}, "classification"),
        ({"classification": "confidential"}, "classification"),
        ({"desk": "asia"}, "desk"),
        ({"period": "2016-Q9"}, "period"),
        ({"preset": "missing"}, "preset"),
    ],
)
def test_bad_uploads_are_problem_details(
    api, desk_asia, django_capture_on_commit_callbacks, fields, key
):
    response = _create(api, django_capture_on_commit_callbacks, **fields)

    body = _problem(response, 400)
    assert key in body["errors"], body
    assert not ImportJob.objects.exists()


def test_another_users_job_is_404(api, bob, django_capture_on_commit_callbacks):
    job = _create(api, django_capture_on_commit_callbacks).json()
    bob.groups.add(Group.objects.get(name=Role.DESK_OFFICER))
    other = token_client(bob)

    _problem(other.get(f"{URL}{job['id']}/"), 404)
    for action in ("confirm", "validate", "cancel"):
        _problem(other.post(f"{URL}{job['id']}/{action}/", {}, format="json"), 404)
    assert other.get(URL).json()["results"] == []
    assert ImportJob.objects.get(pk=job["id"]).status == ImportJob.Status.VALIDATED


def test_administrator_lists_every_job(api, administrator, django_capture_on_commit_callbacks):
    job = _create(api, django_capture_on_commit_callbacks).json()
    roles_sync()
    administrator.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))

    listed = token_client(administrator).get(URL).json()["results"]

    assert [item["id"] for item in listed] == [job["id"]]
    assert listed[0]["created_by"] == "alice"
    assert "report" not in listed[0]


def test_roles_and_scopes_are_enforced(officer, charlie, django_capture_on_commit_callbacks):
    analyst = token_client(charlie)
    _problem(_create(analyst, django_capture_on_commit_callbacks), 403)
    reader = token_client(officer, ApiToken.Scope.READ)
    body = _problem(_create(reader, django_capture_on_commit_callbacks), 403)
    assert body["code"] == "insufficient_scope"
    _problem(APIClient().get(URL), 401)
    assert not ImportJob.objects.exists()


def test_cancel_then_nothing_can_be_confirmed(api, django_capture_on_commit_callbacks):
    job = _create(api, django_capture_on_commit_callbacks).json()

    cancelled = api.post(f"{URL}{job['id']}/cancel/", format="json")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    _problem(api.post(f"{URL}{job['id']}/confirm/", {}, format="json"), 409)
    _problem(api.post(f"{URL}{job['id']}/cancel/", format="json"), 409)


def test_no_update_or_delete(api, django_capture_on_commit_callbacks):
    job = _create(api, django_capture_on_commit_callbacks).json()
    _problem(api.delete(f"{URL}{job['id']}/"), 405)
    _problem(api.patch(f"{URL}{job['id']}/", {}, format="json"), 405)


def test_list_query_count_does_not_grow(api, officer, django_assert_max_num_queries):
    def make(count):
        for _ in range(count):
            ImportJob.objects.create(
                created_by=officer,
                original_name="x.csv",
                file="imports/x.csv",
                detected_format="csv",
            )

    make(1)
    with django_assert_max_num_queries(6):
        assert len(api.get(URL).json()["results"]) == 1
    make(20)
    with django_assert_max_num_queries(6):
        assert len(api.get(URL).json()["results"]) == 21


def test_upload_options_are_kept_on_the_job(api, django_capture_on_commit_callbacks):
    created = _create(
        api,
        django_capture_on_commit_callbacks,
        source="chile-returns",
        allow_create="true",
        mode="valid_rows",
        mapping='{"home": "Minister", "date": "Date", '
        '"counterpart": "Name of organisation or individual"}',
    )

    assert created.status_code == 201, created.content
    job = ImportJob.objects.get(pk=created.json()["id"])
    assert job.options["source"] == "chile-returns"
    assert job.options["allow_create"] is True
    assert job.options["mode"] == "valid_rows"
    assert job.mapping["counterpart"] == "Name of organisation or individual"
    assert "purpose" not in job.mapping
