"""Cal.com API v2 (reference §9): ``{CALCOM_API_URL}/v2/...`` with ``Authorization: Bearer <key>`` and a
``cal-api-version`` header per endpoint; answers ``{"status": "success", "data": ...}`` or
``{"status": "error", "error": {"code", "message"}}``.

Only what connecting needs: the key's profile (``/v2/me``) and its event types. Errors are our transport errors
with a Russian ``reason``: :class:`CredentialsRejected` for a refused key, :class:`TemporaryError` otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from ..transport import CredentialsRejected, TemporaryError

API_KEY = r"cal_(live_)?[A-Za-z0-9_]{8,200}"
EVENT_TYPES_VERSION = "2024-06-14"
BOOKING_HOST = "https://cal.com"
NO_SECRET = "no-secret-provided"  # noqa: S105 - Cal.com's header value when the webhook has no secret
INVALID_KEY = ("Cal.com не принял API-ключ: проверьте его в Cal.com → Settings → Developer → API Keys "
               "(ключ начинается с cal_live_).")
EXPIRED_KEY = "Срок действия API-ключа Cal.com истёк: создайте новый в Cal.com → Settings → Developer → API Keys."


@dataclass(frozen=True)
class Profile:
    username: str
    time_zone: str


@dataclass(frozen=True)
class EventType:
    id: int
    slug: str
    title: str
    length: int  # minutes
    booking_url: str


class CalCom:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.base_url = str(settings.CALCOM_API_URL).rstrip("/")
        self.timeout = float(settings.CHANNEL_TIMEOUT_SECONDS)

    def me(self) -> Profile:
        data = self._get("/v2/me")
        username = data.get("username") if isinstance(data, dict) else None
        if not isinstance(username, str) or not username:
            raise CredentialsRejected("У аккаунта Cal.com нет имени пользователя (username): задайте его в профиле.")
        return Profile(username=username, time_zone=str(data.get("timeZone") or ""))

    def event_types(self, username: str) -> list[EventType]:
        data = self._get("/v2/event-types", version=EVENT_TYPES_VERSION)
        if not isinstance(data, list):
            raise TemporaryError("Cal.com ответил непонятно на запрос типов встреч.")
        found = []
        for item in data:
            if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                continue
            slug, title = str(item.get("slug") or ""), str(item.get("title") or item.get("slug") or "")
            if slug:
                found.append(EventType(id=item["id"], slug=slug, title=title[:200],
                                       length=int(item.get("lengthInMinutes") or 0),
                                       booking_url=f"{BOOKING_HOST}/{username}/{slug}"))
        return found

    def _get(self, path: str, *, version: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if version:
            headers["cal-api-version"] = version
        try:
            response = httpx.get(self.base_url + path, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise TemporaryError("Cal.com не ответил вовремя.") from exc
        except httpx.HTTPError as exc:
            raise TemporaryError("Не удалось связаться с Cal.com.") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("status") == "success":
            return body.get("data")
        raise _error(response.status_code, body)


def _error(status: int, body: Any) -> CredentialsRejected | TemporaryError:
    error = body.get("error") if isinstance(body, dict) else None
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    if status in (401, 403):
        return CredentialsRejected(EXPIRED_KEY if "expired" in message else INVALID_KEY)
    if status == 429:
        return TemporaryError("Cal.com ограничил частоту запросов.")
    if status >= 500:
        return TemporaryError(f"Cal.com временно недоступен (ошибка {status}).")
    return TemporaryError(f"Cal.com ответил непонятно (HTTP {status}).")


def clean_api_key(value: Any) -> tuple[str, str | None]:
    """The stripped key and a Russian message when it does not look like a Cal.com key."""
    key = value.strip() if isinstance(value, str) else ""
    if not key:
        return key, "Укажите API-ключ Cal.com."
    if not re.fullmatch(API_KEY, key):
        return key, "API-ключ Cal.com выглядит так: cal_live_… — скопируйте его целиком."
    return key, None


def signature(secret: str, body: bytes) -> str:
    """``X-Cal-Signature-256``: hex HMAC-SHA256 of the raw body keyed with the webhook's secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str) -> bool:
    return bool(secret) and header != NO_SECRET and hmac.compare_digest(signature(secret, body), header.strip())
