"""Chromium at phone and desktop size: scenario 4 (Лиды → filter «Новый» → open a lead → its history → back →
export CSV, the file downloaded and parsed), the live list (a lead written on the server appears without a reload,
the menu's badge counts it) and a saved view applied from «Мои виды»."""

import csv
import io
import re
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import Page, expect

from conftest import set_plan
from tenant_apps.leads import services
from tenant_apps.leads.models import Lead
from tests.conftest import ARTIFACTS, DEVICES, log_in

PASSWORD = "Пароль-для-лидов-2026"
NEW = ["Анна Ёлкина", "Борис Щукин", "Вера Жукова"]
OTHERS = [("Глеб Эйхман", "contacted"), ("Дарья Юрьева", "booked"), ("Елисей Цой", "lost")]


@pytest.fixture
def workspace(site, make_user, make_tenant):
    owner = make_user("admin@ulybka-leads.ru", PASSWORD, full_name="Анна Админова")
    tenant = make_tenant(owner=owner, name="Клиника «Улыбка»")
    set_plan(tenant, "pro")  # the CSV export is on «Про» and above
    with tenant_context(tenant):
        for index, name in enumerate(NEW):
            lead = services.create_lead(name=name, phone=f"+7916123456{index}", email=f"lead{index}@mail.ru",
                                        page_url="https://ulybka.ru/prices", utm={"campaign": "осень"},
                                        topic="Консультация")
            services.add_note(lead.pk, f"Перезвонить {name.split()[0]}е после обеда", owner)
        for name, status in OTHERS:
            lead = services.create_lead(name=name, phone="+79035550011")
            Lead.objects.filter(pk=lead.pk).update(status=status)
    return tenant, owner, f"http://{tenant.slug}.localhost:{site}"


def _open(browser, device: str) -> Page:
    return browser.new_context(**DEVICES[device], locale="ru-RU", accept_downloads=True).new_page()


def _visible_names(page: Page) -> list[str]:
    rows = page.locator("#leads-table li a p.font-semibold, #leads-table tbody td:first-child a").filter(visible=True)
    return sorted(rows.all_inner_texts())


def _menu_link(page: Page, device: str, name: str):
    if device == "phone":
        page.wait_for_load_state()  # the cabinet's scripts have run: its menu button answers a tap
        page.get_by_role("button", name="Открыть меню").click()
        return page.get_by_role("dialog", name="Меню кабинета").get_by_role("link", name=name)
    return page.locator("aside").get_by_role("link", name=name)


