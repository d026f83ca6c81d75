from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migration_probe", "0001_initial")]
    operations = [
        migrations.AddField(model_name="probe", name="note", field=models.CharField(blank=True, default="", max_length=40)),
    ]
