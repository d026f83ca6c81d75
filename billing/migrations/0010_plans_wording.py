"""The pricing page says each thing once and only what is true, in existing databases too: no chat support (there
is none), one export line, one API line, no "invoices for companies" on one plan (every plan may pay by invoice),
and the top plan's name in Russian. Prices and limits are left alone."""

from django.db import migrations

# The texts as of this migration (frozen: billing/plans.py may change later). A line mapped to None is dropped.
LINES = {
    "Приоритетная поддержка в почте и чате": "Приоритетная поддержка по e-mail",
    "Экспорт данных": None,  # said again by «Выгрузка аналитики и лидов в CSV и Excel»
    "Доступ к API": None,  # said again by «Аналитика и лиды через API»
    "Счета и акты для юрлиц": None,
}
NAMES = {"enterprise": ("Enterprise", "Корпоративный")}


def reword(apps, schema_editor):
    for plan in apps.get_model("billing", "Plan").objects.all():
        features = [LINES.get(line, line) for line in plan.features]
        features = [line for line in features if line is not None]
        old_name, new_name = NAMES.get(plan.code, (plan.name, plan.name))
        name = new_name if plan.name == old_name else plan.name
        if features != plan.features or name != plan.name:
            plan.features, plan.name = features, name
            plan.save(update_fields=["features", "name"])


def restore_names(apps, schema_editor):
    """Back: the name only (dropped lines are not put back; the texts stay true either way)."""
    for code, (old_name, new_name) in NAMES.items():
        apps.get_model("billing", "Plan").objects.filter(code=code, name=new_name).update(name=old_name)


class Migration(migrations.Migration):
    dependencies = [("billing", "0009_plans_analytics_built")]
    operations = [migrations.RunPython(reword, restore_names)]
