"""The MAX Bot API as the sandbox speaks it: ``/me``, ``/messages`` and ``/subscriptions`` (reference §8, §10).

As strict as MAX: the raw token in ``Authorization`` (a token in the query or with ``Bearer`` is refused as
``{"code": "verify.token", "message": "Invalid access_token"}``, 401), exactly one of ``chat_id``/``user_id``,
``NewMessageBody`` JSON with text ≤ 4000 characters, errors ``{"code", "message"}``.

A bot cannot write first: only :data:`STARTED_DIALOG` (its user :data:`STARTED_USER` started the bot) and dialogs of
users who started it through ``inbound`` receive; :data:`STOPPED_DIALOG` stopped the bot (403); others are unknown
(404). Webhooks go to the subscribed URL with the subscription's secret in ``X-Max-Bot-Api-Secret``.
Not emulated: the 2 messages/s per chat pacing (MAX queues, it does not refuse) and the source IP allow-list.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from dev.channel_sandbox.base import Answer, Provider, Request, Webhook

DEFAULT_MAX = "f9LHodD0cOFastLeadSandboxMaxBotToken_0123456789"
STARTED_USER = 123456789
STARTED_DIALOG = 182182182
STOPPED_DIALOG = 183183183
MAX_TEXT = 4000
MAX_PAYLOAD = 128  # longer deep-link payloads are dropped, not passed to the bot
SECRET = re.compile(r"[A-Za-z0-9_-]{5,256}")
UPDATE_TYPES = {"message_created", "message_callback", "message_edited", "message_removed", "bot_added",
                "bot_removed", "bot_started", "bot_stopped", "user_added", "user_removed", "chat_title_changed",
                "dialog_cleared", "dialog_muted", "dialog_unmuted", "dialog_removed"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"code": code, "message": message})


def invalid_token() -> Answer:
    return error(HTTPStatus.UNAUTHORIZED, "verify.token", "Invalid access_token")


class Max(Provider):
    name = "max"

    def __init__(self, token: str = DEFAULT_MAX, username: str = "fastlead_sandbox_bot") -> None:
        self.token = token
        self.username = username
        self.bot_id = 900000001
        self._dialogs: dict[int, int] = {STARTED_USER: STARTED_DIALOG}  # user id → dialog chat id
        self._subscription: dict | None = None

    def fault(self, mode: str) -> Answer:
        if mode == "revoked":
            return invalid_token()
        if mode == "rate_limit":
            return Answer(HTTPStatus.TOO_MANY_REQUESTS, {"code": "too.many.requests", "message": "Too many requests"},
                          headers={"Retry-After": "1"})
        return error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal.error", "Internal server error")

    def handle(self, request: Request) -> Answer:
        query = parse_qs(request.query)
        token = request.headers.get("Authorization", "")
        if "access_token" in query or not secrets.compare_digest(token, self.token):
            return invalid_token()
        route = (request.method, request.path)
        if route == ("GET", "/me"):
            return Answer(HTTPStatus.OK, {"user_id": self.bot_id, "first_name": "Fast Lead", "last_name": None,
                                          "username": self.username, "is_bot": True,
                                          "last_activity_time": int(time.time() * 1000), "name": "Fast Lead"})
        if route == ("POST", "/messages"):
            return self._send(query, request)
        if route == ("POST", "/subscriptions"):
            return self._subscribe(request)
        if route == ("GET", "/subscriptions"):
            return Answer(HTTPStatus.OK, {"subscriptions": [
                {key: self._subscription[key] for key in ("url", "time", "update_types", "version")}
            ] if self._subscription else []})
        if route == ("DELETE", "/subscriptions"):
            if self._subscription and query.get("url", [""])[0] == self._subscription["url"]:
                self._subscription = None
            return Answer(HTTPStatus.OK, {"success": True})
        if request.path in ("/me", "/messages", "/subscriptions"):
            return error(HTTPStatus.METHOD_NOT_ALLOWED, "method.not.allowed", "Method is not allowed")
        return error(HTTPStatus.NOT_FOUND, "not.found", f"Path {request.path} is not recognized")

    def _json(self, request: Request) -> dict | None:
        if request.content_type != "application/json":
            return None
        try:
            body = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _send(self, query: dict[str, list[str]], request: Request) -> Answer:
        targets = [name for name in ("chat_id", "user_id") if name in query]
        if len(targets) != 1 or not re.fullmatch(r"-?\d{1,20}", query[targets[0]][0]):
            return error(HTTPStatus.BAD_REQUEST, "proto.payload", "Exactly one of chat_id or user_id is required")
        body = self._json(request)
        if body is None:
            return error(HTTPStatus.BAD_REQUEST, "proto.payload", "Request body must be NewMessageBody JSON")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return error(HTTPStatus.BAD_REQUEST, "proto.payload", "Message text or attachments are required")
        if len(text) > MAX_TEXT:
            return error(HTTPStatus.BAD_REQUEST, "proto.payload", f"text: size must be between 0 and {MAX_TEXT}")
        target = int(query[targets[0]][0])
        chat = target if targets[0] == "chat_id" else self._dialogs.get(target)
        if chat == STOPPED_DIALOG:
            return error(HTTPStatus.FORBIDDEN, "chat.denied", "error.dialog.suspended: bot was stopped by the user")
        if chat is None or chat not in self._dialogs.values():
            return error(HTTPStatus.NOT_FOUND, "chat.not.found", f"Chat {target} not found")
        mid = "mid." + secrets.token_hex(16)
        user = next(user for user, dialog in self._dialogs.items() if dialog == chat)
        message = {"sender": {"user_id": self.bot_id, "first_name": "Fast Lead", "username": self.username,
                              "is_bot": True, "name": "Fast Lead"},
                   "recipient": {"chat_id": chat, "chat_type": "dialog", "user_id": user},
                   "timestamp": int(time.time() * 1000), "body": {"mid": mid, "seq": secrets.randbits(52),
                                                                 "text": text}}
        return Answer(HTTPStatus.OK, {"message": message},
                      {"provider": "max", "id": mid, "to": str(chat), "from": self.username, "text": text})

    def _subscribe(self, request: Request) -> Answer:
        body = self._json(request)
        if body is None:
            return error(HTTPStatus.BAD_REQUEST, "proto.payload", "Request body must be SubscriptionRequestBody JSON")
        url, secret = body.get("url"), body.get("secret")
        parts = urlsplit(url) if isinstance(url, str) else None
        # MAX takes HTTPS only; the sandbox also takes plain HTTP to loopback, where tests and `make run` listen.
        host = (parts.hostname or "") if parts else ""
        loopback = host in LOOPBACK_HOSTS or host.endswith(".localhost")
        if not host or not (parts and (parts.scheme == "https" or (parts.scheme == "http" and loopback))):
            return error(HTTPStatus.BAD_REQUEST, "proto.payload", "url: must be a valid HTTPS URL")
        if secret is not None and (not isinstance(secret, str) or not SECRET.fullmatch(secret)):
            return error(HTTPStatus.BAD_REQUEST, "proto.payload",
                         "secret: must be 5-256 characters of A-Z, a-z, 0-9, '_' and '-'")
        types = body.get("update_types")
        if types is not None and (not isinstance(types, list) or not set(types) <= UPDATE_TYPES):
            return error(HTTPStatus.BAD_REQUEST, "proto.payload", "update_types: unknown update type")
        self._subscription = {"url": url, "secret": secret, "update_types": types or sorted(UPDATE_TYPES),
                              "version": str(body.get("version") or "1.2.5"), "time": int(time.time() * 1000)}
        return Answer(HTTPStatus.OK, {"success": True})

    def inbound(self, params: dict) -> Webhook:
        """``bot_started`` (with ``params["start"]`` as the deep link's payload) or ``message_created`` with
        ``params["text"]`` from user ``params["from"]`` (a user id; default :data:`STARTED_USER`), posted to the
        subscribed URL. A user who starts the bot gets a dialog the bot may then write to."""
        if self._subscription is None:
            raise ValueError("max: бот не подписан на вебхук (POST /subscriptions).")
        try:
            user = int(params.get("from") or STARTED_USER)
        except (TypeError, ValueError) as exc:
            raise ValueError("from — числовой id пользователя MAX.") from exc
        name = str(params.get("name") or "Иван Петров")
        person = {"user_id": user, "first_name": name.split()[0], "last_name": " ".join(name.split()[1:]) or None,
                  "is_bot": False, "last_activity_time": int(time.time() * 1000), "name": name}
        starting = "start" in params
        if not starting and user not in self._dialogs:
            raise ValueError("Пользователь ещё не открывал бота: сначала пришлите bot_started (параметр start).")
        chat = self._dialogs.setdefault(user, 190000000 + len(self._dialogs))
        now = int(time.time() * 1000)
        update_type = "bot_started" if starting else "message_created"
        if update_type not in self._subscription["update_types"]:
            raise ValueError(f"Подписка не включает {update_type}.")
        if starting:
            update: dict = {"update_type": "bot_started", "timestamp": now, "chat_id": chat, "user_id": user,
                            "user": person, "user_locale": "ru"}
            payload = str(params["start"] or "")
            if payload and len(payload) <= MAX_PAYLOAD:
                update["payload"] = payload
        else:
            text = params.get("text")
            if not isinstance(text, str) or not text:
                raise ValueError("text — непустой текст сообщения.")
            update = {"update_type": "message_created", "timestamp": now, "user_locale": "ru", "message": {
                "sender": person, "recipient": {"chat_id": chat, "chat_type": "dialog", "user_id": self.bot_id},
                "timestamp": now, "body": {"mid": "mid." + secrets.token_hex(16), "seq": secrets.randbits(52),
                                           "text": text}}}
        headers = {"Content-Type": "application/json"}
        if self._subscription["secret"]:
            headers["X-Max-Bot-Api-Secret"] = self._subscription["secret"]
        return Webhook(self._subscription["url"], json.dumps(update, ensure_ascii=False).encode(), headers)
