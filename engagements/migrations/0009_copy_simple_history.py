"""The django-simple-history rows of meetings, participants, commitments, tenures and
instruments become audit entries (audit.legacy_history), before 0010 drops the historical
tables."""

from django.db import migrations

from audit.legacy_history import Legacy, copy_history

LEGACY = [
    Legacy("engagements", "HistoricalMeeting", "meeting"),
    Legacy("engagements", "HistoricalParticipant", "participant"),
    Legacy("engagements", "HistoricalCommitment", "commitment"),
    Legacy("engagements", "HistoricalTenure", "tenure"),
    Legacy("engagements", "HistoricalInstrument", "instrument"),
]


def forwards(apps, schema_editor):
    copy_history(apps, schema_editor, LEGACY)


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0008_meeting_country_id_index"),
        ("audit", "0002_audit_entry_append_only_trigger"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
