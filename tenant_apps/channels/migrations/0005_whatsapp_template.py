from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0004_calendar"),
    ]

    operations = [
        migrations.AddField(
            model_name="deliveryattempt",
            name="template",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
