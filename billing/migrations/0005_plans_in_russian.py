"""The trial plan is called «Пробный» wherever a user sees it, and plans promise only what works today.

Existing databases got "Trial" and the first feature lists from 0002; the names and feature lists of
billing/plans.py are written over them (prices and limits are left alone).
"""

from django.db import migrations

# Names and feature lists as of this migration (frozen: billing/plans.py may change later).
CATALOGUE = {'trial': {'name': 'Пробный',
           'features': ['Все функции',
                        'До 50 лидов',
                        'Виджет заявок для сайта: заявка в кабинете за секунды',
                        'Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX — в разработке',
                        '1 рабочее пространство',
                        'Поддержка по e-mail']},
 'start': {'name': 'Старт',
           'features': ['До 500 лидов в месяц',
                        'Виджет заявок для сайта: заявка в кабинете за секунды',
                        'Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX — в разработке',
                        '1 рабочее пространство',
                        'До 3 участников команды',
                        'Поддержка по e-mail',
                        'Сводка по заявкам и конверсии в запись']},
 'pro': {'name': 'Про',
         'features': ['До 2 000 лидов в месяц',
                      'Виджет заявок для сайта: заявка в кабинете за секунды',
                      'Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX — в разработке',
                      'До 3 рабочих пространств',
                      'До 10 участников команды',
                      'Приоритетная поддержка в почте и чате',
                      'Экспорт данных',
                      'Свой логотип в виджете',
                      'Расширенная аналитика — в разработке']},
 'business': {'name': 'Бизнес',
              'features': ['Лиды без ограничений',
                           'Виджет заявок для сайта: заявка в кабинете за секунды',
                           'Ответ клиенту в SMS, e-mail, Telegram, WhatsApp и MAX — в разработке',
                           'Рабочие пространства без ограничений',
                           'Команда без ограничений',
                           'Персональный менеджер',
                           'Доступ к API',
                           'Индивидуальный онбординг',
                           'Продвинутая аналитика — в разработке',
                           'Вебхуки — в разработке']},
 'enterprise': {'name': 'Enterprise',
                'features': ['Всё из тарифа «Бизнес»',
                             'Установка на ваших серверах',
                             'SLA 99,9 %',
                             'Выделенная инфраструктура',
                             'Индивидуальные интеграции',
                             'Счета и акты для юрлиц']}}


def names_and_features_from_the_catalogue(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, values in CATALOGUE.items():
        Plan.objects.filter(code=code).update(**values)


def english_trial_name(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.filter(code="trial").update(name="Trial")


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_subscription_lifecycle")]
    operations = [migrations.RunPython(names_and_features_from_the_catalogue, english_trial_name)]
