"""Telegram Bot API: ``{base}/bot<token>/<method>``, answers ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {"retry_after": N}}`` (reference §6).

A bot cannot write first: the recipient is the id of a chat whose user has started the bot.
"""

from __future__ import annotations

import re

import httpx

from ..kinds import Kind
from ..transport import (
    AuthError,
    CredentialField,
    CredentialsRejected,
    Delivery,
    Message,
    PermanentError,
    TemporaryError,
    Transport,
    TransportError,
)

CHAT_ID = r"-?\d{1,20}"
UNAUTHORIZED = "Telegram не принял токен бота: проверьте его у @BotFather (команда /token) — возможно, он отозван."
BLOCKED = "Пользователь заблокировал бота в Telegram."
NOT_STARTED = "Пользователь ещё не писал боту: Telegram не даёт боту начать переписку первым."
CHAT_NOT_FOUND = "Telegram не нашёл такой чат: получатель должен сначала открыть бота и нажать «Start»."


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
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TemporaryError(f"Telegram ответил непонятно (HTTP {response.status_code}).")
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
            wait = f" через {int(seconds)} с" if seconds is not None else " позже"
            return TemporaryError(f"Telegram ограничил частоту сообщений. Повторите{wait}.", retry_after=seconds)
        if code == 403:
            return PermanentError(BLOCKED if "blocked" in description else NOT_STARTED)
        if code == 400 and "chat not found" in description:
            return PermanentError(CHAT_NOT_FOUND)
        return PermanentError(f"Telegram отклонил запрос: {description[:200]}")

    def check(self) -> None:
        try:
            me = self._call("getMe")
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc
        if me.get("is_bot") is not True:
            raise CredentialsRejected("Это токен не бота: создайте бота у @BotFather.")

    def send(self, message: Message) -> Delivery:
        sent = self._call("sendMessage", {"chat_id": int(message.recipient), "text": message.text})
        return Delivery(provider_message_id=str(sent.get("message_id", "")), status="sent")
