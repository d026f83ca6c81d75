"""Smoke test in a real Chromium: the landing page and the demo workspace, on a desktop and a phone."""

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from dev.demo.services import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.models import Lead
from tests.conftest import ARTIFACTS, log_in


@pytest.fixture
def demo(site):
    seed_demo()
    # The demo's people have seen the guided tour: it has its own test (test_browser_tour.py) and would cover pages.
    User.objects.update(tour_dismissed_at=timezone.now())
    return f"http://localhost:{site}", f"http://demo.localhost:{site}"


def test_landing_and_demo_workspace_on_desktop(browser, demo):
    public_url, demo_url = demo
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU")

    page.goto(public_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_text("Старт").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "landing-desktop.png"), full_page=True)

    page.goto(demo_url + "/leads?status=booked")
    # Logins happen on the public host; the page asked for travels along in ?next=.
    expect(page).to_have_url(public_url + "/login?next=" + quote(demo_url + "/leads?status=booked", safe=""))
    log_in(page, DEMO_EMAIL, "неверный пароль")
    expect(page.get_by_role("alert")).to_have_text("Неверный e-mail или пароль.")
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page).to_have_url(demo_url + "/leads?status=booked")
    expect(page.locator("#leads-table").get_by_text("Записан").filter(visible=True).first).to_be_visible()

    # With the default filters («Все статусы», «Все каналы») the export is every lead of the workspace.
    page.goto(demo_url + "/leads")
    with page.expect_download() as download:
        page.get_by_role("link", name="Экспорт в CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("id;Имя;Телефон;E-mail;Канал;Статус")
    with tenant_context(Tenant.objects.get(slug="demo")):
        assert len(rows) - 1 == Lead.objects.count()

    # The filter changes without a reload; the CSV export takes the filters shown at the moment of the click.
    page.goto(demo_url + "/leads?status=booked")
    page.get_by_label("Канал").select_option(label="Telegram")
    expect(page).to_have_url(re.compile(r"channel=telegram"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Экспорт в CSV").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("id;Имя;")
    assert len(rows) > 10
    assert all(";Telegram;Записан;" in row for row in rows[1:])

    page.goto(demo_url + "/")
    expect(page.get_by_text("Стоматология «Улыбка»").first).to_be_visible()
    expect(page.get_by_text("Всего лидов")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "demo-desktop.png"), full_page=True)

    page.goto(public_url.replace("localhost", "nobody.localhost") + "/")
    expect(page.get_by_text("Рабочее пространство не найдено")).to_be_visible()


def test_one_login_opens_every_workspace_of_the_user(browser, demo, make_tenant, add_member):
    """Session cookies are host-only; the public login hands itself to each workspace without a password."""
    _, demo_url = demo
    branch = make_tenant(name="Улыбка — филиал")
    add_member(User.objects.get(email=DEMO_EMAIL), branch)
    branch_url = demo_url.replace("demo.localhost", branch.primary_host)
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    page.goto(demo_url + "/")
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page).to_have_url(demo_url + "/")

    page.get_by_role("button", name="Рабочее пространство Стоматология «Улыбка»").click()
    page.get_by_role("link", name="Улыбка — филиал").click()
    expect(page).to_have_url(branch_url + "/")
    expect(page.get_by_text("Всего лидов")).to_be_visible()
    assert page.get_by_label("Пароль").count() == 0

    page.goto(demo_url + "/leads")  # still logged in on the first workspace
    expect(page).to_have_url(demo_url + "/leads")

    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.get_by_role("button", name="Выйти").first.click()  # logging out anywhere ends the login everywhere
    expect(page).to_have_url(demo_url.replace("demo.localhost", "localhost") + "/")  # the browser followed it
    assert problems == [], problems  # e.g. no form-action CSP block of the redirect to the public host
    page.goto(branch_url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_demo_workspace_fits_a_phone_screen(browser, demo):
    public_url, demo_url = demo
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(public_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(demo_url + "/")
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_text("Всего лидов")).to_be_visible()
    for path in ("/", "/leads"):
        page.goto(demo_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, f"{path} scrolls sideways on a phone"
    page.screenshot(path=str(ARTIFACTS / "demo-phone.png"), full_page=True)

    # The drawer menu works under the Content-Security-Policy (Alpine.js runs).
    page.get_by_role("button", name="Открыть меню").click()
    drawer_link = page.get_by_role("dialog", name="Меню кабинета").get_by_role("link", name="Лиды")
    expect(drawer_link).to_be_visible()
    drawer_link.click()
    expect(page).to_have_url(demo_url + "/leads")
    assert problems == [], problems
    phone.close()
