"""Telegram Bot API: ``{base}/bot<token>/<method>``, answers ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {"retry_after": N}}`` (reference §6).

A bot cannot write first: the recipient is the id of a chat whose user has started the bot.
"""

from __future__ import annotations

import json
import re
import secrets

import httpx
from django.http import HttpRequest

from ..kinds import Kind
from ..transport import (
    INBOUND_SECRET,
    AuthError,
    CredentialField,
    CredentialsRejected,
    Delivery,
    Inbound,
    InboundRejected,
    Message,
    PermanentError,
    TemporaryError,
    Transport,
    TransportError,
    refusal,
)

CHAT_ID = r"-?\d{1,20}"
UNAUTHORIZED = "Telegram не принял токен бота: проверьте его у @BotFather (команда /token) — возможно, он отозван."
BLOCKED = "Пользователь заблокировал бота в Telegram."
NOT_STARTED = "Пользователь ещё не писал боту: Telegram не даёт боту начать переписку первым."
CHAT_NOT_FOUND = "Telegram не нашёл такой чат: получатель должен сначала открыть бота и нажать «Start»."
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 — a header name
START = re.compile(r"/start(?:@\w+)?(?:\s+([A-Za-z0-9_-]{1,64}))?\s*")  # a deep link's payload (§6)
USERNAME = "botUsername"  # cached from getMe at connect: deep links need it


class Telegram(Transport):
    code = "telegram"
    kind = Kind.TELEGRAM
    base_url_setting = "TELEGRAM_API_URL"
    fields = (
        CredentialField(
            "botToken", "Токен бота",
            "Напишите @BotFather в Telegram: /newbot создаёт бота и присылает токен, /token показывает его снова.",
            r"\d{3,20}:[A-Za-z0-9_-]{30,64}",
            "Токен бота выглядит так: 123456789:AAE… — скопируйте его из сообщения @BotFather целиком.",
            secret=True),
    )

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return None if re.fullmatch(CHAT_ID, recipient) else "Укажите числовой id чата Telegram, например 123456789."

    def _call(self, method: str, payload: dict | None = None) -> dict:
        url = f"{self.base_url}/bot{self.credentials['botToken']}/{method}"
        response = self._request("POST", url, json=payload or {})
        body = self._json_object(response)
        if body.get("ok") is True:
            return body.get("result") or {}
        raise self._error(response, body)

    @staticmethod
    def _error(response: httpx.Response, body: dict) -> TransportError:
        code = body.get("error_code", response.status_code)
        description = str(body.get("description", ""))
        if code == 401:
            return AuthError(UNAUTHORIZED)
        if code == 429:
            parameters = body.get("parameters")
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            seconds = float(retry_after) if isinstance(retry_after, (int, float)) else None
            return TemporaryError("Telegram ограничил частоту сообщений.", retry_after=seconds)
        if code == 403:
            return PermanentError(BLOCKED if "blocked" in description else NOT_STARTED)
        if code == 400 and "chat not found" in description:
            return PermanentError(CHAT_NOT_FOUND)
        return PermanentError(refusal("Telegram", code, description))

    def check(self) -> None:
        try:
            me = self._call("getMe")
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc
        if me.get("is_bot") is not True:
            raise CredentialsRejected("Это токен не бота: создайте бота у @BotFather.")
        if isinstance(me.get("username"), str):
            self.credentials[USERNAME] = me["username"]

    inbound = True

    def register_inbound(self, url: str) -> None:
        """``setWebhook`` with our secret: Telegram then sends it in :data:`SECRET_HEADER` with every update."""
        self._call("setWebhook", {"url": url, "secret_token": self.credentials[INBOUND_SECRET],
                                  "allowed_updates": ["message"]})

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        expected = self.credentials.get(INBOUND_SECRET, "")
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
            raise InboundRejected("Неверный секрет вебхука Telegram.")
        try:
            update = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return []
        message = update.get("message") if isinstance(update, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            return []  # edits, joins, my_chat_member and the like carry no new text
        chat, person = message.get("chat"), message.get("from")
        if not isinstance(chat, dict) or chat.get("type") != "private" or not isinstance(chat.get("id"), int):
            return []  # groups are not conversations with a lead
        person = person if isinstance(person, dict) else {}
        name = " ".join(str(person.get(key) or "") for key in ("first_name", "last_name")).strip()
        text = message["text"]
        start = START.fullmatch(text)
        token = (start.group(1) or "") if start else ""
        return [Inbound(sender=str(chat["id"]), text="" if token else text, sender_name=name[:150],
                        provider_message_id=f"{chat['id']}:{message.get('message_id')}", start_token=token)]

    def deep_link(self, token: str) -> str | None:
        username = self.credentials.get(USERNAME)
        return f"https://t.me/{username}?start={token}" if username else None

    def send(self, message: Message) -> Delivery:
        sent = self._call("sendMessage", {"chat_id": int(message.recipient), "text": message.text})
        return Delivery(provider_message_id=str(sent.get("message_id", "")), status="sent")
