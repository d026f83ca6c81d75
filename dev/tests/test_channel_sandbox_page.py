"""The channel sandbox's page at /_sandbox/: sent messages, an inbound message injected by a form, fault switches."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx

from dev.channel_sandbox import DEFAULT_TWILIO

SID, TOKEN, SENDER = DEFAULT_TWILIO



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
