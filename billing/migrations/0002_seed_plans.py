from django.db import migrations

# The catalogue as it was when this migration was written: frozen here, so that later price changes in
# billing/plans.py never change what this migration does.
PLANS = [{'code': 'trial',
  'name': 'Trial',
  'price_kopecks': 0,
  'trial_days': 14,
  'leads_per_month': 50,
  'max_tenants': 1,
  'max_members': 3,
  'allows_export': True,
  'allows_custom_logo': True,
  'sort_order': 10,
  'features': ['Все функции', 'До 50 лидов', 'Все каналы', '1 рабочее пространство', 'Поддержка по e-mail']},
 {'code': 'start',
  'name': 'Старт',
  'price_kopecks': 499000,
  'leads_per_month': 500,
  'max_tenants': 1,
  'max_members': 3,
  'sort_order': 20,
  'features': ['До 500 лидов в месяц',
               'Все каналы',
               '1 рабочее пространство',
               'До 3 участников команды',
               'Поддержка по e-mail',
               'Базовая аналитика']},
 {'code': 'pro',
  'name': 'Про',
  'price_kopecks': 999000,
  'leads_per_month': 2000,
  'max_tenants': 3,
  'max_members': 10,
  'allows_export': True,
  'allows_custom_logo': True,
  'sort_order': 30,
  'features': ['До 2 000 лидов в месяц',
               'Все каналы',
               'До 3 рабочих пространств',
               'До 10 участников команды',
               'Приоритетная поддержка в почте и чате',
               'Расширенная аналитика',
               'Экспорт данных',
               'Свой логотип в виджете']},
 {'code': 'business',
  'name': 'Бизнес',
  'price_kopecks': 1999000,
  'leads_per_month': None,
  'max_tenants': None,
  'max_members': None,
  'allows_export': True,
  'allows_custom_logo': True,
  'allows_api': True,
  'sort_order': 40,
  'features': ['Лиды без ограничений',
               'Все каналы',
               'Рабочие пространства без ограничений',
               'Команда без ограничений',
               'Персональный менеджер',
               'Продвинутая аналитика',
               'Доступ к API',
               'Вебхуки',
               'Индивидуальный онбординг']},
 {'code': 'enterprise',
  'name': 'Enterprise',
  'price_kopecks': None,
  'leads_per_month': None,
  'max_tenants': None,
  'max_members': None,
  'allows_export': True,
  'allows_custom_logo': True,
  'allows_api': True,
  'is_on_request': True,
  'sort_order': 50,
  'features': ['Всё из тарифа «Бизнес»',
               'Установка на ваших серверах',
               'SLA 99,9 %',
               'Выделенная инфраструктура',
               'Индивидуальные интеграции',
               'Счета и акты для юрлиц']}]


def seed_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults={k: v for k, v in plan.items() if k != "code"})


def remove_plans(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.filter(code__in=[p["code"] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed_plans, remove_plans)]
