from django.db import migrations

from billing.plans import PLANS


def seed_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults={k: v for k, v in plan.items() if k != "code"})


def remove_plans(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.filter(code__in=[p["code"] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed_plans, remove_plans)]
