"""Query logic shared by the meetings list page and the API (both filter through here):
the full-text search of meetings (its fields, its text-search configuration, the stored
search vector) and the selection of a country's meetings.

On PostgreSQL, migration 0007 adds the column `search_vector` to the meetings table: a
tsvector the database computes from exactly these fields (GENERATED ALWAYS ... STORED), with
the GIN index MEETING_SEARCH_INDEX on it. A search (search_meetings) matches against the
stored column, so PostgreSQL never parses a meeting's text while it searches: not in the
index, not when it rechecks rows, not when it walks the newest-first index and tests each
row against the query. Computing the vector on the fly, row by row, was the slow part of a
search for a common word (figures in bench/README.md).

Neither the column nor its index is declared on the model: SQLite (the embedded mode) has no
text search, and the historical records, the audit trail and the COPY paths of the imports
and of the demo data would otherwise carry a copy of it. MeetingSearchVector refers to the
column in a query. A later migration that changes the type of one of these fields on
PostgreSQL must drop the column first and add it again after (PostgreSQL refuses to alter a
column a generated column reads)."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, models
from django.db.models import Expression, F, Lookup, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Col

from .models import Meeting

MEETING_SEARCH_FIELDS = ("title", "summary", "notes", "outcomes")
# English stemming ("minerals" finds "mineral"); words in other scripts are kept as they are.
MEETING_SEARCH_CONFIG = "english"
MEETING_SEARCH_INDEX = "meeting_search_idx"
MEETING_SEARCH_COLUMN = "search_vector"


class MeetingSearchVector(Expression):
    """The stored search vector of the meeting a query reads (PostgreSQL only). Resolves to
    a column of the query's own meetings table, so it keeps pointing at the right table when
    the query becomes a subquery and its tables are renamed."""

    output_field = SearchVectorField()

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Any:  # a Col, not Self: the column of the resolved query
        if query is None or query.model is not Meeting:
            raise ValueError("MeetingSearchVector is only for queries of meetings")
        target = SearchVectorField()
        target.set_attributes_from_name(MEETING_SEARCH_COLUMN)
        target.model = Meeting
        return Col(query.get_initial_alias(), target)


def search_meetings(queryset: QuerySet[Meeting], text: str) -> QuerySet[Meeting]:
    """Full-text search over title, summary, notes and outcomes: PostgreSQL's, against the
    stored search vector and its GIN index; on SQLite (embedded mode) a plain substring
    match."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=MEETING_SEARCH_CONFIG, search_type="websearch")
        return queryset.alias(search=MeetingSearchVector()).filter(search=query)
    condition = Q()
    for name in MEETING_SEARCH_FIELDS:
        condition |= Q(**{f"{name}__icontains": text})
    return queryset.filter(condition)


# A country's meetings are those held there or with it as a counterpart. Written as one
# condition, `country = X OR EXISTS (counterpart X)`, PostgreSQL can only walk the
# newest-first index testing each meeting until it has a page: quick for a country met
# often, but for one met a few dozen times it reads the whole table (bench/README.md
# has the figures). So the ids are read first from the two indexes on country, in one query that
# stops once there are more than COUNTRY_IDS_MAX: when there are no more than that, the
# page is read by primary key among them; only a country with more meetings takes the walk,
# which then finds a page within the first few thousand meetings.
COUNTRY_IDS_MAX = 5000
_ID_ARRAY: ArrayField[list[int], list[int]] = ArrayField(models.BigIntegerField())


class _AnyOf(Lookup):
    """`lhs = ANY(array)`: the array one parameter (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def meetings_with_country(queryset: QuerySet[Meeting], country_id: int | None) -> QuerySet[Meeting]:
    """The meetings of `queryset` held in the country or with it as a counterpart (none for
    a country that does not exist, None)."""
    if country_id is None:
        return queryset.none()
    through = Meeting.counterpart_countries.through.objects
    # UNION ALL stops reading at the limit (UNION would read every row to drop duplicates).
    # A meeting is listed at most twice, so fewer rows than the limit are all of them, and
    # as many as the limit are more than COUNTRY_IDS_MAX meetings.
    limit = 2 * (COUNTRY_IDS_MAX + 1)
    rows = list(
        Meeting.objects.filter(country_id=country_id)
        .values_list("pk", flat=True)
        .order_by()
        .union(
            through.filter(country_id=country_id).values_list("meeting_id", flat=True).order_by(),
            all=True,
        )[:limit]
    )
    if len(rows) < limit:
        ids = sorted(set(rows))
        if connection.vendor != "postgresql":
            return queryset.filter(pk__in=ids)
        # One array parameter, `id = ANY(%s)`, rather than thousands in `id IN (...)`:
        # each of those is prepared by Django and psycopg and copied with every clone of
        # the query, which adds up for thousands of ids.
        return queryset.filter(_AnyOf(F("pk"), Value(ids, output_field=_ID_ARRAY)))
    # A scalar subquery, not EXISTS: PostgreSQL would turn EXISTS into a hash of all the
    # country's meetings (a large one for a country met often) before reading
    # the first row; this one is a lookup in the (meeting, country) index per row walked.
    met = through.filter(country_id=country_id, meeting_id=OuterRef("pk")).values("pk")[:1]
    return queryset.alias(met_with=Subquery(met)).filter(
        Q(country_id=country_id) | Q(met_with__isnull=False)
    )
