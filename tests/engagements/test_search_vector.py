"""The stored search vector of meetings (engagements.search, migration 0007): computed by
PostgreSQL from the text, kept current when the text changes, usable in subqueries, and
absent from everything Django writes or copies."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from audit.registry import audited
from engagements.models import Country, Meeting
from engagements.search import (
    MEETING_SEARCH_COLUMN,
    MEETING_SEARCH_CONFIG,
    MEETING_SEARCH_FIELDS,
    MEETING_SEARCH_INDEX,
    MeetingSearchVector,
    search_meetings,
)
from tests import factories

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored vector is PostgreSQL's"
)


def _found(text: str) -> set[int]:
    return set(search_meetings(Meeting.objects.all(), text).values_list("pk", flat=True))


def test_the_migration_generates_the_column_from_the_documented_expression():
    migration = importlib.import_module("engagements.migrations.0007_meeting_search_vector")
    text = " || ' ' || ".join(f"coalesce({name}, '')" for name in MEETING_SEARCH_FIELDS)
    assert f"to_tsvector('{MEETING_SEARCH_CONFIG}'::regconfig, {text})" == migration.DOCUMENT
    assert migration.MEETING_SEARCH_COLUMN == MEETING_SEARCH_COLUMN
    assert migration.MEETING_SEARCH_INDEX == MEETING_SEARCH_INDEX


@postgresql_only
def test_the_column_is_generated_stored_and_indexed_with_gin():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, is_generated, generation_expression FROM "
            "information_schema.columns WHERE table_name = %s AND column_name = %s",
            [Meeting._meta.db_table, MEETING_SEARCH_COLUMN],
        )
        data_type, is_generated, expression = cursor.fetchone()
        constraints = connection.introspection.get_constraints(cursor, Meeting._meta.db_table)
    assert (data_type, is_generated) == ("tsvector", "ALWAYS")
    for name in ("title", "summary", "notes", "outcomes"):
        assert name in expression
    index = constraints[MEETING_SEARCH_INDEX]
    assert index["type"] == "gin"
    assert index["columns"] == [MEETING_SEARCH_COLUMN]


@postgresql_only
def test_the_vector_follows_every_change_of_the_text(desk_latam):
    meeting = factories.MeetingFactory(
        desk=desk_latam, title="Copper smelting", summary="", notes="", outcomes=""
    )
    assert _found("copper") == {meeting.pk}

    # A save through the ORM, a queryset update and a raw UPDATE all recompute it.
    meeting.notes = "Lithium brine concessions in the Atacama."
    meeting.save()
    assert _found("lithium") == {meeting.pk}
    Meeting.objects.filter(pk=meeting.pk).update(title="Cobalt", outcomes="A graphite MoU.")
    assert _found("copper") == set()
    assert _found("graphite") == {meeting.pk}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Meeting._meta.db_table} SET summary = 'Tantalum' WHERE id = %s",
            [meeting.pk],
        )
    assert _found("tantalum") == {meeting.pk}
    assert _found("cobalt graphite lithium tantalum") == {meeting.pk}


@postgresql_only
def test_the_vector_keeps_to_its_table_inside_a_subquery(desk_latam):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    lithium = factories.MeetingFactory(desk=desk_latam, notes="Lithium offtake.", country=chile)
    factories.MeetingFactory(desk=desk_latam, notes="Copper offtake.", country=chile)
    # The search becomes a subquery with its tables renamed (U0, ...) inside a query of
    # countries and inside a query of meetings.
    countries = Country.objects.filter(
        meetings_held__in=search_meetings(Meeting.objects.all(), "lithium").values("pk")
    )
    assert list(countries) == [chile]
    meetings = Meeting.objects.filter(
        pk__in=search_meetings(Meeting.objects.all(), "lithium").values("pk")
    )
    assert list(meetings) == [lithium]


def test_the_vector_refuses_a_query_of_another_model():
    with pytest.raises(ValueError, match="only for queries of meetings"):
        list(Country.objects.alias(v=MeetingSearchVector()))


def test_django_neither_reads_nor_writes_the_column(desk_latam):
    """Not a model field: not in the audit trail or the COPY paths (they list the model's
    concrete fields)."""
    assert MEETING_SEARCH_COLUMN not in {f.column for f in Meeting._meta.concrete_fields}
    registration = audited(Meeting)
    assert registration is not None
    assert MEETING_SEARCH_COLUMN not in {f.column for f in registration.tracked}
    meeting = factories.MeetingFactory(desk=desk_latam)
    assert MEETING_SEARCH_COLUMN not in Meeting.objects.filter(pk=meeting.pk).values().get()
