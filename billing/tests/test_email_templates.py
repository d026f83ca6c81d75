"""Billing e-mails: every template renders in both parts with its facts, links and Russian plurals."""

from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string

from billing.models import Payment, Plan, Subscription
from shared_apps.accounts.models import Account

BILLING_URL = "https://romashka.fastlead.ru/settings/billing"
PAY_URL = "https://yoomoney.ru/checkout/payments/v2/contract?orderId=2f7a"
HOME_URL = "https://fastlead.ru/"

TEMPLATES = [
    "billing_trial_ending", "billing_trial_ended", "billing_payment_succeeded", "billing_payment_failed",
    "billing_grace_started", "billing_blocked", "billing_plan_changed", "billing_invoice_issued",
    "billing_act_issued",
]


def context(**extra) -> dict:
    """What the billing code passes, built from unsaved rows (21:00 UTC is already the next day in Moscow)."""
    start = Plan(code="start", name="Старт", price_kopecks=499_000)
    pro = Plan(code="pro", name="Про", price_kopecks=999_000)
    subscription = Subscription(
        trial_ends_at=datetime(2026, 11, 25, 21, 0, tzinfo=UTC),
        current_period_end=datetime(2026, 12, 25, 21, 0, tzinfo=UTC),
        grace_ends_at=datetime(2026, 12, 2, 21, 0, tzinfo=UTC),
    )
    values = {
        "platform_home_url": HOME_URL, "account": Account(name="Ромашка"), "plan": pro, "billing_url": BILLING_URL,
        "subscription": subscription,
        # everything a particular template may add
        "days_left": 3, "amount": "9 990,00 ₽", "document_number": "2026-00042",
        "payment": Payment(amount_kopecks=999_000, paid_at=datetime(2026, 11, 25, 21, 5, tzinfo=UTC)),
        "period_end": datetime(2026, 12, 25, 21, 0, tzinfo=UTC),
        "reason_text": "на карте недостаточно средств", "next_attempt_at": datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        "attempts_left": 2, "pay_url": PAY_URL, "reason": "payment",
        "old_plan": start, "new_plan": pro, "effective_at": datetime(2026, 12, 25, 21, 0, tzinfo=UTC),
        "is_upgrade": True,
        "period": "26.11.2026–26.12.2026", "document_date": "26.12.2026", "line_item": "Подписка «Про», 1 мес.",
    }
    return {**values, **extra}


def render(template: str, **extra) -> tuple[str, str]:
    """(html, text) with no-break spaces made plain, as a reader sees them."""
    ctx = context(**extra)
    html, text = (render_to_string(f"emails/{template}.{ext}", ctx).replace("\xa0", " ") for ext in ("html", "txt"))
    return html, text


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_both_parts_without_leftovers(template):
    html, text = render(template, account=Account(name="Рога & Копыта"))

    for part in (html, text):
        assert "{{" not in part
        assert "{%" not in part
        assert "Здравствуйте!" in part
        assert BILLING_URL in part
    assert 'lang="ru"' in html
    assert HOME_URL in html  # the layout's footer
    assert "«Рога &amp; Копыта»" in html
    assert "«Рога & Копыта»" in text
    assert "<" not in text


@pytest.mark.parametrize(
    ("days_left", "phrase"),
    [(1, "1 день"), (2, "2 дня"), (3, "3 дня"), (4, "4 дня"), (5, "5 дней"), (11, "11 дней"), (12, "12 дней"),
     (14, "14 дней"), (21, "21 день"), (22, "22 дня"), (25, "25 дней"), (101, "101 день"), (111, "111 дней")],
)
def test_trial_ending_counts_days_in_russian(days_left, phrase):
    html, text = render("billing_trial_ending", days_left=days_left)

    assert f"Пробный период закончится через {phrase}, 26 ноября 2026." in text
    assert f"Пробный период закончится через <strong>{phrase}</strong>, 26 ноября 2026." in html


def test_trial_ending_invites_to_choose_a_plan():
    html, text = render("billing_trial_ending")

    assert f'href="{BILLING_URL}"' in html
    assert "Выбрать тариф</a>" in html
    assert f"Выбрать тариф: {BILLING_URL}" in text


def test_trial_ended_explains_read_only_week():
    for part in render("billing_trial_ended"):
        assert "Пробный период Fast Lead для «Ромашка» закончился" in part
        assert "7 дней" in part
        assert "3 декабря 2026" in part
        assert "только на просмотр" in part
        assert "продолжает принимать заявки" in part
        assert "Все данные при этом сохранятся" in part
        assert "Выбрать тариф и оплатить" in part


