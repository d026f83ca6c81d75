"""Messaging channels and Cal.com bookings are built (issue 14): the plans' line about answering the client loses
its «— в разработке» in existing databases too (other lines, prices and limits are left alone)."""

from django.db import migrations

# Both texts as of this migration (frozen: billing/plans.py may change later).
IN_DEVELOPMENT = "Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX — в разработке"
BUILT = "Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX, онлайн-запись через Cal.com"


def replace_line(old: str, new: str):
    def run(apps, schema_editor):
        for plan in apps.get_model("billing", "Plan").objects.all():
            if old in plan.features:
                plan.features = [new if line == old else line for line in plan.features]
                plan.save(update_fields=["features"])

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_payment_description_one_act_per_payment")]
    operations = [migrations.RunPython(replace_line(IN_DEVELOPMENT, BUILT), replace_line(BUILT, IN_DEVELOPMENT))]
