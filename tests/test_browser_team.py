"""Chromium: an admin invites an operator from the Team page; the operator takes the link from the dev
mailbox, registers through it, lands in the workspace, works with leads and sees no Team or Billing.

The e-mail goes through a real Celery worker into the dev mailbox, as in `make run`.
"""

import time

from playwright.sync_api import Page, expect

from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Membership
from tests.conftest import ARTIFACTS, log_in

ADMIN_PASSWORD = "Админ-пароль-2026"
OPERATOR_PASSWORD = "Операторский-пароль-2026"


def open_mail(page: Page, public: str, subject: str, timeout: float = 30) -> None:
    """The worker delivers asynchronously: reload the dev mailbox until the message is there, then open it."""
    deadline = time.monotonic() + timeout
    link = page.get_by_role("link", name=subject).first
    while True:
        page.goto(public + "/dev/mailbox")
        if link.count():
            link.click()
            return
        assert time.monotonic() < deadline, f"no e-mail «{subject}» in the dev mailbox"
        time.sleep(0.5)


def test_admin_invites_an_operator_who_registers_from_the_mailbox(browser, site, celery_worker_process,
                                                                  settings, make_user, make_tenant):
    settings.DEV_MAILBOX_ENABLED = True
    admin = make_user("olga@lotos.ru", ADMIN_PASSWORD, full_name="Ольга Админова")
    tenant = make_tenant(owner=admin, name="Салон «Лотос»")
    public, workspace = f"http://localhost:{site}", f"http://{tenant.slug}.localhost:{site}"

    # --- the admin invites an operator ---------------------------------------------------------------
    admin_page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU").new_page()
    admin_page.goto(workspace + "/team")
    log_in(admin_page, "olga@lotos.ru", ADMIN_PASSWORD)
    expect(admin_page).to_have_url(workspace + "/team")
    expect(admin_page.get_by_role("heading", name="Команда", exact=True)).to_be_visible()
    expect(admin_page.locator("#team-seats")).to_contain_text("1 из 3")

    admin_page.get_by_label("E-mail сотрудника").fill("ivan@lotos.ru")
    admin_page.get_by_label("Оператор").check()
    admin_page.get_by_role("button", name="Отправить приглашение").click()
    expect(admin_page.get_by_text("Приглашение отправлено на ivan@lotos.ru")).to_be_visible()
    expect(admin_page.locator("#invitations")).to_contain_text("ivan@lotos.ru")
    expect(admin_page.locator("#team-seats")).to_contain_text("2 из 3")
    admin_page.screenshot(path=str(ARTIFACTS / "team-desktop.png"), full_page=True)

    admin_page.set_viewport_size({"width": 375, "height": 740})
    admin_page.reload()
    assert admin_page.evaluate("document.documentElement.scrollWidth") <= 375, "/team scrolls sideways on a phone"
    admin_page.screenshot(path=str(ARTIFACTS / "team-phone.png"), full_page=True)

    # --- the operator takes the link from the mailbox and registers --------------------------------
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU").new_page()
    open_mail(page, public, "Приглашение в «Салон «Лотос»» — Fast Lead")
    expect(page.get_by_text("Кому: ivan@lotos.ru")).to_be_visible()
    page.get_by_role("link", name="/invite/").first.click()

    expect(page.get_by_role("heading", name="Салон «Лотос»")).to_be_visible()
    expect(page.get_by_text("Ольга Админова")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("ivan@lotos.ru")
    page.screenshot(path=str(ARTIFACTS / "invitation-register.png"), full_page=True)
    page.get_by_label("Ваше имя").fill("Иван Операторов")
    page.get_by_label("Пароль").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Присоединиться к команде").click()

    expect(page).to_have_url(workspace + "/")
    operator = User.objects.get(email="ivan@lotos.ru")
    assert operator.is_email_confirmed
    assert Membership.objects.get(user=operator, tenant=tenant).role == Membership.Role.OPERATOR

    # --- an invited operator gets the guided tour at once (the wizard is not theirs); closed, it stays closed ---
    expect(page.locator(".driver-popover")).to_contain_text("Добро пожаловать в кабинет")
    page.keyboard.press("Escape")
    expect(page.locator(".driver-popover")).to_have_count(0)

    # --- in the workspace: leads yes, Team and Billing no ---------------------------------------------
    nav = page.locator("aside").get_by_role("navigation", name="Разделы кабинета")
    nav.get_by_role("link", name="Лиды").click()
    expect(page).to_have_url(workspace + "/leads")
    expect(page.get_by_role("heading", name="Лиды", exact=True)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "team-operator-leads.png"), full_page=True)

    response = page.goto(workspace + "/team")
    assert response.status == 403
    expect(page.get_by_text("Недостаточно прав")).to_be_visible()

    page.goto(workspace + "/leads")
    expect(nav.get_by_role("link", name="Команда")).to_have_count(0)
    expect(nav.get_by_role("link", name="Биллинг")).to_have_count(0)
    expect(nav).not_to_contain_text("Команда")
    expect(nav).not_to_contain_text("Биллинг")

    # --- the admin sees the new member in the list, with the role ------------------------------------
    admin_page.set_viewport_size({"width": 1280, "height": 900})
    admin_page.goto(workspace + "/team")
    member = admin_page.locator(f'[data-member="{operator.pk}"]')
    expect(member).to_contain_text("Иван Операторов")
    expect(member.get_by_label("Роль: Иван Операторов")).to_have_value("operator")
    expect(admin_page.locator("#invitations")).not_to_contain_text("ivan@lotos.ru")
    expect(admin_page.locator("#team-seats")).to_contain_text("2 из 3")

    # removal asks first (a <details> confirmation, no script), then the operator is out at once
    member.get_by_text("Удалить", exact=True).click()
    confirm = member.get_by_role("button", name="Да, удалить")
    expect(confirm).to_be_visible()
    admin_page.screenshot(path=str(ARTIFACTS / "team-remove-confirm.png"), full_page=True)
    confirm.click()
    expect(admin_page.get_by_text("Иван Операторов больше не в команде.")).to_be_visible()
    assert not Membership.objects.filter(user=operator, tenant=tenant).exists()
    page.reload()
    expect(page.get_by_text("Нет доступа к этому рабочему пространству")).to_be_visible()
