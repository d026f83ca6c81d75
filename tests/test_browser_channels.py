"""Chromium, phone and desktop — scenario 3: Каналы → SMS (Twilio) → a wrong key shows Twilio's reason in Russian
→ the sandbox's key → connected → «Проверить подключение» → «Подключен», the message reaching the sandbox.

«Каналы» is long (on a phone the last sections are thousands of pixels down): every action's answer — a message
after the redirect, a refused form's reason or invalid field — must be on screen where the page lands."""

import pytest
from playwright.sync_api import expect

from dev.channel_sandbox import DEFAULT_CALCOM, DEFAULT_MAX, DEFAULT_TWILIO
from tests.conftest import ARTIFACTS, DEVICES, log_in

SID, TOKEN, SENDER = DEFAULT_TWILIO
ADMIN_EMAIL, ADMIN_PASSWORD = "olga@romashka.ru", "Пароль-Ромашки-2026"
TWILIO_REJECTED = ("Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio "
                   "(или аккаунт приостановлен).")


@pytest.fixture
def workspace(site, make_user, make_tenant, channel_sandbox):
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ольга Иванова")
    return make_tenant(owner=admin, name="Кофейня «Ромашка»")


def _logged_in(browser, device: str, workspace):
    """The admin's cabinet on ``device``: the browser context, its page and the page's script errors."""
    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(workspace.url)
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(workspace.url)
    page.wait_for_load_state()  # the cabinet's scripts have run: its menu button answers a tap
    return context, page, errors


def test_scenario_3_connect_twilio_and_check_the_connection(workspace, channel_sandbox, browser, device):
    context, page, errors = _logged_in(browser, device, workspace)

    # Каналы, from the menu
    if device == "phone":
        page.get_by_role("button", name="Открыть меню").click()
        menu = page.get_by_role("dialog", name="Меню кабинета")
    else:
        menu = page.get_by_role("complementary", name="Боковое меню")
    menu.get_by_role("link", name="Каналы").click()
    expect(page).to_have_url(workspace.url + "channels")
    expect(page.get_by_role("heading", name="Каналы", exact=True)).to_be_visible()

    # SMS (Twilio): a wrong key first — Twilio's reason, in Russian, and nothing connected
    card = page.locator("#provider-twilio")
    expect(card.get_by_role("heading", name="SMS (Twilio)")).to_be_visible()
    expect(card.get_by_text("Не подключен")).to_be_visible()
    card.get_by_text("Подключить", exact=True).first.click()
    card.get_by_label("Account SID").fill(SID)
    card.get_by_label("Auth Token").fill("0" * 32)
    card.get_by_label("Номер отправителя").fill(SENDER)
    expect(card.get_by_label("Auth Token")).to_have_attribute("type", "password")
    card.locator("form").get_by_role("button", name="Подключить").click()
    card = page.locator("#provider-twilio")
    expect(card.get_by_role("alert")).to_have_text(TWILIO_REJECTED)
    expect(card.get_by_role("alert")).to_be_in_viewport()
    expect(card.get_by_role("alert")).to_be_focused()
    expect(card.get_by_text("Не подключен")).to_be_visible()
    expect(card.get_by_label("Account SID")).to_have_value(SID)  # typed values stay, the secret does not
    expect(card.get_by_label("Auth Token")).to_have_value("")
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"channels-wrong-key-{device}.png"), full_page=True)

    # the sandbox's key: connected
    card.get_by_label("Auth Token").fill(TOKEN)
    card.locator("form").get_by_role("button", name="Подключить").click()
    card = page.locator("#provider-twilio")
    expect(card.get_by_text("«SMS (Twilio)» подключен: ключи проверены у провайдера.")).to_be_in_viewport()
    expect(card.locator("[data-status]")).to_have_text("Подключен")
    expect(card.get_by_text("••••" + TOKEN[-4:])).to_be_visible()

    # «Проверить подключение»: a test message through Twilio
    card.get_by_label("Номер телефона для проверки").fill("+79161234567")
    card.get_by_role("button", name="Проверить подключение").click()
    card = page.locator("#provider-twilio")
    expect(card.get_by_text("«SMS (Twilio)»: Подключен — провайдер принял сообщение для +79161234567.")
           ).to_be_in_viewport()
    expect(card.locator("[data-status]")).to_have_text("Подключен")
    [sent] = channel_sandbox.messages("twilio")
    assert (sent["to"], sent["from"]) == ("+79161234567", SENDER)

    # no text: the page opens at the empty field, focused
    card.get_by_label("Номер телефона для проверки").fill("+79161234567")
    card.get_by_label("Текст").fill("  ")
    card.get_by_role("button", name="Проверить подключение").click()
    card = page.locator("#provider-twilio")
    expect(card.get_by_text("Напишите текст сообщения.")).to_be_in_viewport()
    expect(card.get_by_label("Текст")).to_be_focused()

    # a refused message: its reason on the card, on screen
    channel_sandbox.set_fault("twilio", "revoked")
    card.get_by_label("Текст").fill("Ещё раз")
    card.get_by_role("button", name="Проверить подключение").click()
    card = page.locator("#provider-twilio")
    expect(card.get_by_text(f"«SMS (Twilio)»: Ошибка: {TWILIO_REJECTED}")).to_be_in_viewport()
    channel_sandbox.set_fault("twilio", "none")
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"channels-connected-{device}.png"), full_page=True)
    assert errors == []
    context.close()


