"""The channel sandbox is as strict as Twilio and Telegram: what a lenient emulator would let through is refused
with the provider's own error body."""

import httpx
import pytest
from django.core.management import CommandError, call_command

from dev.channel_sandbox import DEFAULT_TELEGRAM, DEFAULT_TWILIO

SID, TOKEN, SENDER = DEFAULT_TWILIO



def test_twilio_wants_basic_auth_of_the_sid_in_the_path_and_a_form_body(sandbox):
    server, base = sandbox
    messages = f"{base}/twilio/2010-04-01/Accounts/{SID}/Messages.json"
    form = {"To": "+79161234567", "From": SENDER, "Body": "Привет"}

    no_auth = httpx.post(messages, data=form)
    assert (no_auth.status_code, no_auth.json()) == (401, {
        "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401})
    other_sid = "AC" + "1" * 32
    assert httpx.post(messages.replace(SID, other_sid), data=form, auth=(other_sid, TOKEN)).status_code == 401
    assert httpx.post(messages, json=form, auth=(SID, TOKEN)).json()["code"] == 20001  # JSON is not accepted
    bad_to = httpx.post(messages, data={**form, "To": "89161234567"}, auth=(SID, TOKEN))
    assert bad_to.status_code == 400
    assert bad_to.json()["message"] == "The 'To' number 89161234567 is not a valid phone number."
    assert httpx.post(messages, data={**form, "From": "+15550000000"}, auth=(SID, TOKEN)).json()["code"] == 21606
    assert server.messages() == []

    sent = httpx.post(messages, data=form, auth=(SID, TOKEN))
    assert sent.status_code == 201
    assert sent.json()["status"] == "queued"
    assert server.messages("twilio") == [{"provider": "twilio", "id": sent.json()["sid"], "to": "+79161234567",
                                          "from": SENDER, "text": "Привет"}]
    assert httpx.get(f"{base}/_sandbox/messages").json()["messages"] == server.messages()


def test_telegram_wants_the_token_in_the_path_and_a_chat_that_started_the_bot(sandbox):
    server, base = sandbox
    assert httpx.get(f"{base}/telegram/bot{DEFAULT_TELEGRAM}/getMe").json()["result"]["is_bot"] is True
    wrong = httpx.get(f"{base}/telegram/bot123:{'x' * 35}/getMe")
    assert (wrong.status_code, wrong.json()) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    unknown = httpx.post(f"{base}/telegram/bot{DEFAULT_TELEGRAM}/sendMessage", json={"chat_id": 5, "text": "Привет"})
    assert unknown.json()["description"] == "Bad Request: chat not found"
    assert httpx.post(f"{base}/telegram/bot{DEFAULT_TELEGRAM}/sendMesage", json={}).status_code == 404
    assert server.messages() == []


def test_switches_answer_as_the_providers_do_and_count_down(sandbox):
    server, base = sandbox
    get_me = f"{base}/telegram/bot{DEFAULT_TELEGRAM}/getMe"
    assert httpx.post(f"{base}/_sandbox/faults", json={"provider": "telegram", "mode": "rate_limit",
                                                       "times": 2}).status_code == 200
    limited = httpx.get(get_me)
    assert (limited.status_code, limited.json()["parameters"]) == (429, {"retry_after": 5})
    assert httpx.get(get_me).status_code == 429
    assert httpx.get(get_me).status_code == 200
    server.set_fault("telegram", "revoked")
    assert [httpx.get(get_me).status_code for _ in range(3)] == [401, 401, 401]
    server.set_fault("telegram", "none")
    assert httpx.get(get_me).status_code == 200
    refused = httpx.post(f"{base}/_sandbox/faults", json={"provider": "pigeon", "mode": "http_500"})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("provider — одно из: twilio, telegram")


def test_the_command_refuses_production(settings):
    settings.APP_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("run_channel_sandbox", "--port", "0")
