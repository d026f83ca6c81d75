"""Chromium: a client's SMS (posted by the channel sandbox, signed like Twilio, to the live server) shows on the lead's
card as the client's message — also on a card already open, without a reload; the operator answers from the card and
the answer shows as ours — on a phone and on a desktop."""

import re

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from dev.channel_sandbox import DEFAULT_TELEGRAM, DEFAULT_TWILIO
from tenant_apps.channels import services
from tenant_apps.leads.services import create_lead
from tests.conftest import ARTIFACTS, log_in
from tests.test_browser_widget import consent_box, fill_contacts, new_page

SID, TOKEN, SENDER = DEFAULT_TWILIO
PASSWORD = "Операторский-пароль-2026"
PHONE = "+79161234567"


@pytest.fixture
def salon(site, channel_sandbox, eager_tasks, make_user, make_tenant):
    """The workspace, its channels and a lead, made before ``browser`` (no ORM while Playwright's loop runs)."""
    user = make_user("olga@lotos.ru", PASSWORD, full_name="Ольга")
    tenant = make_tenant(owner=user, name="Салон «Лотос»")
    with tenant_context(tenant):
        channel = services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
        services.connect("telegram", {"botToken": DEFAULT_TELEGRAM}, actor=None)
        lead = create_lead(name="Анна Смирнова", phone=PHONE)
        url = services.inbound_url("twilio", channel.inbound_key)
    return tenant, lead, url


def test_the_operator_reads_and_answers_the_conversation_on_the_lead_card(salon, browser, site, channel_sandbox):
    tenant, lead, url = salon
    answer = channel_sandbox.send_inbound("twilio", {"url": url, "from": PHONE, "text": "Можно перенести на субботу?"})
    assert answer["status"] == 200, answer

    workspace = f"http://{tenant.slug}.localhost:{site}"
    page = browser.new_context(viewport={"width": 375, "height": 740}, locale="ru-RU").new_page()
    page.goto(f"{workspace}/leads/{lead.pk}")
    log_in(page, "olga@lotos.ru", PASSWORD)
    expect(page).to_have_url(f"{workspace}/leads/{lead.pk}")
    incoming = page.locator('[data-message="in"]')
    expect(incoming).to_contain_text("Можно перенести на субботу?")
    expect(incoming).to_contain_text("Клиент · SMS")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the lead card scrolls sideways on a phone"

    page.get_by_role("button", name="Отправить").click()
    expect(page.locator("#id_text-error")).to_have_text("Напишите текст сообщения.")
    page.get_by_label("Сообщение").fill("Да, суббота в 12:00 свободна.")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_text("Сообщение отправляется")).to_be_visible()
    # By day the new lead's greeting went out first (at night it waits for the morning): find the reply by its text.
    outgoing = page.locator('[data-message="out"]').filter(has_text="Да, суббота в 12:00 свободна.")
    expect(outgoing).to_contain_text("Мы · SMS · Ольга")
    assert channel_sandbox.messages("twilio")[-1]["text"] == "Да, суббота в 12:00 свободна."
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(ARTIFACTS / "lead-conversation-phone.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    in_box, out_box = incoming.locator("div").first.bounding_box(), outgoing.locator("div").first.bounding_box()
    assert in_box is not None
    assert out_box is not None
    assert in_box["x"] < out_box["x"], "the client's messages sit left of ours"
    page.screenshot(path=str(ARTIFACTS / "lead-conversation-desktop.png"), full_page=True)


def test_a_clients_sms_appears_on_the_open_card_without_a_reload(salon, browser, site, channel_sandbox):
    tenant, lead, url = salon
    workspace = f"http://{tenant.slug}.localhost:{site}"
    context, page, errors = new_page(browser, open_shadow=False, viewport={"width": 375, "height": 740})
    polls: list[int] = []
    page.on("response", lambda response: "/timeline" in response.url and polls.append(response.status))
    page.goto(f"{workspace}/leads/{lead.pk}")
    log_in(page, "olga@lotos.ru", PASSWORD)
    expect(page).to_have_url(f"{workspace}/leads/{lead.pk}")
    expect(page.locator('[data-message="in"]')).to_have_count(0)
    page.get_by_label("Сообщение").fill("Черновик ответа")
    page.wait_for_timeout(4500)  # one poll: the history has not changed, so nothing is sent back
    assert set(polls) == {204}, polls
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads

    answer = channel_sandbox.send_inbound("twilio", {"url": url, "from": PHONE, "text": "А в субботу можно?"})
    assert answer["status"] == 200, answer
    incoming = page.locator('[data-message="in"]')
    expect(incoming).to_contain_text("А в субботу можно?", timeout=10_000)
    expect(incoming).to_contain_text("Клиент · SMS")
    expect(page.locator("#timeline-news")).to_have_text(re.compile(r"^Новое в истории: Получен ответ, \d\d:\d\d\.$"))
    assert page.evaluate("window.loadedOnce") is True, "the card was reloaded"
    expect(page.get_by_label("Сообщение")).to_have_value("Черновик ответа")  # the reply form is left alone
    assert 200 in polls
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "lead-conversation-live-phone.png"), full_page=True)
    context.close()


def test_the_widget_offers_the_telegram_bot_with_the_leads_token(salon, browser, site):
    tenant, _, _ = salon
    context, page, errors = new_page(browser, viewport={"width": 375, "height": 740})
    page.goto(f"http://localhost:{site}/w/{tenant.widget_publication.public_key}/demo")
    page.get_by_role("button", name="Записаться на приём").click()
    dialog = page.get_by_role("dialog")
    fill_contacts(page, name="Пётр")
    consent_box(dialog).check()
    dialog.get_by_role("button", name="Отправить заявку").click()
    link = dialog.get_by_role("link", name="Написать в Telegram")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", re.compile(r"^https://t\.me/fastlead_sandbox_bot\?start=[A-Za-z0-9_-]{16,64}$"))
    expect(link).to_be_focused()
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "widget-messenger-link-phone.png"), full_page=True)
    context.close()
