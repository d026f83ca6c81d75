"""Analytics is built (issue 15): the plans' analytics lines say what each plan gets, in existing databases too
(other lines, prices and limits are left alone). Every plan has the analytics page; Pro and up export it (the
export feature), Business and up read it through the API."""

from django.db import migrations

# The texts as of this migration (frozen: billing/plans.py may change later): (before, after).
REPLACEMENTS = [
    ("Сводка по заявкам и конверсии в запись",
     "Аналитика: воронка, каналы, источники, время до первого контакта"),
    ("Расширенная аналитика — в разработке", "Выгрузка аналитики и лидов в CSV и Excel"),
    ("Продвинутая аналитика — в разработке", "Аналитика и лиды через API"),
]


def replace_lines(pairs: list[tuple[str, str]]):
    def run(apps, schema_editor):
        changes = dict(pairs)
        for plan in apps.get_model("billing", "Plan").objects.all():
            if any(line in changes for line in plan.features):
                plan.features = [changes.get(line, line) for line in plan.features]
                plan.save(update_fields=["features"])

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_plans_replies_built")]
    operations = [migrations.RunPython(replace_lines(REPLACEMENTS),
                                       replace_lines([(after, before) for before, after in REPLACEMENTS]))]
