"""Chromium: sign up → the confirmation e-mail in the dev mailbox → onboarding on <slug>.localhost, logged in.

The e-mail goes through a real Celery worker into the dev mailbox, as in `make run`.
"""


from playwright.sync_api import expect

from shared_apps.tenancy.models import Tenant
from tests.conftest import ARTIFACTS


def test_sign_up_confirm_from_the_dev_mailbox_and_land_in_onboarding(browser, site, celery_worker_process,
                                                                     settings):
    settings.DEV_MAILBOX_ENABLED = True
    public = f"http://localhost:{site}"
    page = browser.new_page(viewport={"width": 390, "height": 844})

    page.goto(public + "/")
    page.get_by_role("link", name="Попробовать бесплатно — 14 дней").first.click()
    expect(page).to_have_url(public + "/signup")

    page.get_by_label("Ваше имя").fill("Ольга")
    page.get_by_label("Рабочий e-mail").fill("olga@kofeynya.ru")
    page.get_by_label("Пароль").fill("123")
    page.get_by_label("Компания").fill("Кофейня «Зёрна»")
    page.get_by_role("button", name="Создать аккаунт").click()
    expect(page.get_by_text("Введённый пароль слишком короткий").first).to_be_visible()
    expect(page.get_by_label("Компания")).to_have_value("Кофейня «Зёрна»")

    page.get_by_label("Пароль").fill("Ароматный-кофе-2026")
    page.get_by_role("button", name="Создать аккаунт").click()
    expect(page).to_have_url(public + "/email/check")
    expect(page.get_by_text("olga@kofeynya.ru")).to_be_visible()

    page.goto(public + "/dev/mailbox")
    page.get_by_role("link", name="Подтвердите e-mail для Fast Lead").first.click()
    page.get_by_role("link", name="/email/confirm/").first.click()

    slug = Tenant.objects.get(account__owner__email="olga@kofeynya.ru").slug
    assert slug == "kofeynya-zerna"
    expect(page).to_have_url(f"http://{slug}.localhost:{site}/onboarding/workspace")  # the wizard's first step
    expect(page.get_by_text("Добро пожаловать в Fast Lead, Ольга!")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "onboarding-phone.png"), full_page=True)
