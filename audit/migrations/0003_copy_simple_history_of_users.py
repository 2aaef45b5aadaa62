"""Users' django-simple-history rows become audit entries (audit.legacy_history), before
0004 drops their historical table."""

from django.db import migrations

from audit.legacy_history import Legacy, copy_history

LEGACY = [Legacy("audit", "HistoricalUser", "user", model_app_label="accounts")]


def forwards(apps, schema_editor):
    copy_history(apps, schema_editor, LEGACY)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_audit_entry_append_only_trigger"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
