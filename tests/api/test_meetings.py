"""The meeting endpoints as an integrating system uses them: one POST for a whole record,
filters and search, safe updates."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Classification
from engagements.models import Commitment, Meeting, Participant
from engagements.search import MEETING_SEARCH_INDEX, search_meetings
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/meetings/"


@pytest.fixture
def scenario(desk_latam):
    """The references of the Korea-Chile meeting of the seeds (seeds/scenario.yaml)."""
    korea = factories.CountryFactory(iso2="KR", iso3="KOR", name="Republic of Korea")
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    mofe = factories.OrganizationFactory(
        slug="mofe", name="Ministry of Economy and Finance", country=korea
    )
    hacienda = factories.OrganizationFactory(
        slug="hacienda-cl", name="Ministry of Finance", country=chile
    )
    kim = factories.PersonFactory(name="Kim Yoon-sang", slug="kim-yoon-sang", native_name="김윤상")
    marcel = factories.PersonFactory(name="Mario Marcel Cullell", slug="mario-marcel-cullell")
    vice = factories.PostFactory(
        label="Second Vice Minister of Economy and Finance", slug="kr-2vm", organization=mofe
    )
    minister = factories.PostFactory(
        label="Minister of Finance", slug="cl-minister-finance", organization=hacienda
    )

    factories.TenureFactory(
        person=kim,
        post=vice,
        start_date=datetime.date(2023, 12, 27),
        end_date=datetime.date(2025, 6, 10),
    )
    factories.TenureFactory(
        person=marcel,
        post=minister,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 21),
    )
    event = factories.EventFactory(
        slug="idb-annual-meeting-2025", name="IDB Annual Meeting 2025", country=chile
    )
    parent_topic = factories.TopicFactory(slug="critical-minerals", name="Critical minerals")
    factories.TopicFactory(slug="lithium-supply", name="Lithium supply", parent=parent_topic)
    factories.TopicFactory(slug="renewable-energy", name="Renewable energy")
    factories.MineralFactory(slug="lithium", name="Lithium")
    factories.MineralFactory(slug="copper", name="Copper")
    desk_latam.countries.add(chile)
    return {"kim": kim, "marcel": marcel, "event": event, "chile": chile}


def korea_chile(**overrides):
    body = {
        "title": "Korea-Chile: critical minerals supply and wider cooperation",
        "kind": "bilateral",
        "status": "held",
        "start": "2025-03-26T00:00:00-03:00",
        "time_zone": "America/Santiago",
        "date_precision": "month",
        "city": "Santiago",
        "country": "CL",
        "event": "idb-annual-meeting-2025",
        "desk": "latam",
        "classification": "restricted",
        "summary": "Stable supply of critical minerals (lithium and copper).",
        "participants": [
            {"person": "kim-yoon-sang", "side": "home", "is_head_of_delegation": True},
            {
                "person": "mario-marcel-cullell",
                "side": "counterpart",
                "is_head_of_delegation": True,
            },
        ],
        "agenda_items": [
            {
                "title": "Stable supply of critical minerals: lithium and copper",
                "topic": "critical-minerals",
            },
            {"title": "Cooperation in renewable energy and IT", "topic": "renewable-energy"},
        ],
        "topics": ["critical-minerals", "lithium-supply", "renewable-energy"],
        "minerals": ["lithium", "copper"],
        "commitments": [
            {"title": "Share lithium production data", "owner": "alice", "due_date": "2025-05-01"}
        ],
    }
    body.update(overrides)
    return body


def test_one_post_creates_the_whole_meeting_record(client_for, scenario):
    response = client_for("alice").post(URL, korea_chile(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"].startswith('"1-')
    assert response["Location"].endswith(f"{URL}{body['id']}/")
    labels = {p["person"]: p["post_label"] for p in body["participants"]}
    assert labels == {
        "kim-yoon-sang": "Second Vice Minister of Economy and Finance",
        "mario-marcel-cullell": "Minister of Finance",
    }
    assert body["counterpart_countries"] == ["CL"]
    assert body["classification"] == "restricted"
    assert [c["owner"] for c in body["commitments"]] == ["alice"]
    assert len(body["agenda_items"]) == 2
    assert sorted(body["minerals"]) == ["copper", "lithium"]


def test_a_bad_participant_rolls_everything_back_and_names_the_path(client_for, scenario):
    participants = korea_chile()["participants"] + [
        {"side": "observer", "raw_name": "A note-taker"},
        {"person": "no-such-person", "side": "counterpart"},
    ]
    response = client_for("alice").post(URL, korea_chile(participants=participants), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert list(problem["errors"]) == ["participants[3].person"]
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert not Meeting.objects.exists() and not Participant.objects.exists()


def test_a_participant_rejected_by_the_service_rolls_everything_back(client_for, scenario):
    participants = korea_chile()["participants"] + [
        {"person": "kim-yoon-sang", "side": "observer"},  # listed twice
    ]
    response = client_for("alice").post(URL, korea_chile(participants=participants), format="json")

    assert response.status_code == 400
    assert "participants[2].person" in response.json()["errors"]
    assert not Meeting.objects.exists()
    assert not Participant.objects.exists() and not Commitment.objects.exists()


def test_filters_and_search_find_the_meeting(client_for, scenario):
    factories.MeetingFactory(
        title="Other", desk=factories.DeskFactory(code="asia"), status="planned"
    )
    since = timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    created = client_for("alice").post(URL, korea_chile(), format="json").json()
    client = client_for("alice")

    for query in (
        "q=lithium",
        "q=minerals supply",
        "country=CL",
        "desk=latam",
        "event=idb-annual-meeting-2025",
        "person=mario-marcel-cullell",
        "topic=critical-minerals",
        "topic=lithium-supply",
        "mineral=copper",
        "status=held",
        "classification=restricted",
        "date_from=2025-03-01&date_to=2025-03-31",
        f"updated_since={since}",
    ):
        ids = [m["id"] for m in client.get(URL, QueryDict(query)).json()["results"]]
        assert ids == [created["id"]], query
    assert client.get(f"{URL}?q=uranium").json()["results"] == []
    later = client.get(f"{URL}?date_from=2025-04-01").json()["results"]
    assert [m["title"] for m in later] == ["Other"]


def test_patch_with_a_stale_if_match_changes_nothing(client_for, scenario):
    client = client_for("alice")
    created = client.post(URL, korea_chile(), format="json")
    detail = f"{URL}{created.json()['id']}/"

    ok = client.patch(
        detail, {"outcomes": "Data exchange agreed."}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert ok.status_code == 200, ok.json()
    assert ok["ETag"].startswith('"2-')
    assert len(ok.json()["participants"]) == 2

    stale = client.patch(
        detail, {"outcomes": "Overwritten"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert Meeting.objects.get().outcomes == "Data exchange agreed."
    assert client.get(detail).json()["version"] == 2


def test_a_commitment_changed_elsewhere_makes_the_meeting_etag_stale(client_for, scenario):
    client = client_for("alice")
    created = client.post(URL, korea_chile(), format="json")
    detail = f"{URL}{created.json()['id']}/"
    commitment = created.json()["commitments"][0]["id"]

    done = client.patch(f"/api/v1/commitments/{commitment}/", {"status": "done"}, format="json")
    assert done.status_code == 200

    assert client.get(detail, HTTP_IF_NONE_MATCH=created["ETag"]).status_code == 200
    # A PUT from the old copy would reopen the commitment: it is refused.
    reopen = korea_chile(commitments=[{"id": commitment, "title": "Share data", "status": "open"}])
    response = client.put(detail, reopen, format="json", HTTP_IF_MATCH=created["ETag"])
    assert response.status_code == 412
    assert Commitment.objects.get().status == "done"


def test_get_honours_if_none_match(client_for, scenario):
    client = client_for("alice")
    created = client.post(URL, korea_chile(), format="json")
    response = client.get(f"{URL}{created.json()['id']}/", HTTP_IF_NONE_MATCH=created["ETag"])
    assert response.status_code == 304
    assert response["ETag"] == created["ETag"]


def test_put_replaces_the_record(client_for, scenario):
    client = client_for("alice")
    created = client.post(URL, korea_chile(), format="json")
    body = korea_chile(
        participants=[{"person": "kim-yoon-sang", "side": "home"}],
        commitments=[],
        title="Renamed",
    )
    response = client.put(
        f"{URL}{created.json()['id']}/", body, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Renamed"
    assert [p["person"] for p in response.json()["participants"]] == ["kim-yoon-sang"]
    # Commitments not named are left as they are.
    assert len(response.json()["commitments"]) == 1


def test_delete_needs_the_lead_and_honours_if_match(client_for, scenario):
    created = client_for("alice").post(URL, korea_chile(), format="json")
    detail = f"{URL}{created.json()['id']}/"
    assert client_for("alice").delete(detail).status_code == 403
    assert client_for("erin").delete(detail, HTTP_IF_MATCH='"7-0"').status_code == 412
    etag = client_for("erin").get(detail)["ETag"]
    assert client_for("erin").delete(detail, HTTP_IF_MATCH=etag).status_code == 204
    assert not Meeting.objects.exists()


def test_classification_above_clearance_is_refused(client_for, scenario):
    response = client_for("alice").post(
        URL, korea_chile(classification="confidential"), format="json"
    )
    assert response.status_code == 400
    assert "classification" in response.json()["errors"]


def test_an_other_desk_gets_403_for_a_visible_meeting(client_for, scenario, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam, classification=Classification.INTERNAL)
    response = client_for("bob").patch(f"{URL}{meeting.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_full_text_search_is_served_by_the_gin_index():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Meeting._meta.db_table)
    assert constraints[MEETING_SEARCH_INDEX]["type"] == "gin"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search_meetings(Meeting.objects.all(), "lithium").explain()
    assert MEETING_SEARCH_INDEX in plan
