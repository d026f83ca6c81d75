"""Chromium, phone (375 px) and desktop: a staff member signs in to the platform admin with the password and a TOTP
code (computed here as the authenticator app would), opens the business metrics (their ECharts charts drawn) and
blocks a customer's account with the admin's action, confirmed on its intermediate page; no sideways scroll on the
index, no console error, no policy violation."""

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from backoffice import services as business
from backoffice.tests.helpers import code_for
from billing.models import Subscription
from billing.services import start_trial
from tests.conftest import ARTIFACTS, DEVICES, on_own_thread
from tests.test_browser_csp import REPORT_VIOLATIONS

EMAIL, PASSWORD = "ops@fastlead.ru", "Смена-платформы-2026"


def test_staff_sign_in_with_a_code_and_block_an_account(site, browser, device, make_user, make_tenant):
    staff = make_user(EMAIL, PASSWORD, is_staff=True, is_superuser=True, full_name="Олег Дежурный")
    app = TOTPDevice.objects.create(user=staff, name="телефон", confirmed=True)
    account = make_tenant(name="Пекарня «Колос»").account
    start_trial(account)
    business.backfill(3)
    admin = f"http://localhost:{site}/admin/"

    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    complaints: list[str] = []
    context.expose_function("reportViolation", lambda text: complaints.append("CSP violation: " + text))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    # The wrong code's page answers 400 on purpose (Chromium logs that status as a console error).
    page.on("console", lambda message: message.type == "error" and "status of 400" not in message.text
            and complaints.append(message.text))
    page.on("pageerror", lambda error: complaints.append(f"uncaught: {error}"))

    page.goto(admin)
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/login/verify/"))
    page.get_by_label("Код из приложения").fill("000000" if code_for(app) != "000000" else "111111")
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page.locator("#otp-error")).to_contain_text("Неверный код")
    page.get_by_label("Код из приложения").fill(code_for(app))
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page).to_have_url(admin)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll

    page.get_by_role("link", name="Бизнес-метрики").click()
    expect(page.get_by_role("heading", name="Бизнес-метрики")).to_be_visible()
    for chart in ("registrations", "conversion", "mrr", "first-contact"):
        expect(page.locator(f"#chart-{chart} svg")).to_be_attached()
    page.screenshot(path=str(ARTIFACTS / f"backoffice-metrics-{device}.png"), full_page=True)

    page.goto(admin + "accounts/account/")
    row = page.locator("#result_list tr", has_text="Пекарня «Колос»")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Заблокировать аккаунт (кабинет и виджет остановятся, "
                                                             "данные сохранятся)")
    page.get_by_role("button", name="Выполнить").click()
    expect(page.locator("#confirm-action-items")).to_contain_text("Пекарня «Колос»")
    assert on_own_thread(lambda: Subscription.objects.get(account=account).status) == Subscription.Status.TRIALING
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator(".messagelist")).to_contain_text("Пекарня «Колос»: аккаунт заблокирован.")
    expect(page.locator("#result_list tr", has_text="Пекарня «Колос»")).to_contain_text("Заблокирована")
    page.screenshot(path=str(ARTIFACTS / f"backoffice-accounts-{device}.png"), full_page=True)
    assert on_own_thread(lambda: Subscription.objects.get(account=account).status) == Subscription.Status.BLOCKED
    assert complaints == []
    context.close()
