from django.db import migrations


def create_default_policy(apps, schema_editor):
    ReminderPolicy = apps.get_model("notifications", "ReminderPolicy")
    if not ReminderPolicy.objects.filter(is_default=True).exists():
        ReminderPolicy.objects.create(
            name="Default reminder policy",
            is_default=True,
            days_before=[7, 1],
            on_due_date=True,
            overdue_every_days=7,
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(create_default_policy, migrations.RunPython.noop)]
