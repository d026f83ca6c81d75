"""The monthly lead counter per account (public schema), filled for the current month from the workspaces."""

from datetime import datetime
from zoneinfo import ZoneInfo

import django.db.models.deletion
from django.db import migrations, models
from psycopg import sql

MSK = ZoneInfo("Europe/Moscow")


def count_this_month(apps, schema_editor):
    """Start the counter where the workspaces are: leads since the first of this month, Moscow time."""
    Tenant = apps.get_model("tenancy", "Tenant")
    LeadUsage = apps.get_model("billing", "LeadUsage")
    month = datetime.now(MSK).date().replace(day=1)
    since = datetime(month.year, month.month, 1, tzinfo=MSK)
    totals: dict[int, int] = {}
    with schema_editor.connection.cursor() as cursor:
        for account_id, schema in Tenant.objects.filter(account__isnull=False).values_list("account_id", "schema_name"):
            cursor.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                           [schema, "leads_lead"])
            if cursor.fetchone() is None:
                continue
            cursor.execute(sql.SQL("SELECT count(*) FROM {}.leads_lead WHERE created_at >= %s").format(
                sql.Identifier(schema)), [since])
            totals[account_id] = totals.get(account_id, 0) + cursor.fetchone()[0]
    LeadUsage.objects.bulk_create([LeadUsage(account_id=account_id, month=month, leads=leads)
                                   for account_id, leads in totals.items() if leads])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_avatar_loginsession_refreshtoken_onetimetoken"),
        ("tenancy", "0002_tenant_description_tenant_settings_and_more"),
        ("billing", "0005_plans_in_russian"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadUsage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="месяц")),
                ("leads", models.PositiveIntegerField(default=0, verbose_name="заявок")),
                ("account", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="lead_usage",
                                              to="accounts.account", verbose_name="аккаунт")),
            ],
            options={
                "verbose_name": "заявки за месяц",
                "verbose_name_plural": "заявки по месяцам",
                "constraints": [models.UniqueConstraint(fields=("account", "month"), name="billing_unique_lead_usage")],
            },
        ),
        migrations.RunPython(count_this_month, migrations.RunPython.noop),
    ]
