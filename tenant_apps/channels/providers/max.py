"""MAX Bot API (VK's MAX messenger, reference §8): ``{base}/<method>`` with the raw token in ``Authorization`` (never
in the query), JSON bodies; errors ``{"code": "verify.token", "message": "..."}`` — we branch on the HTTP status,
the codes are not documented.

A bot cannot write first: the recipient is the id of a dialog whose user has started the bot (``bot_started``) or
written to it. Webhooks carry our secret in ``X-Max-Bot-Api-Secret``; there is no body signature.
"""

from __future__ import annotations

import hmac
import json
import re
import ssl
from functools import cache
from typing import Any

import httpx
from django.conf import settings
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
    retry_after_of,
)

CHAT_ID = r"-?\d{1,20}"
SECRET_HEADER = "X-Max-Bot-Api-Secret"  # noqa: S105 — a header name
UPDATE_TYPES = ["bot_started", "message_created"]
USERNAME = "botUsername"  # cached from GET /me at connect: deep links need it
UNAUTHORIZED = ("MAX не принял токен бота: скопируйте его заново в business.max.ru → Чат-боты → Настройки "
                "(возможно, он отозван).")
STOPPED = "Пользователь остановил бота в MAX или закрыл доступ к чату."
CHAT_NOT_FOUND = "MAX не нашёл такой чат: получатель должен сначала открыть бота по ссылке и нажать «Начать»."


class Max(Transport):
    code = "max"
    kind = Kind.MAX
    base_url_setting = "MAX_API_URL"
    inbound = True
    fields = (
        CredentialField(
            "botToken", "Токен бота",
            "business.max.ru → Чат-боты → ваш бот → Настройки → «Токен» (доступно юрлицам и ИП).",
            r"[A-Za-z0-9_-]{20,256}", "Токен бота — латинские буквы, цифры, «_» и «-», скопируйте его целиком.",
            secret=True),
    )

    @property
    def label(self) -> str:
        return "MAX"

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return None if re.fullmatch(CHAT_ID, recipient) else "Укажите числовой id чата MAX, например 182182182."

    def _call(self, method: str, path: str, **kwargs: Any) -> dict:
        response = self._request(method, f"{self.base_url}{path}", verify=_tls(settings.MAX_CA_BUNDLE),
                                 headers={"Authorization": self.credentials["botToken"]}, **kwargs)
        body = self._json_object(response)
        if response.is_success:
            return body
        raise self._error(response, body)

    @staticmethod
    def _error(response: httpx.Response, body: dict) -> TransportError:
        status = response.status_code
        if status == 401 or body.get("code") == "verify.token":  # the old schema answers a bad token with 403
            return AuthError(UNAUTHORIZED)
        if status == 429:
            return TemporaryError("MAX ограничил частоту сообщений.",
                                  retry_after=retry_after_of(response))
        if status == 403:
            return PermanentError(STOPPED)
        if status == 404:
            return PermanentError(CHAT_NOT_FOUND)
        return PermanentError(refusal("MAX", body.get("code") or f"HTTP {status}", str(body.get("message", ""))))

    def check(self) -> None:
        try:
            me = self._call("GET", "/me")
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc
        if me.get("is_bot") is not True:
            raise CredentialsRejected("Это токен не бота: создайте бота в business.max.ru.")
        if isinstance(me.get("username"), str):
            self.credentials[USERNAME] = me["username"]

    def send(self, message: Message) -> Delivery:
        sent = self._call("POST", "/messages", params={"chat_id": message.recipient},
                          json={"text": message.text, "notify": True})
        body = (sent.get("message") or {}).get("body") or {}
        return Delivery(provider_message_id=str(body.get("mid", "")), status="sent")

    def deep_link(self, token: str) -> str | None:
        """``https://max.ru/<bot username>?start=<token>`` (MAX passes a payload of ≤ 128 characters)."""
        username = self.credentials.get(USERNAME)
        return f"https://max.ru/{username}?start={token}" if username else None

    def register_inbound(self, url: str) -> None:
        """``POST /subscriptions`` with our secret, which MAX sends back in ``X-Max-Bot-Api-Secret``."""
        result = self._call("POST", "/subscriptions", json={
            "url": url, "update_types": UPDATE_TYPES, "secret": self.credentials[INBOUND_SECRET]})
        if result.get("success") is not True:
            raise TemporaryError("MAX не подписал бота на входящие.")

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        secret = self.credentials.get(INBOUND_SECRET, "")
        if not secret or not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            raise InboundRejected("Секрет X-Max-Bot-Api-Secret не совпал.")
        try:
            update = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return []
        if not isinstance(update, dict):
            return []
        if update.get("update_type") == "bot_started":
            return _bot_started(update)
        if update.get("update_type") == "message_created":
            return _message_created(update)
        return []


@cache
def _tls(bundle: str) -> ssl.SSLContext | bool:
    """TLS verification against ``MAX_CA_BUNDLE`` (with the Минцифры root), else httpx's default roots."""
    return ssl.create_default_context(cafile=bundle) if bundle else True


def _name(user: object) -> str:
    if not isinstance(user, dict):
        return ""
    return str(user.get("name") or " ".join(filter(None, (user.get("first_name"), user.get("last_name")))))


def _bot_started(update: dict) -> list[Inbound]:
    """The user opened the bot (by a deep link when ``payload`` is set); redeliveries share chat and timestamp."""
    chat_id, timestamp = update.get("chat_id"), update.get("timestamp")
    if not isinstance(chat_id, int) or not isinstance(timestamp, int):
        return []
    payload = update.get("payload")
    token = payload if isinstance(payload, str) else ""
    return [Inbound(sender=str(chat_id), text="" if token else "/start", sender_name=_name(update.get("user")),
                    provider_message_id=f"bot_started:{chat_id}:{timestamp}", start_token=token)]


def _message_created(update: dict) -> list[Inbound]:
    message = update.get("message")
    if not isinstance(message, dict):
        return []
    recipient, body = message.get("recipient") or {}, message.get("body") or {}
    chat_id, text, mid = recipient.get("chat_id"), body.get("text"), body.get("mid")
    sender = message.get("sender") or {}
    if not isinstance(chat_id, int) or not isinstance(text, str) or not text or not mid or sender.get("is_bot"):
        return []
    return [Inbound(sender=str(chat_id), text=text, provider_message_id=str(mid), sender_name=_name(sender))]
