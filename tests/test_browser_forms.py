"""Chromium in English: empty and over-long forms get the server's Russian message under the field.

Every form carries ``novalidate``, so the browser shows none of its own bubbles («Please fill out this
field.» in the browser's language) and cuts nothing: the server answers 400 with the inline error and keeps
what was typed. Run on a phone and on a desktop; on the phone no page scrolls sideways.
"""

import pytest
from playwright.sync_api import Page, expect

from shared_apps.accounts.models import User
from tests.conftest import ARTIFACTS, log_in

PASSWORD = "Крепкий-пароль-2026"
LONG_EMAIL = "o" * 288 + "@kofeynya.ru"  # 300 characters

VIEWPORTS = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}


def assert_inline_error(page: Page, label: str, message: str, *, exact_label: bool = False) -> None:
    """The Russian message is visible and the field points at it; the page does not scroll sideways."""
    expect(page.get_by_text(message, exact=True)).to_be_visible()
    field = page.get_by_label(label, exact=exact_label)
    expect(field).to_have_attribute("aria-invalid", "true")
    error_id = field.get_attribute("aria-describedby")
    expect(page.locator(f"#{error_id}")).to_have_text(message)
    # The width check means something only with the stylesheet in place.
    assert page.evaluate("[...document.styleSheets].some(sheet => sheet.href && sheet.cssRules.length > 0)"), \
        "the stylesheet did not load"
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_empty_and_invalid_forms_answer_in_russian_whatever_the_browser_language(browser, site, make_user, make_tenant,
                                                                                 device):
    owner = make_user("olga@kofeynya.ru", PASSWORD, full_name="Ольга Кофейная")
    tenant = make_tenant(owner=owner, name="Кофейня «Зёрна»")
    public, workspace = f"http://localhost:{site}", f"http://{tenant.slug}.localhost:{site}"
    context = browser.new_context(locale="en-US", **VIEWPORTS[device])
    page = context.new_page()

    # --- sign-up: empty, then a 300-character e-mail (a 500 before; the name and company were cut) ----------
    page.goto(public + "/signup")
    page.get_by_role("button", name="Создать аккаунт").click()
    assert_inline_error(page, "Ваше имя", "Укажите ваше имя.")
    assert_inline_error(page, "Рабочий e-mail", "Введите e-mail.")
    assert_inline_error(page, "Компания", "Укажите название компании.")

    page.get_by_label("Ваше имя").fill("Я" * 151)
    page.get_by_label("Рабочий e-mail").fill(LONG_EMAIL)
    page.get_by_label("Пароль").fill("Ароматный-кофе-2026")
    page.get_by_label("Компания").fill("Кофейня «Зёрна»")
    page.get_by_role("button", name="Создать аккаунт").click()
    assert_inline_error(page, "Рабочий e-mail", "Не длиннее 254 символов.")
    assert_inline_error(page, "Ваше имя", "Не длиннее 150 символов.")
    expect(page.get_by_label("Рабочий e-mail")).to_have_value(LONG_EMAIL)
    expect(page.get_by_label("Ваше имя")).to_have_value("Я" * 151)
    expect(page.get_by_role("alert")).to_have_text("Проверьте выделенные поля.")
    page.screenshot(path=str(ARTIFACTS / f"forms-signup-{device}.png"), full_page=True)
    assert not User.objects.filter(email=LONG_EMAIL).exists()

    # --- login: empty, then a malformed e-mail ------------------------------------------------------------
    page.goto(public + "/login")
    page.get_by_role("button", name="Войти", exact=True).click()
    assert_inline_error(page, "E-mail", "Введите e-mail.", exact_label=True)
    assert_inline_error(page, "Пароль", "Введите пароль.", exact_label=True)
    log_in(page, "olga.kofeynya.ru", PASSWORD)
    assert_inline_error(page, "E-mail", "Введите корректный e-mail, например anna@company.ru.", exact_label=True)
    expect(page.get_by_label("E-mail", exact=True)).to_have_value("olga.kofeynya.ru")

    # --- team invitation with an empty e-mail -------------------------------------------------------------
    page.goto(workspace + "/team")
    log_in(page, "olga@kofeynya.ru", PASSWORD)
    expect(page).to_have_url(workspace + "/team")
    page.get_by_label("Аналитик").check()
    page.get_by_role("button", name="Отправить приглашение").click()
    assert_inline_error(page, "E-mail сотрудника", "Введите e-mail сотрудника.")
    expect(page.get_by_label("Аналитик")).to_be_checked()

    # --- profile: an empty name -----------------------------------------------------------------------------
    page.goto(workspace + "/settings")
    page.get_by_label("Имя и фамилия").fill("")
    page.locator("#name").get_by_role("button", name="Сохранить").click()
    assert_inline_error(page, "Имя и фамилия", "Укажите имя.")
    expect(page.get_by_role("alert").filter(has_text="Не сохранено")).to_have_text(
        "Не сохранено: проверьте выделенные поля.")
    assert User.objects.get(pk=owner.pk).full_name == "Ольга Кофейная"

    # --- profile: the avatar's file button is ours, in Russian (the browser's own says «Choose File») --------
    expect(page.get_by_text("Файл не выбран")).to_be_visible()
    assert page.locator("#id_avatar").bounding_box()["width"] <= 1  # the native input is only there for the form
    page.get_by_label("Новое изображение").set_input_files(
        {"name": "портрет.png", "mimeType": "image/png", "buffer": b"\x89PNG"})
    expect(page.get_by_text("портрет.png")).to_be_visible()

    # --- workspace settings: an empty name, then one over 200 characters -------------------------------------
    page.goto(workspace + "/workspace")
    page.get_by_label("Название").fill("")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    assert_inline_error(page, "Название", "Укажите название рабочего пространства.")
    page.get_by_label("Название").fill("Н" * 201)
    page.get_by_role("button", name="Сохранить", exact=True).click()
    assert_inline_error(page, "Название", "Не длиннее 200 символов.")
    expect(page.get_by_label("Название")).to_have_value("Н" * 201)
    expect(page.get_by_role("alert").filter(has_text="Не сохранено")).to_have_text(
        "Не сохранено: проверьте выделенные поля.")
    page.screenshot(path=str(ARTIFACTS / f"forms-workspace-{device}.png"), full_page=True)
    tenant.refresh_from_db()
    assert tenant.name == "Кофейня «Зёрна»"
    context.close()
