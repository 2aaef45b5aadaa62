import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from accounts.models import Classification
from engagements.models import Meeting, Participant
from imports import exports
from tests import factories

Q1_2025 = datetime.datetime(2025, 2, 14, 10, tzinfo=datetime.UTC)


def _meeting(desk, *, title="Korea-Chile finance dialogue", start=Q1_2025, **kwargs):
    return factories.MeetingFactory(
        title=title,
        start=start,
        desk=desk,
        classification=kwargs.pop("classification", Classification.PUBLIC),
        **kwargs,
    )


def _with_people(meeting, *, minister="Choi Sang-mok", counterpart="Mario Marcel"):
    factories.ParticipantFactory(
        meeting=meeting,
        person=factories.PersonFactory(name=minister),
        side=Participant.Side.HOME,
        is_head_of_delegation=True,
    )
    factories.ParticipantFactory(
        meeting=meeting,
        person=factories.PersonFactory(name=counterpart),
        side=Participant.Side.COUNTERPART,
        post_label="Minister of Finance",
    )
    return meeting


def _download(client, **params):
    response = client.get(reverse("transparency_return"), params)
    assert response.status_code == 200, response.content
    body = response.content
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_transparency_return_has_the_exact_header_and_public_rows(client, alice, desk_latam):
    _with_people(_meeting(desk_latam))
    client.force_login(alice)

    rows = _download(client, period="2025-Q1")

    assert rows[0] == [
        "Minister",
        "Date",
        "Name of organisation or individual",
        "Purpose of meeting",
    ]
    assert rows[1:] == [
        [
            "Choi Sang-mok",
            "14/02/2025",
            "Mario Marcel, Minister of Finance",
            "Korea-Chile finance dialogue",
        ]
    ]


def test_transparency_return_never_lists_classified_meetings(client, erin, desk_latam):
    for classification in (
        Classification.INTERNAL,
        Classification.RESTRICTED,
        Classification.CONFIDENTIAL,
    ):
        _meeting(desk_latam, title=f"Secret {classification}", classification=classification)
    _meeting(desk_latam, title="Open")
    client.force_login(erin)  # of the owning desk, cleared to confidential

    rows = _download(client, period="2025-Q1")

    assert [row[3] for row in rows[1:]] == ["Open"]


def test_transparency_return_goes_through_the_access_policy(alice, desk_latam):
    _meeting(desk_latam, title="Open")
    period = exports.quarter_period(2025, 1)
    assert [row[3] for row in exports.transparency_rows(user=alice, period=period)] == ["Open"]

    alice.is_active = False  # a deactivated account sees nothing, public or not
    alice.save()

    assert exports.transparency_rows(user=alice, period=period) == []


def test_transparency_return_keeps_to_the_period(client, alice, desk_latam):
    _meeting(
        desk_latam, title="In Q1", start=datetime.datetime(2025, 3, 31, 12, tzinfo=datetime.UTC)
    )
    _meeting(
        desk_latam, title="In Q2", start=datetime.datetime(2025, 4, 1, 12, tzinfo=datetime.UTC)
    )
    # 31 March 23:30 UTC is already 1 April in Seoul: the local date decides.
    _meeting(
        desk_latam,
        title="Seoul, Q2",
        start=datetime.datetime(2025, 3, 31, 23, 30, tzinfo=datetime.UTC),
        time_zone="Asia/Seoul",
    )
    _meeting(desk_latam, title="Cancelled", status=Meeting.Status.CANCELLED)
    client.force_login(alice)

    assert [row[3] for row in _download(client, period="2025-Q1")[1:]] == ["In Q1"]
    assert [row[3] for row in _download(client, period="2025-q2")[1:]] == ["Seoul, Q2", "In Q2"]
    by_dates = _download(client, **{"from": "2025-03-31", "to": "2025-03-31"})
    assert [row[3] for row in by_dates[1:]] == ["In Q1"]


def test_transparency_return_neutralises_formulas(client, alice, desk_latam):
    meeting = _meeting(desk_latam, title='=HYPERLINK("http://evil.example","x")')
    _with_people(meeting, minister="@SUM(A1:A2)", counterpart="-2+3")
    client.force_login(alice)

    row = _download(client, period="2025-Q1")[1]

    assert row[0] == "'@SUM(A1:A2)"
    assert row[2] == "'-2+3, Minister of Finance"
    assert row[3] == '\'=HYPERLINK("http://evil.example","x")'
    assert exports.neutralise_formula("\tx") == "'\tx"
    assert exports.neutralise_formula("+1") == "'+1"
    assert exports.neutralise_formula("Plain") == "Plain"


