"""The channel sandbox's webhooks: Telegram's setWebhook as strict as the Bot API (HTTPS, secret_token rules), updates
posted with the secret header; Twilio's inbound SMS signed with the Auth Token."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from dev.channel_sandbox import DEFAULT_TELEGRAM, DEFAULT_TWILIO
from tenant_apps.channels.providers.twilio import valid_signature

SID, TOKEN, SENDER = DEFAULT_TWILIO



@pytest.fixture
def receiver():
    """A loopback HTTP server that keeps what it was posted and answers 200."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()


def _bot(base: str, method: str, **params) -> httpx.Response:
    return httpx.post(f"{base}/telegram/bot{DEFAULT_TELEGRAM}/{method}", json=params)


def test_set_webhook_follows_the_bot_apis_rules(sandbox):
    _, base = sandbox
    refused = _bot(base, "setWebhook", url="http://example.ru/hook")
    assert (refused.status_code, refused.json()["description"]) == (
        400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    too_long = _bot(base, "setWebhook", url="https://example.ru/hook", secret_token="a" * 257)
    assert too_long.json()["description"] == "Bad Request: secret token is too long"
    bad_chars = _bot(base, "setWebhook", url="https://example.ru/hook", secret_token="секрет!")
    assert bad_chars.json()["description"] == "Bad Request: secret token contains unallowed characters"
    assert _bot(base, "getWebhookInfo").json()["result"]["url"] == ""

    assert _bot(base, "setWebhook", url="https://example.ru/hook", secret_token="a" * 256).json() == {
        "ok": True, "result": True, "description": "Webhook was set"}
    info = _bot(base, "getWebhookInfo").json()["result"]
    assert info["url"] == "https://example.ru/hook"
    assert "a" * 256 not in json.dumps(info)  # Telegram never shows the secret back
    assert _bot(base, "setWebhook", url="http://ws.localhost:8000/hook").json()["ok"]  # development: loopback only
    assert _bot(base, "deleteWebhook").json()["description"] == "Webhook was deleted"
    assert _bot(base, "deleteWebhook").json()["description"] == "Webhook is already deleted"
    stranger = httpx.post(f"{base}/telegram/bot7000000001:AAWrong/setWebhook", json={"url": "https://x.ru"})
    assert stranger.status_code == 401


def test_a_telegram_update_carries_the_secret_and_the_chat_may_then_receive(sandbox, receiver):
    server, base = sandbox
    url, received = receiver
    with pytest.raises(ValueError, match="вебхук не установлен"):
        server.send_inbound("telegram", {"from": 777, "text": "Привет"})
    assert _bot(base, "sendMessage", chat_id=777, text="Здравствуйте").json()["description"] == (
        "Bad Request: chat not found")  # a bot cannot write first

    _bot(base, "setWebhook", url=f"{url}/hook", secret_token="s3cret_-")
    assert server.send_inbound("telegram", {"from": 777, "text": "/start abc_123", "first_name": "Анна"}) == {
        "status": 200, "body": ""}
    [update] = received
    assert update["headers"]["X-Telegram-Bot-Api-Secret-Token"] == "s3cret_-"
    message = json.loads(update["body"])["message"]
    assert message["text"] == "/start abc_123"
    assert message["chat"] == {"id": 777, "first_name": "Анна", "type": "private"}
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert _bot(base, "sendMessage", chat_id=777, text="Здравствуйте").json()["ok"]


def test_a_twilio_sms_is_signed_with_the_auth_token(sandbox, receiver):
    server, _ = sandbox
    url, received = receiver
    with pytest.raises(ValueError, match="url"):
        server.send_inbound("twilio", {"from": "+79161234567", "text": "Привет"})
    assert server.send_inbound("twilio", {"url": f"{url}/sms?x=1", "from": "+79161234567", "text": "Привет"})[
        "status"] == 200
    [sms] = received
    form = parse_qs(sms["body"].decode())
    assert (form["From"], form["To"], form["Body"]) == (["+79161234567"], [SENDER], ["Привет"])
    signature = sms["headers"]["X-Twilio-Signature"]
    assert valid_signature(TOKEN, f"{url}/sms?x=1", form, signature)
    assert not valid_signature("0" * 32, f"{url}/sms?x=1", form, signature)
