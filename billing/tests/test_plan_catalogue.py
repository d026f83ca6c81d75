"""The plan catalogue speaks Russian and promises only what works; existing databases are brought in line."""

import importlib

import pytest
from django.apps import apps
from django.template.loader import render_to_string

from billing.models import Plan
from billing.plans import IN_DEVELOPMENT, PLANS, REPLIES, WIDGET

pytestmark = pytest.mark.django_db

renaming = importlib.import_module("billing.migrations.0005_plans_in_russian")
replies_built = importlib.import_module("billing.migrations.0008_plans_replies_built")
analytics_built = importlib.import_module("billing.migrations.0009_plans_analytics_built")
reworded = importlib.import_module("billing.migrations.0010_plans_wording")


def test_the_trial_plan_is_called_probny_in_the_catalogue_and_the_database():
    assert next(plan for plan in PLANS if plan["code"] == "trial")["name"] == "Пробный"
    assert Plan.objects.get(code="trial").name == "Пробный"
    assert not Plan.objects.filter(name="Trial").exists()


def test_the_data_migration_renames_an_existing_trial_row_and_refreshes_the_features():
    Plan.objects.filter(code="trial").update(name="Trial", features=["Все функции", "Все каналы"])
    Plan.objects.filter(code="start").update(features=["Все каналы"])

    renaming.names_and_features_from_the_catalogue(apps, None)

    trial = Plan.objects.get(code="trial")
    assert trial.name == "Пробный"
    assert "Все каналы" not in trial.features
    assert Plan.objects.get(code="start").features == renaming.CATALOGUE["start"]["features"]
    assert (trial.price_kopecks, trial.trial_days) == (0, 14)  # limits untouched
    replies_built.replace_line(replies_built.IN_DEVELOPMENT, replies_built.BUILT)(apps, None)  # then 0008
    analytics_built.replace_lines(analytics_built.REPLACEMENTS)(apps, None)  # and 0009
    assert Plan.objects.get(code="start").features == next(p for p in PLANS if p["code"] == "start")["features"]

    renaming.english_trial_name(apps, None)  # reversible
    assert Plan.objects.get(code="trial").name == "Trial"


def test_plans_offer_the_built_channels_and_mark_only_what_is_not_built():
    for plan in PLANS:
        for feature in plan["features"]:
            if "Вебхуки" in feature:
                assert feature.endswith(IN_DEVELOPMENT), (plan["code"], feature)
            if "налитик" in feature:  # analytics is built (issue 15)
                assert not feature.endswith(IN_DEVELOPMENT), (plan["code"], feature)
            if any(word in feature for word in ("SMS", "Telegram", "WhatsApp", "Cal.com")):
                assert feature == REPLIES, (plan["code"], feature)
            assert "Все каналы" not in feature, (plan["code"], feature)
    assert all(REPLIES in plan["features"] for plan in PLANS if plan["code"] != "enterprise")


def test_the_data_migration_marks_the_channels_built_in_existing_databases():
    old = replies_built.IN_DEVELOPMENT
    Plan.objects.filter(code="start").update(features=["До 500 лидов в месяц", old, "Поддержка по e-mail"])

    replies_built.replace_line(old, replies_built.BUILT)(apps, None)
    assert Plan.objects.get(code="start").features == ["До 500 лидов в месяц", REPLIES, "Поддержка по e-mail"]
    assert replies_built.BUILT == REPLIES

    replies_built.replace_line(replies_built.BUILT, old)(apps, None)  # reversible
    assert Plan.objects.get(code="start").features[1] == old


def test_receipts_and_the_lead_limit_e_mail_name_the_trial_plan_in_russian(make_tenant):
    trial = Plan.objects.get(code="trial")
    assert trial.line_item == "Подписка «Пробный», 1 мес."
    tenant = make_tenant(name="Ромашка")
    text = render_to_string("emails/lead_limit.txt", {"tenant": tenant, "plan_name": trial.name, "limit": 50,
                                                      "user": tenant.account.owner})
    assert "лимит тарифа «Пробный»" in text
    assert "Trial" not in text


def test_the_data_migration_marks_analytics_built_in_existing_databases():
    before = ["До 2 000 лидов в месяц", "Расширенная аналитика — в разработке", "Свой логотип в виджете"]
    Plan.objects.filter(code="pro").update(features=before)

    analytics_built.replace_lines(analytics_built.REPLACEMENTS)(apps, None)
    after = Plan.objects.get(code="pro").features
    assert after == ["До 2 000 лидов в месяц", "Выгрузка аналитики и лидов в CSV и Excel", "Свой логотип в виджете"]
    assert after[1] in next(p for p in PLANS if p["code"] == "pro")["features"]

    reverse = [(new, old) for old, new in analytics_built.REPLACEMENTS]
    analytics_built.replace_lines(reverse)(apps, None)  # reversible
    assert Plan.objects.get(code="pro").features == before


def test_the_data_migration_says_each_thing_once_and_names_the_top_plan_in_russian():
    catalogue = {plan["code"]: plan for plan in PLANS}
    before = {
        "pro": ["До 2 000 лидов в месяц", WIDGET, REPLIES, "До 3 рабочих пространств", "До 10 участников команды",
                "Приоритетная поддержка в почте и чате", "Экспорт данных", "Свой логотип в виджете",
                "Выгрузка аналитики и лидов в CSV и Excel"],
        "business": ["Лиды без ограничений", WIDGET, REPLIES, "Рабочие пространства без ограничений",
                     "Команда без ограничений", "Персональный менеджер", "Доступ к API", "Индивидуальный онбординг",
                     "Аналитика и лиды через API", "Вебхуки" + IN_DEVELOPMENT],
        "enterprise": ["Всё из тарифа «Бизнес»", "Установка на ваших серверах", "SLA 99,9 %",
                       "Выделенная инфраструктура", "Индивидуальные интеграции", "Счета и акты для юрлиц"],
    }
    for code, features in before.items():
        Plan.objects.filter(code=code).update(features=features)
    Plan.objects.filter(code="enterprise").update(name="Enterprise")

    reworded.reword(apps, None)
    for code in before:
        assert Plan.objects.get(code=code).features == catalogue[code]["features"], code
    assert Plan.objects.get(code="enterprise").name == "Корпоративный" == catalogue["enterprise"]["name"]
    assert not any("чат" in line for plan in Plan.objects.all() for line in plan.features)  # there is no chat

    reworded.restore_names(apps, None)  # reversible (the name; the dropped lines stay dropped)
    assert Plan.objects.get(code="enterprise").name == "Enterprise"