def test_transparency_return_names_organisations_and_imprecise_dates(client, alice, desk_latam):
    meeting = _meeting(desk_latam, title="Copper", date_precision=Meeting.DatePrecision.MONTH)
    codelco = factories.OrganizationFactory(name="Codelco")
    Participant.objects.create(
        meeting=meeting, raw_name="Delegation", side=Participant.Side.COUNTERPART
    )
    Participant.objects.create(
        meeting=meeting,
        raw_name="Staff",
        organization=codelco,
        side=Participant.Side.COUNTERPART,
        order=1,
    )
    client.force_login(alice)

    row = _download(client, period="2025-Q1")[1]

    assert row[1] == "02/2025"
    assert row[2] == "Delegation; Staff"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period": "2025-Q5"}, "period"),
        ({"period": "last quarter"}, "period"),
        ({"from": "2025-13-01", "to": "2025-12-31"}, "from"),
        ({"from": "2025-01-01", "to": "yesterday"}, "to"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "to"),
    ],
)
def test_transparency_return_rejects_a_bad_period(client, alice, params, field):
    client.force_login(alice)

    response = client.get(reverse("transparency_return"), params)

    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}:")


def test_exports_need_a_signed_in_user(client, db):
    for name in ("transparency_return", "popolo_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_transparency_return_query_count_does_not_grow(
    client, alice, desk_latam, django_assert_max_num_queries
):
    client.force_login(alice)
    _with_people(_meeting(desk_latam))
    with django_assert_max_num_queries(8):
        one = _download(client, period="2025-Q1")
    for number in range(20):
        _with_people(_meeting(desk_latam, title=f"Meeting {number}"), minister=f"M {number}")
    with django_assert_max_num_queries(8):
        many = _download(client, period="2025-Q1")
    assert len(one) == 2 and len(many) == 22


def _popolo(client):
    response = client.get(reverse("popolo_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return b"".join(response.streaming_content)


def test_popolo_export_shape_without_contact_details(client, charlie):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    hacienda = factories.OrganizationFactory(
        name="Ministry of Finance of Chile",
        slug="hacienda",
        abbreviation="Hacienda",
        country=chile,
    )
    minister = factories.PostFactory(
        label="Minister of Finance", slug="cl-minister", organization=hacienda
    )
    marcel = factories.PersonFactory(
        name="Mario Marcel",
        slug="mario-marcel",
        native_name="Mario Marcel Cullell",
        identifiers=[{"scheme": "wikidata", "identifier": "Q6764530"}],
        email="mario@hacienda.example",
        phone="+56 2 1234 5678",
    )
    factories.TenureFactory(
        person=marcel,
        post=minister,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 27),
    )
    client.force_login(charlie)

    raw = _popolo(client)
    document = json.loads(raw)

    assert set(document) == {"persons", "organizations", "posts", "memberships"}
    assert document["persons"] == [
        {
            "id": "mario-marcel",
            "name": "Mario Marcel",
            "sort_name": "Mario Marcel",
            "other_names": [{"name": "Mario Marcel Cullell", "note": "native script"}],
            "identifiers": [{"scheme": "wikidata", "identifier": "Q6764530"}],
        }
    ]
    organization = document["organizations"][0]
    assert organization["id"] == "hacienda"
    assert organization["area_id"] == "CL"
    assert {"name": "Hacienda", "note": "abbreviation"} in organization["other_names"]
    assert document["posts"] == [
        {
            "id": "cl-minister",
            "label": "Minister of Finance",
            "role": "Minister of Finance",
            "organization_id": "hacienda",
        }
    ]
    membership = document["memberships"][0]
    assert membership["person_id"] == "mario-marcel"
    assert membership["organization_id"] == "hacienda"
    assert membership["post_id"] == "cl-minister"
    assert membership["start_date"] == "2022-03-11"
    assert membership["end_date"] == "2025-08-27"
    assert b"mario@hacienda.example" not in raw
    assert b"1234 5678" not in raw
    assert b"email" not in raw and b"contact_details" not in raw


def test_popolo_export_query_count_does_not_grow(client, alice, django_assert_max_num_queries):
    client.force_login(alice)
    factories.TenureFactory()
    with django_assert_max_num_queries(8):
        one = json.loads(_popolo(client))
    for _ in range(15):
        factories.TenureFactory()
    with django_assert_max_num_queries(8):
        many = json.loads(_popolo(client))
    assert len(one["memberships"]) == 1 and len(many["memberships"]) == 16
    assert len(many["persons"]) == 16 and len(many["posts"]) == 16
