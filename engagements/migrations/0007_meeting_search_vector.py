"""The stored search vector of a meeting and its GIN index, on PostgreSQL only (see
engagements.search). Replaces migration 0005's index on the expression: the index is rebuilt
on the stored column under the same name."""

from django.db import migrations

# Written out rather than imported, so that this migration stays what it was when the code
# changes; engagements.search.DOCUMENT gives the same text (a test
# checks).
TABLE = "engagements_meeting"
MEETING_SEARCH_COLUMN = "search_vector"
MEETING_SEARCH_INDEX = "meeting_search_idx"
DOCUMENT = (
    "to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(summary, '')"
    " || ' ' || coalesce(notes, '') || ' ' || coalesce(outcomes, ''))"
)


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {MEETING_SEARCH_INDEX}")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN {MEETING_SEARCH_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX {MEETING_SEARCH_INDEX} ON {TABLE} USING gin ({MEETING_SEARCH_COLUMN})"
    )


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Dropping the column drops its index; the index on the expression comes back.
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN {MEETING_SEARCH_COLUMN}")
    schema_editor.execute(
        f"CREATE INDEX {MEETING_SEARCH_INDEX} ON {TABLE} "
        f"USING gin (({DOCUMENT}))"
    )


class Migration(migrations.Migration):
    dependencies = [("engagements", "0006_meeting_draft")]

    operations = [migrations.RunPython(add_column, drop_column)]
