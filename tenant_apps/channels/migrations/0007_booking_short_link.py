import django.db.models.deletion
from django.db import migrations, models

import tenant_apps.channels.models


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0006_contact_policy'),
        ('leads', '0005_lead_timezone'),
    ]

    operations = [
        migrations.CreateModel(
            name='BookingShortLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(default=tenant_apps.channels.models.new_link_code, editable=False, max_length=16, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('lead', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='booking_short_link', to='leads.lead')),
            ],
        ),
    ]