def test_scenario_4_filter_new_open_history_back_export(browser, workspace, device):
    tenant, _, url = workspace
    page = _open(browser, device)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url + "/")
    log_in(page, "admin@ulybka-leads.ru", PASSWORD)
    expect(page).to_have_url(url + "/")

    leads_link = _menu_link(page, device, "Лиды")
    expect(leads_link).to_contain_text("3")  # the badge: three leads in status «Новый»
    leads_link.click()
    expect(page).to_have_url(url + "/leads")
    expect(page.get_by_role("heading", name="Лиды", exact=True)).to_be_visible()

    page.get_by_label("Статус").select_option(label="Новый")
    expect(page).to_have_url(re.compile(r"/leads\?.*status=new"))
    expect(page.locator("#leads-table")).not_to_contain_text("Глеб Эйхман")
    assert _visible_names(page) == sorted(NEW)
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"leads-new-{device}.png"), full_page=True)

    page.locator("#leads-table").get_by_role("link", name="Борис Щукин").filter(visible=True).first.click()
    expect(page.get_by_role("heading", name="Борис Щукин")).to_be_visible()
    history = page.locator("#lead-timeline")
    expect(page.get_by_role("heading", name="История")).to_be_visible()
    expect(history).to_contain_text("Заявка получена · тема: Консультация")
    expect(history).to_contain_text("Перезвонить Борисе после обеда")
    page.screenshot(path=str(ARTIFACTS / f"lead-history-{device}.png"), full_page=True)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/leads\?.*status=new"))
    expect(page.get_by_label("Статус")).to_have_value("new")
    with page.expect_download() as download:
        page.get_by_role("link", name="Экспорт в CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM: Russian Excel reads it
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["id", "Имя", "Телефон", "E-mail", "Канал", "Статус"]
    with tenant_context(tenant):
        expected = {str(pk) for pk in Lead.objects.filter(status="new").values_list("pk", flat=True)}
    assert len(rows) - 1 == len(NEW)
    assert {row[0] for row in rows[1:]} == expected
    assert sorted(row[1] for row in rows[1:]) == sorted(NEW)  # Cyrillic, «ё» and «щ» intact
    column = {name: index for index, name in enumerate(rows[0])}
    assert {row[column["Статус"]] for row in rows[1:]} == {"Новый"}
    assert {row[column["utm_campaign"]] for row in rows[1:]} == {"осень"}
    assert problems == [], problems


def test_a_new_lead_appears_in_the_open_list_and_the_badge_counts_it(browser, workspace, device):
    tenant, _, url = workspace
    page = _open(browser, device)
    page.goto(url + "/leads")
    log_in(page, "admin@ulybka-leads.ru", PASSWORD)
    expect(page).to_have_url(url + "/leads")
    badge = page.locator("#sidebar-nav-leads-badge")
    expect(badge).to_have_attribute("data-count", "3")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    with tenant_context(tenant):
        services.create_lead(name="Жанна Свежая", phone="+79167770011", channel="telegram")
    fresh = page.locator("#leads-table [data-new]").filter(visible=True)
    expect(fresh).to_contain_text("Жанна Свежая", timeout=30_000)  # polled every 10 s
    expect(badge).to_have_attribute("data-count", "4", timeout=30_000)
    assert page.evaluate("window.__sameDocument") is True
    assert "Жанна Свежая" in _visible_names(page)
    page.screenshot(path=str(ARTIFACTS / f"leads-live-{device}.png"), full_page=True)
    if device == "phone":  # the drawer's badge follows too
        page.get_by_role("button", name="Открыть меню").click()
        expect(page.locator("#drawer-nav-leads-badge")).to_have_text(re.compile(r"^4"))


def test_a_saved_view_is_applied_and_deleted(browser, workspace, device):
    _, _, url = workspace
    page = _open(browser, device)
    page.goto(url + "/leads")
    log_in(page, "admin@ulybka-leads.ru", PASSWORD)
    expect(page.get_by_text("Сохраните выбранные фильтры")).to_be_visible()

    page.get_by_label("Статус").select_option(label="Записан")
    expect(page).to_have_url(re.compile(r"status=booked"))
    page.get_by_label("Название вида").fill("Записанные")
    page.get_by_role("button", name="Сохранить вид").click()
    expect(page.get_by_text("Вид «Записанные» сохранён.")).to_be_visible()

    page.get_by_label("Название вида").fill("записанные")
    page.get_by_role("button", name="Сохранить вид").click()
    expect(page.get_by_role("alert").filter(has_text="Вид с таким названием уже есть")).to_be_visible()

    page.goto(url + "/leads")
    assert len(_visible_names(page)) == 6
    page.locator("#saved-views").get_by_role("link", name="Записанные").click()
    expect(page).to_have_url(url + "/leads?status=booked")
    expect(page.get_by_label("Статус")).to_have_value("booked")
    assert _visible_names(page) == ["Дарья Юрьева"]
    page.screenshot(path=str(ARTIFACTS / f"leads-saved-view-{device}.png"), full_page=True)

    page.locator("#saved-views").get_by_role("button", name="Удалить вид «Записанные»").click()
    page.locator("#saved-views").get_by_role("button", name="Удалить", exact=True).click()
    expect(page.get_by_text("Вид «Записанные» удалён.")).to_be_visible()
    expect(page.locator("#saved-views")).to_have_count(0)
