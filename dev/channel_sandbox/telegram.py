"""The Telegram Bot API as the sandbox speaks it: getMe, sendMessage and setWebhook/getWebhookInfo/deleteWebhook at
``/bot<token>/<method>`` (reference §6); :meth:`Telegram.inbound` posts a person's update to the webhook.

Chats: :data:`STARTED_CHAT` has started the bot and receives messages, so does every chat that wrote to the bot
through :meth:`Telegram.inbound`; :data:`BLOCKED_CHAT` blocked it, every other id is unknown
(``Bad Request: chat not found``) — a bot cannot write first.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from dev.channel_sandbox.base import Answer, Provider, Request, Webhook

STARTED_CHAT = 111000111
BLOCKED_CHAT = 222000222
MAX_TEXT = 4096
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")
MAX_SECRET_TOKEN = 256
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def error(status: int, description: str, parameters: dict | None = None) -> tuple[int, dict]:
    body: dict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


UNAUTHORIZED = error(HTTPStatus.UNAUTHORIZED, "Unauthorized")
SERVER_ERROR = error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")


def too_many(retry_after: int) -> tuple[int, dict]:
    return error(HTTPStatus.TOO_MANY_REQUESTS, f"Too Many Requests: retry after {retry_after}",
                 {"retry_after": retry_after})


class Telegram(Provider):
    name = "telegram"

    def __init__(self, token: str, username: str = "fastlead_sandbox_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self._message_id = 0
        self._update_id = 0
        self.webhook: dict = {}  # setWebhook's url, secret_token, allowed_updates, max_connections
        self.started: set[int] = {STARTED_CHAT}  # chats whose user has written to the bot

    def fault(self, mode: str) -> Answer:
        if mode == "revoked":
            return Answer(*UNAUTHORIZED)
        return Answer(*(SERVER_ERROR if mode == "http_500" else too_many(5)))

    def handle(self, request: Request) -> Answer:
        """``/bot<token>/<method>``: an unknown token is 401 whatever the method."""
        token, _, method = request.path.removeprefix("/bot").partition("/")
        if not request.path.startswith("/bot") or not secrets.compare_digest(token, self.token):
            return Answer(*UNAUTHORIZED)
        params = self._params(request)
        if params is None:
            return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: can't parse JSON"))
        if method == "getMe":
            return Answer(HTTPStatus.OK, {"ok": True, "result": {
                "id": self.bot_id, "is_bot": True, "first_name": "Fast Lead", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
            }})
        if method == "sendMessage":
            return self._send_message(params)
        if method == "setWebhook":
            return self._set_webhook(params)
        if method == "deleteWebhook":
            description = "Webhook was deleted" if self.webhook else "Webhook is already deleted"
            self.webhook = {}
            return Answer(HTTPStatus.OK, {"ok": True, "result": True, "description": description})
        if method == "getWebhookInfo":
            info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
            if self.webhook:
                info.update(max_connections=self.webhook["max_connections"],
                            allowed_updates=self.webhook["allowed_updates"])
            return Answer(HTTPStatus.OK, {"ok": True, "result": info})
        return Answer(*error(HTTPStatus.NOT_FOUND, "Not Found: method not found"))

    @staticmethod
    def _params(request: Request) -> dict | None:
        """Parameters as the Bot API takes them: query string, form or JSON (multipart is not emulated)."""
        params: dict = {key: values[0] for key, values in parse_qs(request.query).items()}
        try:
            if request.content_type == "application/json" and request.body:
                body = json.loads(request.body)
                if not isinstance(body, dict):
                    return None
                params.update(body)
            elif request.body:
                params.update({key: values[0] for key, values in parse_qs(request.body.decode()).items()})
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        return params

    def _send_message(self, params: dict) -> Answer:
        chat_id, text = params.get("chat_id"), params.get("text")
        if chat_id in (None, ""):
            return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: chat_id is empty"))
        if not isinstance(text, str) or not text.strip():
            return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: message text is empty"))
        if len(text) > MAX_TEXT:
            return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: message is too long"))
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: chat not found"))
        if chat == BLOCKED_CHAT:
            return Answer(*error(HTTPStatus.FORBIDDEN, "Forbidden: bot was blocked by the user"))
        if chat not in self.started:
            return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: chat not found"))
        self._message_id += 1
        message = {"message_id": self._message_id, "date": int(time.time()), "text": text,
                   "from": {"id": self.bot_id, "is_bot": True, "first_name": "Fast Lead", "username": self.username},
                   "chat": {"id": chat, "first_name": "Иван", "type": "private"}}
        return Answer(HTTPStatus.OK, {"ok": True, "result": message}, {
            "provider": "telegram", "id": str(self._message_id), "to": str(chat), "from": self.username, "text": text})

    def _set_webhook(self, params: dict) -> Answer:
        """An empty ``url`` removes the webhook. HTTPS only, except loopback hosts: the sandbox can reach nothing
        else, and a development workspace is served over HTTP."""
        url, secret = str(params.get("url") or ""), params.get("secret_token")
        if not url:
            self.webhook = {}
            return Answer(HTTPStatus.OK, {"ok": True, "result": True, "description": "Webhook was deleted"})
        parts = urlsplit(url)
        host = parts.hostname or ""
        loopback = host in LOOPBACK_HOSTS or host.endswith(".localhost")
        if not host or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
            return Answer(*error(HTTPStatus.BAD_REQUEST,
                                 "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"))
        if secret is not None:
            if not isinstance(secret, str) or len(secret) > MAX_SECRET_TOKEN:
                return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: secret token is too long"))
            if not SECRET_TOKEN.fullmatch(secret):
                return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: secret token contains unallowed characters"))
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            try:
                allowed = json.loads(allowed)
            except json.JSONDecodeError:
                return Answer(*error(HTTPStatus.BAD_REQUEST, "Bad Request: can't parse allowed updates JSON object"))
        try:
            connections = int(params.get("max_connections") or 40)
        except (TypeError, ValueError):
            connections = 40
        self.webhook = {"url": url, "secret_token": secret or "", "allowed_updates": allowed or [],
                        "max_connections": min(max(connections, 1), 100)}
        return Answer(HTTPStatus.OK, {"ok": True, "result": True, "description": "Webhook was set"})

    def inbound(self, params: dict) -> Webhook:
        """A private message from ``params["from"]`` (a chat id) with ``text`` (``/start <payload>`` after a deep
        link) posted to the webhook set by setWebhook; the chat may receive the bot's messages from then on."""
        if not self.webhook:
            raise ValueError("telegram: вебхук не установлен (setWebhook).")
        try:
            chat = int(params.get("from", ""))
        except (TypeError, ValueError):
            raise ValueError("telegram: from — числовой id чата.") from None
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise ValueError("telegram: text — непустая строка.")
        first_name = str(params.get("first_name") or "Иван")
        self.started.add(chat)
        self._update_id += 1
        self._message_id += 1
        person = {"id": chat, "is_bot": False, "first_name": first_name, "language_code": "ru"}
        message: dict = {"message_id": self._message_id, "date": int(time.time()), "from": person,
                         "chat": {"id": chat, "first_name": first_name, "type": "private"}, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        headers = {"Content-Type": "application/json"}
        if self.webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        body = json.dumps({"update_id": self._update_id, "message": message}, ensure_ascii=False).encode()
        return Webhook(self.webhook["url"], body, headers)
