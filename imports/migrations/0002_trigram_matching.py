"""pg_trgm and trigram indexes for matching imported names to people, organizations and
countries (imports.matching). PostgreSQL only: on SQLite matching falls back to exact and
Python similarity, and this migration does nothing."""

from django.db import migrations

INDEXES = [
    ("import_person_name_trgm", "engagements_person", "lower(name)"),
    ("import_person_native_trgm", "engagements_person", "lower(native_name)"),
    ("import_organization_name_trgm", "engagements_organization", "lower(name)"),
    ("import_country_name_trgm", "engagements_country", "lower(name)"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other objects may have come to rely on it.


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_import_jobs")]

    operations = [migrations.RunPython(forwards, backwards)]
