"""Full-text search of meetings: the fields, the text-search configuration, and the stored
search vector.

On PostgreSQL, migration 0007 adds the column `search_vector` to the meetings table: a
tsvector the database computes from exactly these fields (GENERATED ALWAYS ... STORED), with
the GIN index MEETING_SEARCH_INDEX on it. A search (engagements.api.filters.search_meetings)
matches against the stored column, so PostgreSQL never parses a meeting's text while it
searches: not in the index, not when it rechecks rows, not when it walks the newest-first
index and tests each row against the query. Computing the vector on the fly, row by row,
was the slow part of a search for a common word (figures in bench/README.md).

Neither the column nor its index is declared on the model: SQLite (the embedded mode) has no
text search, and the historical records, the audit trail and the COPY paths of the imports
and of the demo data would otherwise carry a copy of it. MeetingSearchVector refers to the
column in a query. A later migration that changes the type of one of these fields on
PostgreSQL must drop the column first and add it again after (PostgreSQL refuses to alter a
column a generated column reads)."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchVectorField
from django.db.models import Expression
from django.db.models.expressions import Col

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
        from .models import Meeting

        if query is None or query.model is not Meeting:
            raise ValueError("MeetingSearchVector is only for queries of meetings")
        target = SearchVectorField()
        target.set_attributes_from_name(MEETING_SEARCH_COLUMN)
        target.model = Meeting
        return Col(query.get_initial_alias(), target)
