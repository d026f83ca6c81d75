"""The overview in a real Chromium on a phone (375 px) and a desktop: the period cards, the leads waiting longest
and the setup checklist fit the screen, and the waiting lead opens its card."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.analytics.facts import rebuild
from tenant_apps.leads.models import Lead
from tests.conftest import ARTIFACTS, DEVICES, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_overview_fits_the_screen_and_links_to_waiting_leads(browser, site, make_tenant, make_user, device):
    owner = make_user(password="Пароль-для-теста-1", full_name="Ольга")
    tenant = make_tenant(owner=owner, name="Клиника «Улыбка»")
    now = timezone.now()
    with tenant_context(tenant):
        for i, (name, status) in enumerate([("Анна", "booked"), ("Борис", "contacted"), ("Вера", "new")]):
            created = now - timedelta(hours=3 - i)
            Lead.objects.create(name=name, status=status, created_at=created,
                                first_contact_at=None if status == "new" else created + timedelta(minutes=3))
        Lead.objects.create(name="Глеб Долгождущий", created_at=now - timedelta(days=2))
        rebuild()  # written straight to the table, past the lead services: the figures are rebuilt from it
    page = browser.new_page(locale="ru-RU", **DEVICES[device])
    page.goto(f"http://{tenant.primary_host}:{site}/")
    log_in(page, owner.email, "Пароль-для-теста-1")
    expect(page.get_by_role("heading", name="Обзор", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Сегодня")).to_be_visible()
    expect(page.get_by_role("heading", name="Настройка рабочего пространства")).to_be_visible()
    waiting = page.locator("#overview-waiting")
    expect(waiting.locator("[data-waiting-lead]").first).to_contain_text("Глеб Долгождущий")
    expect(waiting.locator("[data-waiting-lead]").first).to_contain_text("ждёт 2 дн")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DEVICES[device]["viewport"]["width"], f"the page scrolls sideways: {width}px"
    page.screenshot(path=str(ARTIFACTS / f"overview-{device}.png"), full_page=True)
    waiting.locator("[data-waiting-lead]").first.click()
    expect(page.get_by_role("heading", name="Глеб Долгождущий")).to_be_visible()


def test_the_notification_settings_fit_the_screen(browser, site, make_tenant, make_user, device):
    owner = make_user(password="Пароль-для-теста-1", full_name="Ольга")
    tenant = make_tenant(owner=owner, name="Клиника «Улыбка»")
    page = browser.new_page(locale="ru-RU", **DEVICES[device])
    page.goto(f"http://{tenant.primary_host}:{site}/settings")
    log_in(page, owner.email, "Пароль-для-теста-1")
    expect(page.get_by_role("heading", name="Уведомления")).to_be_visible()
    expect(page.get_by_label("Еженедельный отчёт на e-mail")).to_be_checked()
    page.get_by_label("Сообщать, если ответа нет дольше, минут").fill("0")
    page.get_by_role("button", name="Сохранить оповещения").click()
    expect(page.get_by_text("Укажите число минут от 1 до 1440.")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DEVICES[device]["viewport"]["width"], f"the page scrolls sideways: {width}px"
    page.locator("#notifications").screenshot(path=str(ARTIFACTS / f"notifications-{device}.png"))
    page.get_by_label("Сообщать, если ответа нет дольше, минут").fill("30")
    page.get_by_role("button", name="Сохранить оповещения").click()
    expect(page.get_by_text("Настройки оповещений сохранены.")).to_be_visible()
    expect(page.get_by_label("Сообщать, если ответа нет дольше, минут")).to_have_value("30")
