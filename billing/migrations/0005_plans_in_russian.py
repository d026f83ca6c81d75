"""The trial plan is called «Пробный» wherever a user sees it, and plans promise only what works today.

Existing databases got "Trial" and the first feature lists from 0002; the names and feature lists of
billing/plans.py are written over them (prices and limits are left alone).
"""

from django.db import migrations

from billing.plans import PLANS


def names_and_features_from_the_catalogue(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in PLANS:
        Plan.objects.filter(code=plan["code"]).update(name=plan["name"], features=plan["features"])


def english_trial_name(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.filter(code="trial").update(name="Trial")


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_subscription_lifecycle")]
    operations = [migrations.RunPython(names_and_features_from_the_catalogue, english_trial_name)]
