"""The channel sandbox is as strict as WhatsApp's Cloud API and MAX's Bot API: what a lenient emulator would let
through is refused in the provider's own error format."""

import hashlib
import hmac
import json

import httpx
import pytest

from dev.channel_sandbox import (
    DEFAULT_MAX,
    DEFAULT_WHATSAPP,
    NOT_ON_WHATSAPP,
    STARTED_DIALOG,
    STOPPED_DIALOG,
    WINDOW_OPEN,
)

TOKEN, NUMBER_ID, APP_SECRET = DEFAULT_WHATSAPP
BEARER = {"Authorization": f"Bearer {TOKEN}"}
TEMPLATE = {"name": "hello_lead", "language": {"policy": "deterministic", "code": "ru"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Анна"}]}]}



def _graph_error(response: httpx.Response) -> tuple[int, int]:
    error = response.json()["error"]
    assert {"message", "type", "code", "fbtrace_id"} <= set(error)
    return response.status_code, error["code"]


def _message(to: str, **fields) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **fields}


def test_whatsapp_wants_the_bearer_token_its_number_id_and_a_matching_appsecret_proof(sandbox):
    _, base = sandbox
    number = f"{base}/whatsapp/v26.0/{NUMBER_ID}"
    assert _graph_error(httpx.get(number)) == (400, 104)
    assert _graph_error(httpx.get(number, headers={"Authorization": "Bearer EAAwrong"})) == (401, 190)
    assert _graph_error(httpx.get(number, headers={"Authorization": TOKEN})) == (400, 104)  # no "Bearer"
    other = httpx.get(f"{base}/whatsapp/v26.0/100000000000001", headers=BEARER)
    assert _graph_error(other) == (400, 100)
    assert other.json()["error"]["error_subcode"] == 33
    wrong_proof = httpx.get(number, params={"appsecret_proof": "0" * 64}, headers=BEARER)
    assert _graph_error(wrong_proof) == (400, 100)
    assert "appsecret_proof" in wrong_proof.json()["error"]["message"]
    proof = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    fetched = httpx.get(number, params={"appsecret_proof": proof, "fields": "verified_name"}, headers=BEARER)
    assert fetched.json() == {"id": NUMBER_ID, "verified_name": "Fast Lead Sandbox"}
    assert _graph_error(httpx.get(f"{base}/whatsapp/{NUMBER_ID}", headers=BEARER)) == (400, 2500)


def test_whatsapp_checks_the_message_schema(sandbox):
    server, base = sandbox
    messages = f"{base}/whatsapp/v26.0/{NUMBER_ID}/messages"
    text = {"type": "text", "text": {"body": "Привет"}}
    for body in ({"to": WINDOW_OPEN, **text},  # no messaging_product
                 _message(WINDOW_OPEN, type="text", text={"body": ""}),
                 _message(WINDOW_OPEN, type="text", text={"body": "я" * 4097}),
                 _message(WINDOW_OPEN, type="image", image={"link": "https://example.com/a.png"}),
                 _message(WINDOW_OPEN, recipient_type="broadcast", **text)):
        assert _graph_error(httpx.post(messages, json=body, headers=BEARER)) == (400, 100), body
    assert _graph_error(httpx.post(messages, json=_message("8 916 123", **text), headers=BEARER)) == (400, 100)
    form = httpx.post(messages, data={"messaging_product": "whatsapp", "to": WINDOW_OPEN}, headers=BEARER)
    assert _graph_error(form) == (400, 100)
    assert _graph_error(httpx.post(messages, json=_message(NOT_ON_WHATSAPP, **text), headers=BEARER)) == (400, 131026)
    assert server.messages() == []

    sent = httpx.post(messages, json=_message(WINDOW_OPEN.removeprefix("+"), **text), headers=BEARER)
    assert sent.status_code == 200
    wa_id = WINDOW_OPEN.removeprefix("+")
    assert sent.json()["contacts"] == [{"input": wa_id, "wa_id": wa_id}]
    assert sent.json()["messages"][0]["id"].startswith("wamid.")
    assert [(m["to"], m["text"]) for m in server.messages("whatsapp")] == [(WINDOW_OPEN, "Привет")]


def test_whatsapp_free_text_needs_the_24_hour_window_and_templates_must_be_approved(sandbox):
    server, base = sandbox
    messages = f"{base}/whatsapp/v26.0/{NUMBER_ID}/messages"
    stranger = "+79161234567"
    outside = httpx.post(messages, json=_message(stranger, type="text", text={"body": "Привет"}), headers=BEARER)
    assert _graph_error(outside) == (400, 131047)
    assert "24 hours" in outside.json()["error"]["error_data"]["details"]

    for template, code in (({**TEMPLATE, "name": "no_such_template"}, 132001),
                           ({**TEMPLATE, "name": "summer_sale"}, 132001),  # submitted, not approved
                           ({**TEMPLATE, "language": {"code": "en_US"}}, 132001),
                           ({**TEMPLATE, "components": []}, 132000),
                           ({**TEMPLATE, "components": [{"type": "body", "parameters": [
                               {"type": "text", "text": "Анна"}, {"type": "text", "text": "лишний"}]}]}, 132000)):
        refused = httpx.post(messages, json=_message(stranger, type="template", template=template), headers=BEARER)
        assert refused.json()["error"]["code"] == code, template
    assert server.messages() == []

    template = httpx.post(messages, json=_message(stranger, type="template", template=TEMPLATE), headers=BEARER)
    assert template.status_code == 200
    [sent] = server.messages("whatsapp")
    assert sent["text"] == "Здравствуйте, Анна! Получили вашу заявку. Ответьте на это сообщение — продолжим здесь."

    # The person writes back: Meta posts a signed webhook, and free text reaches them for 24 hours.
    webhook = server.providers["whatsapp"].inbound({"url": "https://example.com/hook", "from": stranger,
                                                    "text": "Здравствуйте!"})
    expected = "sha256=" + hmac.new(APP_SECRET.encode(), webhook.body, hashlib.sha256).hexdigest()
    assert webhook.headers["X-Hub-Signature-256"] == expected
    assert webhook.body.isascii()
    value = json.loads(webhook.body)["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == NUMBER_ID
    assert value["messages"][0]["text"] == {"body": "Здравствуйте!"}
    inside = httpx.post(messages, json=_message(stranger, type="text", text={"body": "Ответ"}), headers=BEARER)
    assert inside.status_code == 200


def test_whatsapp_faults_use_graph_error_bodies(sandbox):
    server, base = sandbox
    number = f"{base}/whatsapp/v26.0/{NUMBER_ID}"
    server.set_fault("whatsapp", "rate_limit")
    assert _graph_error(httpx.get(number, headers=BEARER)) == (429, 130429)
    server.set_fault("whatsapp", "revoked")
    assert _graph_error(httpx.get(number, headers=BEARER)) == (401, 190)
    server.set_fault("whatsapp", "http_500")
    assert httpx.get(number, headers=BEARER).status_code == 500


def test_max_wants_the_raw_token_in_the_header_never_in_the_query(sandbox):
    _, base = sandbox
    invalid = {"code": "verify.token", "message": "Invalid access_token"}
    for kwargs in ({}, {"params": {"access_token": DEFAULT_MAX}},
                   {"headers": {"Authorization": f"Bearer {DEFAULT_MAX}"}},
                   {"params": {"access_token": DEFAULT_MAX}, "headers": {"Authorization": DEFAULT_MAX}}):
        refused = httpx.get(f"{base}/max/me", **kwargs)
        assert (refused.status_code, refused.json()) == (401, invalid), kwargs
    me = httpx.get(f"{base}/max/me", headers={"Authorization": DEFAULT_MAX}).json()
    assert (me["is_bot"], me["username"]) == (True, "fastlead_sandbox_bot")


def test_max_sends_only_to_dialogs_that_started_the_bot(sandbox):
    server, base = sandbox
    auth = {"Authorization": DEFAULT_MAX}
    messages = f"{base}/max/messages"
    text = {"text": "Привет"}
    both = httpx.post(messages, params={"chat_id": STARTED_DIALOG, "user_id": 1}, json=text, headers=auth)
    assert (both.status_code, both.json()["code"]) == (400, "proto.payload")
    assert httpx.post(messages, json=text, headers=auth).status_code == 400
    too_long = httpx.post(messages, params={"chat_id": STARTED_DIALOG}, json={"text": "я" * 4001}, headers=auth)
    assert too_long.status_code == 400
    unknown = httpx.post(messages, params={"chat_id": 777000777}, json=text, headers=auth)
    assert (unknown.status_code, set(unknown.json())) == (404, {"code", "message"})
    assert httpx.post(messages, params={"chat_id": STOPPED_DIALOG}, json=text, headers=auth).status_code == 403
    assert server.messages() == []

    sent = httpx.post(messages, params={"chat_id": STARTED_DIALOG}, json=text, headers=auth)
    assert sent.status_code == 200
    assert sent.json()["message"]["body"]["text"] == "Привет"
    assert [(m["to"], m["text"]) for m in server.messages("max")] == [(str(STARTED_DIALOG), "Привет")]


def test_max_webhooks_need_a_subscription_and_carry_its_secret(sandbox):
    server, base = sandbox
    auth = {"Authorization": DEFAULT_MAX}
    subscriptions = f"{base}/max/subscriptions"
    with pytest.raises(ValueError, match="не подписан"):
        server.providers["max"].inbound({"start": "lead_1"})
    for body in ({"url": "http://example.com/hook", "secret": "secret-123"},  # HTTPS only
                 {"url": "https://example.com/hook", "secret": "abc"},  # 5–256 characters
                 {"url": "https://example.com/hook", "secret": "with space"},
                 {"url": "https://example.com/hook", "update_types": ["no_such_update"]}):
        assert httpx.post(subscriptions, json=body, headers=auth).status_code == 400, body
    subscribe = {"url": "https://example.com/hook", "secret": "secret-123",
                 "update_types": ["bot_started", "message_created"]}
    assert httpx.post(subscriptions, json=subscribe, headers=auth).json() == {"success": True}
    [listed] = httpx.get(subscriptions, headers=auth).json()["subscriptions"]
    assert listed["url"] == "https://example.com/hook"
    assert "secret" not in listed

    with pytest.raises(ValueError, match="ещё не открывал"):
        server.providers["max"].inbound({"from": 42, "text": "Привет"})  # writes without starting the bot
    started = server.providers["max"].inbound({"from": 42, "start": "lead_1"})
    assert started.url == "https://example.com/hook"
    assert started.headers["X-Max-Bot-Api-Secret"] == "secret-123"
    update = json.loads(started.body)
    assert (update["update_type"], update["payload"], update["user"]["user_id"]) == ("bot_started", "lead_1", 42)
    dropped = json.loads(server.providers["max"].inbound({"from": 43, "start": "x" * 129}).body)
    assert "payload" not in dropped  # MAX drops payloads over 128 characters
    written = json.loads(server.providers["max"].inbound({"from": 42, "text": "Привет"}).body)
    assert written["message"]["recipient"]["chat_id"] == update["chat_id"]
    reply = httpx.post(f"{base}/max/messages", params={"chat_id": update["chat_id"]}, json={"text": "Здравствуйте"},
                       headers=auth)
    assert reply.status_code == 200
