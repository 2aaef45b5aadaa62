"""Every list endpoint runs as many queries for 50 rows as for 1 (no N+1), including the
rows' nested records. Parametrized over the router, so a new endpoint without a builder
here fails test_every_list_endpoint_has_a_builder."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Classification
from accounts.tokens import api_token_create
from api.urls import router
from engagements.models import Attachment, InstrumentParty
from imports.models import ImportJob
from tests import factories

pytestmark = pytest.mark.django_db

LIST_PREFIXES = sorted(prefix for prefix, viewset, _ in router.registry if hasattr(viewset, "list"))


def _meeting(ctx, index):
    meeting = factories.MeetingFactory(
        desk=ctx["desk"],
        classification=Classification.INTERNAL,
        event=ctx["event"],
        country=ctx["country"],
    )
    for side in ("home", "counterpart"):
        person = factories.PersonFactory()
        factories.ParticipantFactory(
            meeting=meeting,
            person=person,
            side=side,
            organization=ctx["organization"],
            country=ctx["country"],
            post=ctx["post"],
        )
    factories.ParticipantFactory(
        meeting=meeting, person=None, raw_name="Note-taker", side="observer"
    )
    meeting.topics.add(ctx["topic"])
    meeting.minerals.add(ctx["mineral"])
    meeting.instruments.add(ctx["instrument"])
    meeting.counterpart_countries.add(ctx["country"])
    factories.AgendaItemFactory(meeting=meeting, topic=ctx["topic"])
    return meeting


def _instrument(ctx, index):
    instrument = factories.InstrumentFactory(administering_organization=ctx["organization"])
    InstrumentParty.objects.create(
        instrument=instrument, country=ctx["country"], role="beneficiary"
    )
    InstrumentParty.objects.create(
        instrument=instrument, organization=ctx["organization"], role="contributor"
    )
    instrument.related.add(ctx["instrument"])
    factories.CommitmentFactory(meeting=_meeting(ctx, index), instrument=instrument)


def _person(ctx, index):
    person = factories.PersonFactory(nationality=ctx["country"])
    factories.TenureFactory(
        person=person, post=factories.PostFactory(organization=ctx["organization"])
    )
    factories.TenureFactory(
        person=person,
        post=ctx["post"] if index == 0 else factories.PostFactory(),
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2011, 1, 1),
    )


def _attachment(ctx, index):
    Attachment.objects.create(
        meeting=_meeting(ctx, index),
        file=f"attachments/{index}.txt",
        original_name=f"{index}.txt",
        content_type="text/plain",
        size=10,
        uploaded_by=ctx["user"],
    )


def _desk(ctx, index):
    desk = factories.DeskFactory()
    desk.countries.add(ctx["country"], factories.CountryFactory())


BUILDERS = {
    "countries": lambda ctx, i: factories.CountryFactory(),
    "organizations": lambda ctx, i: factories.OrganizationFactory(parent=ctx["organization"]),
    "people": _person,
    "posts": lambda ctx, i: factories.PostFactory(organization=ctx["organization"]),
    "tenures": lambda ctx, i: factories.TenureFactory(),
    "events": lambda ctx, i: factories.EventFactory(
        parent=ctx["event"], organizer=ctx["organization"], country=ctx["country"]
    ),
    "topics": lambda ctx, i: factories.TopicFactory(parent=ctx["topic"]),
    "instruments": _instrument,
    "meetings": _meeting,
    "participants": _meeting,
    "commitments": lambda ctx, i: factories.CommitmentFactory(
        meeting=_meeting(ctx, i), owner=ctx["user"], instrument=ctx["instrument"]
    ),
    "attachments": _attachment,
    "minerals": lambda ctx, i: factories.MineralFactory(),
    "data-sources": lambda ctx, i: factories.DataSourceFactory(),
    "mineral-statistics": lambda ctx, i: factories.MineralStatisticFactory(
        country=factories.CountryFactory()
    ),
    "desks": _desk,
    "tokens": lambda ctx, i: api_token_create(user=ctx["user"], name=f"token {i}"),
    "imports": lambda ctx, i: ImportJob.objects.create(
        created_by=ctx["user"], original_name=f"{i}.csv", file="x.csv", detected_format="csv"
    ),
}


def test_every_list_endpoint_has_a_builder():
    assert set(BUILDERS) == set(LIST_PREFIXES)


@pytest.fixture
def context(users, desk_latam):
    country = factories.CountryFactory(iso2="CL", name="Chile")
    organization = factories.OrganizationFactory(country=country)
    return {
        "user": users["alice"],
        "desk": desk_latam,
        "country": country,
        "organization": organization,
        "post": factories.PostFactory(organization=organization),
        "event": factories.EventFactory(),
        "topic": factories.TopicFactory(),
        "mineral": factories.MineralFactory(),
        "instrument": factories.InstrumentFactory(),
    }


@pytest.mark.parametrize("prefix", LIST_PREFIXES)
def test_list_queries_do_not_grow_with_rows(
    prefix, context, client_for, django_assert_max_num_queries
):
    client = client_for("alice")
    url = f"/api/v1/{prefix}/?page_size=50"
    build = BUILDERS[prefix]
    client.get(url)  # warm per-process caches (content types, ...)

    build(context, 0)
    with CaptureQueriesContext(connection) as one_row:
        first = client.get(url)
    assert first.status_code == 200, first.json()
    assert len(first.json()["results"]) >= 1

    for index in range(1, 50):
        build(context, index)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 50
