"""Chromium, phone and desktop: an admin changes a colleague's role on the Team page, then opens «Журнал действий»
from the menu and reads the change and their own sign-in in Russian, in the workspace's time; the journal's
filter keeps only the team's entries; on a phone the rows stack and nothing scrolls sideways."""

from playwright.sync_api import expect

from shared_apps.tenancy.models import Membership
from tests.conftest import ARTIFACTS, DEVICES, log_in

ADMIN_EMAIL, ADMIN_PASSWORD = "olga@lotos.ru", "Админ-пароль-2026"


def test_the_admin_reads_the_journal_after_changing_a_role(browser, site, device, make_user, make_tenant, add_member):
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ольга Админова")
    tenant = make_tenant(owner=admin, name="Салон «Лотос»")
    operator = make_user("ivan@lotos.ru", full_name="Иван Операторов")
    add_member(operator, tenant, Membership.Role.OPERATOR)

    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(tenant.url + "team")
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(tenant.url + "team")
    page.wait_for_load_state()  # the cabinet's scripts have run: its menu button answers a tap

    member = page.locator(f'[data-member="{operator.pk}"]')
    member.get_by_label("Роль: Иван Операторов").select_option("analyst")
    member.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Роль участника Иван Операторов: «Аналитик».")).to_be_visible()

    if device == "phone":
        page.get_by_role("button", name="Открыть меню").click()
        menu = page.get_by_role("dialog", name="Меню кабинета")
    else:
        menu = page.get_by_role("complementary", name="Боковое меню")
    menu.get_by_role("link", name="Журнал действий").click()
    expect(page).to_have_url(tenant.url + "workspace/audit")
    expect(page.get_by_role("heading", name="Журнал действий", exact=True)).to_be_visible()

    entries = page.locator("#audit-entries > li")
    role_change = entries.filter(has_text="Изменена роль участника")
    expect(role_change).to_contain_text("ivan@lotos.ru")
    expect(role_change).to_contain_text("Была роль: Оператор")
    expect(role_change).to_contain_text("Стала роль: Аналитик")
    expect(role_change).to_contain_text(ADMIN_EMAIL)
    expect(role_change).to_contain_text("IP 127.0.0.1")
    expect(entries.filter(has_text="Вход в систему")).to_have_count(1)  # entering this workspace
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"audit-{device}.png"), full_page=True)

    page.get_by_label("Действия").select_option(label="Команда")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(tenant.url + "workspace/audit?group=team&from=&to=")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Изменена роль участника")
    assert not errors, errors
    context.close()
