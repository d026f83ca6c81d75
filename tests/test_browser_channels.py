"""Chromium, phone and desktop — scenario 3: Каналы → SMS (Twilio) → a wrong key shows Twilio's reason in Russian
→ the sandbox's key → connected → «Проверить подключение» → «Подключен», the message reaching the sandbox."""

import pytest
from playwright.sync_api import expect

from dev.channel_sandbox import DEFAULT_TWILIO
from tests.conftest import ARTIFACTS, DEVICES, log_in

SID, TOKEN, SENDER = DEFAULT_TWILIO
ADMIN_EMAIL, ADMIN_PASSWORD = "olga@romashka.ru", "Пароль-Ромашки-2026"
TWILIO_REJECTED = ("Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio "
                   "(или аккаунт приостановлен).")


@pytest.fixture
def workspace(site, make_user, make_tenant, channel_sandbox):
    admin = make_user(ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Ольга Иванова")
    return make_tenant(owner=admin, name="Кофейня «Ромашка»")


def test_scenario_3_connect_twilio_and_check_the_connection(workspace, channel_sandbox, browser, device):
    context = browser.new_context(locale="ru-RU", **DEVICES[device])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(workspace.url)
    log_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(page).to_have_url(workspace.url)

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
    expect(card.get_by_text("Не подключен")).to_be_visible()
    expect(card.get_by_label("Account SID")).to_have_value(SID)  # typed values stay, the secret does not
    expect(card.get_by_label("Auth Token")).to_have_value("")
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"channels-wrong-key-{device}.png"), full_page=True)

    # the sandbox's key: connected
    card.get_by_label("Auth Token").fill(TOKEN)
    card.locator("form").get_by_role("button", name="Подключить").click()
    expect(page.get_by_text("«SMS (Twilio)» подключен: ключи проверены у провайдера.")).to_be_visible()
    card = page.locator("#provider-twilio")
    expect(card.locator("[data-status]")).to_have_text("Подключен")
    expect(card.get_by_text("••••" + TOKEN[-4:])).to_be_visible()

    # «Проверить подключение»: a test message through Twilio
    card.get_by_label("Номер телефона для проверки").fill("+79161234567")
    card.get_by_role("button", name="Проверить подключение").click()
    expect(page.get_by_text("«SMS (Twilio)»: Подключен — провайдер принял сообщение для +79161234567.")).to_be_visible()
    expect(page.locator("#provider-twilio [data-status]")).to_have_text("Подключен")
    [sent] = channel_sandbox.messages("twilio")
    assert (sent["to"], sent["from"]) == ("+79161234567", SENDER)
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[device]["viewport"]["width"]
    page.screenshot(path=str(ARTIFACTS / f"channels-connected-{device}.png"), full_page=True)
    assert errors == []
    context.close()
