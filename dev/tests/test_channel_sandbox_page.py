"""The channel sandbox's page at /_sandbox/: sent messages (cards on a phone), an inbound message or a Cal.com
booking injected by a form, fault switches."""

import re
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from dev.channel_sandbox import DEFAULT_TWILIO
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

SID, TOKEN, SENDER = DEFAULT_TWILIO
BOOKING_PAGE = ("https://cal.com/fastlead-sandbox/konsultaciya?name=%D0%90%D0%BD%D0%BD%D0%B0&email=anna%40example.ru"
                "&metadata%5BleadId%5D=7&metadata%5BleadToken%5D=t0ken")


def _result(response: httpx.Response) -> str:
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/_sandbox/"
    return parse_qs(location.query)["result"][0]


def test_the_page_lists_sent_messages_escaped_and_refreshes_them_by_its_nonce_script(sandbox):
    _, base = sandbox
    empty = httpx.get(f"{base}/_sandbox/")
    assert empty.status_code == 200
    assert empty.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Пока ничего не отправлено." in empty.text

    httpx.post(f"{base}/twilio/2010-04-01/Accounts/{SID}/Messages.json", auth=(SID, TOKEN),
               data={"To": "+79161234567", "From": SENDER, "Body": "<b>Здравствуйте</b>"}).raise_for_status()
    page = httpx.get(f"{base}/_sandbox/")
    assert "&lt;b&gt;Здравствуйте&lt;/b&gt;" in page.text
    assert "<b>Здравствуйте</b>" not in page.text
    assert "+79161234567" in page.text
    nonce = re.search(r"script-src 'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in page.text
    assert "http" not in page.text.split("<script")[0].split("<main>")[0]  # no external assets
    assert httpx.get(f"{base}/_sandbox/").headers["Content-Security-Policy"] != page.headers["Content-Security-Policy"]
    for name in ("twilio", "telegram"):
        assert f'name="provider" value="{name}"' in page.text  # a fault switch per provider


def test_fault_switches_on_the_page_work_like_the_json_api(sandbox):
    server, base = sandbox
    result = _result(httpx.post(f"{base}/_sandbox/faults", data={"provider": "twilio", "mode": "rate_limit",
                                                                   "times": "2"}))
    assert result == "twilio: 429 (лимит)."
    assert server.switches() == {"twilio": {"mode": "rate_limit", "times": 2}}
    assert "429 (лимит) × 2" in httpx.get(f"{base}/_sandbox/").text
    refused = _result(httpx.post(f"{base}/_sandbox/faults", data={"provider": "pigeon", "mode": "none"}))
    assert refused.startswith("Не получилось: provider — одно из:")
    assert httpx.post(f"{base}/_sandbox/faults", json={"provider": "twilio", "mode": "none"}).json() == {}
    assert _result(httpx.post(f"{base}/_sandbox/reset", data={"all": "1"})) == "Сообщения и переключатели сброшены."


def test_an_inbound_message_from_the_page_is_delivered_as_the_providers_webhook(sandbox):
    _, base = sandbox
    hook = f"{base}/_sandbox/nowhere"  # answers 404: the outcome is the answer of the app at that address
    result = _result(httpx.post(f"{base}/_sandbox/inbound", data={
        "provider": "twilio", "from": "+79161234567", "text": "Да, удобно", "url": hook}))
    assert result.startswith("twilio: вебхук доставлен, приложение ответило 404.")
    bad = _result(httpx.post(f"{base}/_sandbox/inbound", data={"provider": "twilio", "from": "8916", "text": "Да",
                                                               "url": hook}))
    assert bad == "Не получилось: twilio: from — номер отправителя в формате E.164."
    page = httpx.get(f"{base}/_sandbox/", params={"result": "<i>x</i>"})
    assert "&lt;i&gt;x&lt;/i&gt;" in page.text


def test_the_message_form_starts_with_sms_and_cal_com_has_its_own_form(sandbox):
    _, base = sandbox
    page = httpx.get(f"{base}/_sandbox/").text
    message_form = page.split('action="/_sandbox/inbound"')[1].split("</form>")[0]
    providers = re.findall(r'<option value="([a-z]+)"', message_form)
    assert providers[0] == "twilio"  # what a new page sends: a client's SMS
    assert set(providers) == {"twilio", "telegram", "whatsapp", "max", "sendgrid", "ses"}  # those with inbound
    assert "E-mail (SendGrid Inbound Parse): адрес клиента" in message_form

    booking_form = page.split('action="/_sandbox/inbound"')[2].split("</form>")[0]
    assert '<input type="hidden" name="provider" value="calcom">' in booking_form
    assert re.findall(r'<option value="([A-Z_]+)"', booking_form) == ["BOOKING_CREATED", "BOOKING_RESCHEDULED",
                                                                       "BOOKING_CANCELLED"]
    start = re.search(r'id="cal-start" name="start"\s+value="([^"]+)"', booking_form).group(1)
    assert datetime.fromisoformat(start).tzinfo is not None  # the sandbox's own format rule for start


@pytest.fixture
def short_links():
    """A workspace's short booking links: /b/good redirects to the prefilled Cal.com page, others are 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path == "/b/good"
            self.send_response(302 if found else 404)
            if found:
                self.send_header("Location", BOOKING_PAGE)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_booking_from_the_page_follows_the_short_link_of_the_message(sandbox, short_links):
    _, base = sandbox
    hook = f"{base}/_sandbox/nowhere"
    form = {"provider": "calcom", "url": hook, "secret": "s3cret", "start": "2026-05-03T10:00:00+03:00"}
    booked = _result(httpx.post(f"{base}/_sandbox/inbound", data={**form, "bookingUrl": f"{short_links}/b/good"}))
    assert booked.startswith("calcom: вебхук доставлен, приложение ответило 404.")
    assert _result(httpx.post(f"{base}/_sandbox/inbound", data={**form, "bookingUrl": BOOKING_PAGE})) \
        .startswith("calcom: вебхук доставлен")
    gone = _result(httpx.post(f"{base}/_sandbox/inbound", data={**form, "bookingUrl": f"{short_links}/b/gone"}))
    assert gone == "Не получилось: bookingUrl — короткая ссылка не открылась: HTTP 404."


def test_on_a_phone_the_messages_are_readable_cards(sandbox):
    server, base = sandbox
    text = "Здравствуйте, Анна! Клиника «Улыбка»: получили вашу заявку, свяжемся сегодня с 09:00. " * 2
    send = {"To": "+79161234567", "From": SENDER, "Body": text}
    httpx.post(f"{base}/twilio/2010-04-01/Accounts/{SID}/Messages.json", auth=(SID, TOKEN), data=send) \
        .raise_for_status()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 740})
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(f"{base}/_sandbox/")
        cell = page.locator("#messages td.text").first
        expect(cell).to_contain_text("получили вашу заявку")
        box = cell.bounding_box()
        assert box is not None
        assert box["width"] > 300, f"the text is squeezed to {box['width']} px"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        expect(page.locator("#messages td").first).to_have_attribute("data-label", "Провайдер")
        assert page.locator("#in-provider").input_value() == "twilio"

        send["Body"] = "Второе сообщение"
        httpx.post(f"{base}/twilio/2010-04-01/Accounts/{SID}/Messages.json", auth=(SID, TOKEN), data=send) \
            .raise_for_status()
        expect(page.locator("#messages tr").first).to_contain_text("Второе сообщение", timeout=10_000)  # script
        expect(page.locator("#messages tr").first.locator("td.text")).to_have_attribute("data-label", "Текст")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "channel-sandbox-phone.png"), full_page=True)
        browser.close()
    assert errors == []
    assert len(server.messages()) == 2
