"""Chromium, phone and desktop: an admin changes a colleague's role on the Team page, then opens «Журнал действий»
from the menu and reads the change and their own sign-in in Russian, in the workspace's time; the journal's
filter keeps only the team's entries; platform staff's entries read in Russian without naming the staff member; on
a phone the rows stack, nothing scrolls sideways and words are not broken in the middle."""

from playwright.sync_api import expect

from shared_apps.audit import services as audit
from shared_apps.tenancy.models import Membership
from tests.conftest import ARTIFACTS, DEVICES, log_in

ADMIN_EMAIL, ADMIN_PASSWORD = "olga@lotos.ru", "Админ-пароль-2026"


def test_the_admin_reads_the_journal_after_changing_a_role(browser, site, device, make_user, make_tenant, add_member):
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ольга Админова")
    tenant = make_tenant(owner=admin, name="Салон «Лотос»")
    operator = make_user("ivan@lotos.ru", full_name="Иван Операторов")
    add_member(operator, tenant, Membership.Role.OPERATOR)

    staff = make_user("petrov@fastlead.ru", is_staff=True)
    audit.record("billing.account_blocked", actor=staff, account_id=tenant.account_id, staff=True, ip="198.51.100.7",
                 target="Аккаунт «Стоматология доктора Константинопольского»", details={"fromStatus": "active"})
    audit.record("billing.bank_transfer_paid", actor=staff, account_id=tenant.account_id, staff=True,
                 target="Счёт № 2026-00003", details={"paymentOrder": "bank-2026-00003", "amountKopecks": 1999000})
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
    expect(entries.filter(has_text="Вход в систему")).to_contain_text("Способ входа: вход в рабочее пространство")
    blocked = entries.filter(has_text="Аккаунт заблокирован")
    expect(blocked).to_contain_text("Сотрудник Fast Lead")
    expect(blocked).to_contain_text("Был статус подписки: Активна")
    expect(entries.filter(has_text="Отмечена оплата по счёту")).to_contain_text("Сумма: 19\u00a0990,00\u00a0₽")
    expect(page.locator("#audit-entries")).not_to_contain_text("petrov@fastlead.ru")
    expect(page.locator("#audit-entries")).not_to_contain_text("198.51.100.7")
    # a long name wraps between words, not inside «Стоматология» (break-all did)
    assert page.evaluate("""() => [...document.querySelectorAll('#audit-entries li')].every(row => {
        const style = getComputedStyle(row.querySelector('p span span') || row);
        return style.wordBreak !== 'break-all';
    })""")
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"audit-{device}.png"), full_page=True)

    page.get_by_label("Действия").select_option(label="Команда")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(tenant.url + "workspace/audit?group=team&from=&to=")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Изменена роль участника")
    assert not errors, errors
    context.close()
