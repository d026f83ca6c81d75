"""Chromium, phone (375×812) and desktop: the guided tour after onboarding — it starts by itself, walks the sections
(in the drawer on a phone), is closed, stays closed after a reload, and starts again from «Помощь»; under the real
Content-Security-Policy, with no violation or console error."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shared_apps.onboarding.models import WizardProgress
from tests.conftest import ARTIFACTS, log_in
from tests.test_browser_csp import watched_page

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL, PASSWORD = "olga@lotos.ru", "Лотос-салон-2026"
SECTIONS = ["Лиды", "Аналитика", "Виджет", "Каналы", "Команда", "Оплата"]


def popover(page: Page):
    return page.locator(".driver-popover")


def shoot(page: Page, name: str) -> None:
    page.wait_for_timeout(500)  # the popover's fade-in
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def expect_stop(page: Page, title: str, section: str | None = None) -> None:
    expect(popover(page).locator(".driver-popover-title")).to_have_text(title)
    if section is not None:  # the highlighted entry is the menu's link the member can see
        expect(page.locator(f'.driver-active-element[data-tour="{section}"]')).to_be_in_viewport()


def test_the_tour_after_onboarding(browser, site, make_user, make_tenant, device):
    owner = make_user(EMAIL, PASSWORD, full_name="Ольга")
    tenant = make_tenant(owner=owner, name="Салон «Лотос»")
    WizardProgress.objects.create(tenant=tenant, current="test", completed_at=timezone.now())
    page, complaints = watched_page(browser, device)
    page.goto(tenant.url)
    log_in(page, EMAIL, PASSWORD)

    # --- it starts by itself and walks the sections -------------------------------------------------------------
    expect_stop(page, "Добро пожаловать в кабинет")
    expect(popover(page).get_by_role("button", name="Закрыть")).to_be_visible()
    expect(popover(page)).to_contain_text(f"1 из {len(SECTIONS) + 2}")
    shoot(page, f"tour-welcome-{device}")
    keys = ["leads", "analytics", "widget", "channels", "team", "billing"]
    for title, key in list(zip(SECTIONS, keys, strict=True))[:3]:
        popover(page).get_by_role("button", name="Дальше").click()
        expect_stop(page, title, key)
    if device == "phone":
        expect(page.locator("#cabinet-drawer nav")).to_be_visible()  # the sections are in the drawer there
    shoot(page, f"tour-section-{device}")
    if device == "phone":  # touch-sized targets (44×44 px at least), not driver.js's 24 px high defaults
        for name in ("Назад", "Дальше", "Закрыть"):
            box = popover(page).get_by_role("button", name=name).bounding_box()
            assert box["height"] >= 44, (name, box)
            assert box["width"] >= 44, (name, box)
    popover(page).get_by_role("button", name="Назад").click()
    expect_stop(page, "Аналитика", "analytics")

    # --- closed: the server keeps it, a reload does not start it --------------------------------------------------
    with page.expect_response(lambda response: response.url.endswith("/settings/tour/dismiss")) as dismissed:
        if device == "phone":
            popover(page).get_by_role("button", name="Закрыть").click()
        else:
            page.keyboard.press("Escape")
    assert dismissed.value.status == 204
    expect(popover(page)).to_have_count(0)
    expect(page.locator("#cabinet-drawer nav")).to_be_hidden()
    owner.refresh_from_db()
    assert owner.tour_dismissed_at is not None
    page.reload()
    expect(page.get_by_role("heading", name="Обзор", exact=True)).to_be_visible()
    page.wait_for_timeout(700)
    expect(popover(page)).to_have_count(0)
    expect(page.locator('script[src$="/js/driver.js"]')).to_have_count(0)

    # --- «Помощь» → «Экскурсия по кабинету»: again, to the end ---------------------------------------------------
    page.get_by_role("button", name="Помощь").click()
    expect(page.get_by_role("link", name="Инструкция по установке виджета")).to_be_visible()
    expect(page.locator("#help-menu")).to_contain_text("support@fastlead.ru")
    shoot(page, f"tour-help-menu-{device}")
    page.get_by_role("button", name="Экскурсия по кабинету").click()
    expect_stop(page, "Добро пожаловать в кабинет")
    for title, key in zip(SECTIONS, keys, strict=True):
        popover(page).get_by_role("button", name="Дальше").click()
        expect_stop(page, title, key)
    popover(page).get_by_role("button", name="Дальше").click()
    expect_stop(page, "Помощь", "help")
    expect(page.locator("#cabinet-drawer nav")).to_be_hidden()
    shoot(page, f"tour-help-{device}")
    popover(page).get_by_role("button", name="Готово").click()
    expect(popover(page)).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"
    assert complaints == []
