import django.db.models.deletion
from django.db import migrations, models

import tenant_apps.channels.models


def fill_inbound_keys(apps, schema_editor):
    Channel = apps.get_model("channels", "Channel")
    for channel in Channel.objects.filter(inbound_key__isnull=True):
        channel.inbound_key = tenant_apps.channels.models.new_inbound_key()
        channel.save(update_fields=["inbound_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("channels", "0002_deliveryattempt_tries"),
        ("leads", "0003_alter_leadevent_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="inbound_key",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_inbound_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="channel",
            name="inbound_key",
            field=models.CharField(default=tenant_apps.channels.models.new_inbound_key, editable=False,
                                   max_length=64, unique=True),
        ),
        migrations.CreateModel(
            name="ContactToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(default=tenant_apps.channels.models.new_contact_token, max_length=64,
                                           unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField(default=tenant_apps.channels.models.contact_token_expiry)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("lead", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="contact_tokens", to="leads.lead")),
            ],
        ),
        migrations.CreateModel(
            name="Conversation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("provider", models.CharField(choices=[("twilio", "SMS (Twilio)"), ("smsc", "SMS (SMSC.ru)"),
                                                       ("smtp", "E-mail (SMTP)"), ("sendgrid", "E-mail (SendGrid)"),
                                                       ("ses", "E-mail (Amazon SES)"), ("telegram", "Telegram-бот"),
                                                       ("whatsapp", "WhatsApp Business"), ("max", "Бот MAX")],
                                              max_length=16)),
                ("address", models.CharField(max_length=255)),
                ("last_inbound_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("channel", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                              related_name="conversations", to="channels.channel")),
                ("lead", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="conversations", to="leads.lead")),
            ],
            options={
                "ordering": ["-last_inbound_at", "-id"],
                "constraints": [models.UniqueConstraint(fields=("provider", "address"),
                                                        name="conversation_provider_address")],
            },
        ),
        migrations.CreateModel(
            name="InboundMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("provider", models.CharField(choices=[("twilio", "SMS (Twilio)"), ("smsc", "SMS (SMSC.ru)"),
                                                       ("smtp", "E-mail (SMTP)"), ("sendgrid", "E-mail (SendGrid)"),
                                                       ("ses", "E-mail (Amazon SES)"), ("telegram", "Telegram-бот"),
                                                       ("whatsapp", "WhatsApp Business"), ("max", "Бот MAX")],
                                              max_length=16)),
                ("provider_message_id", models.CharField(max_length=128)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("conversation", models.ForeignKey(blank=True, null=True,
                                                   on_delete=django.db.models.deletion.SET_NULL,
                                                   related_name="messages", to="channels.conversation")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("provider", "provider_message_id"),
                                                        name="inbound_message_provider_id")],
            },
        ),
    ]
