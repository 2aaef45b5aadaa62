"""Full-text search of meetings: the fields and the text-search configuration.

On PostgreSQL, migration 0005 builds a GIN index on exactly this expression, so a search
built from these names (engagements.api.filters.search_meetings) is answered from the
index. The index is not declared on the model: SQLite (the embedded mode) cannot build it,
and Django would try whenever a later migration rebuilt the table there."""

MEETING_SEARCH_FIELDS = ("title", "summary", "notes", "outcomes")
# English stemming ("minerals" finds "mineral"); words in other scripts are kept as they are.
MEETING_SEARCH_CONFIG = "english"
MEETING_SEARCH_INDEX = "meeting_search_idx"
