"""Tenures of a single-holder post may not overlap: an exclusion constraint on PostgreSQL.

Not declared in Meta.constraints because SQLite (the embedded mode) has no exclusion
constraints; there the service's check (engagements.services._save_tenure) stands alone.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE engagements_tenure ADD CONSTRAINT tenure_single_holder_no_overlap
    EXCLUDE USING gist (post_id WITH =, daterange(start_date, end_date, '[)') WITH &&)
    WHERE (exclusive);
"""
DROP = "ALTER TABLE engagements_tenure DROP CONSTRAINT IF EXISTS tenure_single_holder_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("engagements", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
