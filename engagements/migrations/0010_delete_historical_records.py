from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("engagements", "0009_copy_simple_history")]

    operations = [
        migrations.DeleteModel(name="HistoricalCommitment"),
        migrations.DeleteModel(name="HistoricalInstrument"),
        migrations.DeleteModel(name="HistoricalMeeting"),
        migrations.DeleteModel(name="HistoricalParticipant"),
        migrations.DeleteModel(name="HistoricalTenure"),
    ]
