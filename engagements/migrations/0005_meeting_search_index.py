"""A GIN index for full-text search of meetings, on PostgreSQL only (see engagements.search)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def _index() -> GinIndex:
    return GinIndex(
        SearchVector("title", "summary", "notes", "outcomes", config="english"),
        name="meeting_search_idx",
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("engagements", "Meeting"), _index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("engagements", "Meeting"), _index())


class Migration(migrations.Migration):
    dependencies = [("engagements", "0004_meeting_start_desc_index")]

    operations = [migrations.RunPython(create_index, drop_index)]