def test_payment_succeeded_thanks_and_points_to_the_invoice():
    for part in render("billing_payment_succeeded"):
        assert "Спасибо за оплату!" in part
        assert "9 990,00 ₽" in part
        assert "тариф «Про»" in part
        assert "26 ноября 2026" in part
        assert "оплачена до" in part
        assert "26 декабря 2026" in part
        assert "Счёт № 2026-00042" in part
        assert "во вложении" in part


def test_payment_succeeded_without_an_invoice_mentions_no_attachment():
    for part in render("billing_payment_succeeded", document_number=""):
        assert "Спасибо за оплату!" in part
        assert "Счёт №" not in part
        assert "во вложении" not in part
        assert "Все счета и акты хранятся в разделе оплаты" in part


def test_act_issued_names_the_act_its_period_and_what_was_rendered():
    for part in render("billing_act_issued", document_number="2026-00007"):
        assert "Оплаченный период 26.11.2026–26.12.2026 закончился" in part
        assert "Акт № 2026-00007 от 26.12.2026" in part
        assert "«Подписка «Про», 1 мес.», 9 990,00 ₽" in part
        assert "во вложении" in part
        assert "Все счета и акты хранятся в разделе оплаты" in part


def test_payment_failed_tells_when_we_retry():
    html, text = render("billing_payment_failed")

    for part in (html, text):
        assert "Не удалось списать" in part
        assert "9 990,00 ₽" in part
        assert "на карте недостаточно средств" in part
        assert "Мы попробуем ещё раз 27 ноября 2026" in part
        assert "Осталось попыток: 2" in part
        assert PAY_URL in part
        assert "последняя попытка" not in part
    assert f'href="{PAY_URL}"' in html
    assert "Оплатить сейчас</a>" in html
    assert f"Оплатить сейчас: {PAY_URL}" in text


def test_payment_failed_says_when_it_was_the_last_attempt():
    for part in render("billing_payment_failed", next_attempt_at=None, attempts_left=0):
        assert "Это была последняя попытка" in part
        assert "попробуем ещё раз" not in part
        assert PAY_URL in part


@pytest.mark.parametrize(
    ("reason", "phrase", "other"),
    [("trial", "Пробный период закончился", "не удалось получить оплату"),
     ("payment", "не удалось получить оплату", "Пробный период")],
)
def test_grace_started_names_the_reason(reason, phrase, other):
    for part in render("billing_grace_started", reason=reason):
        assert phrase in part
        assert other not in part
        assert "3 декабря 2026" in part
        assert "только на просмотр" in part
        assert "Виджет на сайте при этом продолжает принимать заявки" in part
        assert "данные сохранятся" in part


def test_blocked_keeps_the_data_and_offers_to_pay():
    for part in render("billing_blocked"):
        assert "виджет на сайте отключён" in part
        assert "только раздел оплаты" in part
        assert "сохранены" in part
        assert "доступ восстановится сразу" in part
        assert "Оплатить и восстановить доступ" in part


def test_plan_upgrade_is_applied_now_with_the_difference_charged():
    for part in render("billing_plan_changed", amount="3 160,00 ₽"):
        assert "перешёл с тарифа «Старт» на «Про»" in part
        assert "уже доступны" in part
        assert "Мы списали" in part
        assert "3 160,00 ₽" in part
        assert "26 декабря 2026" in part
        assert "9 990 ₽ в месяц" in part


def test_plan_upgrade_without_a_charge_skips_the_amount():
    for part in render("billing_plan_changed", amount=""):
        assert "перешёл с тарифа «Старт» на «Про»" in part
        assert "Мы списали" not in part


def test_plan_downgrade_waits_for_the_period_end():
    start = Plan(code="start", name="Старт", price_kopecks=499_000)
    pro = Plan(code="pro", name="Про", price_kopecks=999_000)
    for part in render("billing_plan_changed", is_upgrade=False, old_plan=pro, new_plan=start, amount=""):
        assert "перейдёт с тарифа «Про» на «Старт»" in part
        assert "26 декабря 2026" in part
        assert "4 990 ₽ в месяц" in part
        assert "уже доступны" not in part


def test_invoice_issued_explains_bank_transfer():
    html, text = render("billing_invoice_issued")

    assert "Счёт № 2026-00042" in html  # the <title>
    for part in (html, text):
        assert "№ 2026-00042" in part
        assert "9 990,00 ₽" in part
        assert "во вложении" in part
        assert "по банковским реквизитам" in part
        assert "как только деньги поступят" in part
