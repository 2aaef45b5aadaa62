from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_copy_simple_history_of_users")]

    operations = [migrations.DeleteModel(name="HistoricalUser")]