def test_answers_far_down_the_page_are_on_screen(workspace, channel_sandbox, browser, device):
    context, page, errors = _logged_in(browser, device, workspace)
    page.goto(workspace.url + "channels")

    # MAX, the last card: a wrong token re-renders the page at the card's reason, not at the top
    card = page.locator("#provider-max")
    card.get_by_text("Подключить", exact=True).first.click()
    card.get_by_label("Токен бота").fill("WrongToken_" + "0" * 24)
    card.locator("form").get_by_role("button", name="Подключить").click()
    card = page.locator("#provider-max")
    expect(card.get_by_role("alert")).to_be_in_viewport()
    expect(card.get_by_role("alert")).to_be_focused()
    page.screenshot(path=str(ARTIFACTS / f"channels-refused-far-down-{device}.png"))
    card.get_by_label("Токен бота").fill(DEFAULT_MAX)
    card.locator("form").get_by_role("button", name="Подключить").click()
    expect(page.locator("#provider-max-messages")).to_contain_text("подключен: ключи проверены у провайдера.")
    expect(page.locator("#provider-max-messages")).to_be_in_viewport()

    # the first-contact order: a kind twice is refused at the section, then «сохранён» in it
    slots = page.locator("#first-contact select[name=order]")
    slots.nth(0).select_option("email")
    page.locator("#first-contact").get_by_role("button", name="Сохранить").click()
    expect(page.locator("#first-contact-error")).to_contain_text("каждый не больше раза")
    expect(page.locator("#first-contact-error")).to_be_in_viewport()
    expect(page.locator("#first-contact-error")).to_be_focused()
    slots.nth(1).select_option("sms")
    page.locator("#first-contact").get_by_role("button", name="Сохранить").click()
    expect(page.locator("#first-contact-messages")).to_have_text("Порядок каналов для первого сообщения сохранён.")
    expect(page.locator("#first-contact-messages")).to_be_in_viewport()

    # Cal.com: an empty key, then a rejected one, at the field; then connected, the message in the section
    calendar = page.locator("#calendar")
    calendar.get_by_role("button", name="Проверить ключ").click()
    expect(page.locator("#calendar-api-key-error")).to_have_text("Укажите API-ключ Cal.com.")
    expect(page.locator("#calendar-api-key-error")).to_be_in_viewport()
    expect(calendar.get_by_label("API-ключ Cal.com")).to_be_focused()
    calendar.get_by_label("API-ключ Cal.com").fill("cal_live_" + "0" * 32)
    calendar.get_by_role("button", name="Проверить ключ").click()
    expect(page.locator("#calendar-api-key-error")).to_contain_text("Cal.com не принял API-ключ")
    expect(page.locator("#calendar-api-key-error")).to_be_in_viewport()
    calendar.get_by_label("API-ключ Cal.com").fill(DEFAULT_CALCOM)
    calendar.get_by_role("button", name="Проверить ключ").click()
    page.get_by_role("button", name="Подключить").click()
    expect(page.locator("#calendar-messages")).to_contain_text("Cal.com подключен")
    expect(page.locator("#calendar-messages")).to_be_in_viewport()
    expect(calendar.get_by_text("Показать секрет", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"channels-calendar-connected-{device}.png"))
    assert errors == []
    context.close()
