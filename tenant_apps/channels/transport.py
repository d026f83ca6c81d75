"""What every channel provider speaks (the integrations pattern of healthchecks.io): credential field descriptions,
a live credential check and sending, with our own message, delivery and error shapes — never a provider's.

Provider modules live in ``providers/`` and are imported lazily through :data:`REGISTRY`; nothing outside this app
imports them. Every error's ``reason`` is Russian and safe to show to the workspace's admin.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import httpx
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from .kinds import Kind

MAX_FIELD_LENGTH = 256
logger = logging.getLogger(__name__)


class TransportError(Exception):
    """Base of a provider's refusals and failures; ``reason`` is Russian."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentError(TransportError):
    """The provider refused this message (bad recipient, unsubscribed, blocked): sending it again will not help."""


class AuthError(PermanentError):
    """The provider refused the credentials (wrong, revoked, suspended account): the channel needs new ones."""


class CredentialsRejected(AuthError):
    """:meth:`Transport.check` — the provider said the credentials are not valid for sending; ``field`` names the
    credential at fault when the provider tells which."""

    def __init__(self, reason: str, *, field: str = "") -> None:
        super().__init__(reason)
        self.field = field


class TemporaryError(TransportError):
    """No answer, a 5xx or a rate limit: the outcome may change later; ``retry_after`` in seconds when told."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class CredentialField:
    name: str  # the key in the credentials object of the API (camelCase)
    label: str
    help_text: str  # where to find the value in the provider's console
    pattern: str  # the whole value must match
    invalid_message: str
    secret: bool = False  # encrypted, never shown again; its last characters make the channel's hint
    required: bool = True  # an optional field left empty is not stored


@dataclass(frozen=True)
class Template:
    """A message template the provider approved beforehand (WhatsApp writes first only with one)."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()  # the body's {{1}}, {{2}}… in order


@dataclass(frozen=True)
class Message:
    recipient: str  # E.164 phone, e-mail or the messenger's chat id, as the provider's ``recipient_error`` accepts
    text: str
    idempotency_key: str
    template: Template | None = None  # sent instead of ``text``; only from the transport's first_contact_template
    subject: str = ""  # an e-mail's subject; without it the e-mail providers take the text's first line


@dataclass(frozen=True)
class Delivery:
    provider_message_id: str
    status: str  # the provider's own status word ("queued", "sent")


@dataclass(frozen=True)
class Inbound:
    """A message a person sent to the workspace through a provider, read from the provider's webhook."""

    sender: str  # the address to answer to, in the form ``recipient_error`` accepts (chat id, E.164, e-mail)
    text: str
    provider_message_id: str  # the provider's id: a webhook delivered twice is stored once
    sender_name: str = ""
    start_token: str = ""  # a messenger deep link's payload (``/start <token>``): links the chat to a lead


class InboundRejected(Exception):
    """A webhook request the provider did not send (bad signature or secret): answered 403, nothing changes."""


INBOUND_SECRET = "inboundSecret"  # noqa: S105 (a key name, not a secret): the credentials' key of the secret we generate for verifying webhooks


class Transport(ABC):
    """One provider. Subclasses set the class attributes and implement the abstract methods."""

    code: ClassVar[str]
    kind: ClassVar[Kind]
    fields: ClassVar[tuple[CredentialField, ...]]
    base_url_setting: ClassVar[str] = ""  # the settings name of the provider's API root; none for SMTP

    def __init__(self, credentials: Mapping[str, str]) -> None:
        self.credentials = dict(credentials)
        self.base_url = str(getattr(settings, self.base_url_setting)).rstrip("/") if self.base_url_setting else ""
        self.timeout = float(settings.CHANNEL_TIMEOUT_SECONDS)

    @classmethod
    def clean_credentials(cls, data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """The provider's fields from ``data`` (others are ignored), stripped, and Russian messages per bad field."""
        clean: dict[str, str] = {}
        errors: dict[str, str] = {}
        for field in cls.fields:
            value = data.get(field.name)
            value = value.strip() if isinstance(value, str) else ""
            if not value:
                if field.required:
                    errors[field.name] = f"Укажите «{field.label}»."
            elif len(value) > MAX_FIELD_LENGTH or not re.fullmatch(field.pattern, value):
                errors[field.name] = field.invalid_message
            else:
                clean[field.name] = value
        return clean, errors

    @classmethod
    def secret_hint(cls, credentials: Mapping[str, str]) -> str:
        """``••••3f9a``: the last four characters of the first secret field, so an admin can tell keys apart."""
        secret = next(credentials[field.name] for field in cls.fields if field.secret)
        return "••••" + secret[-4:]

    @classmethod
    @abstractmethod
    def recipient_error(cls, recipient: str) -> str | None:
        """A Russian message when ``recipient`` is not an address this provider can send to."""

    @abstractmethod
    def check(self) -> None:
        """A live request with the credentials: returns when they may send, raises :class:`CredentialsRejected`
        with the provider's reason or :class:`TemporaryError` when the provider could not tell."""

    @abstractmethod
    def send(self, message: Message) -> Delivery:
        """Hand the message to the provider: :class:`Delivery` on acceptance, else a :class:`TransportError`."""

    inbound: ClassVar[bool] = False  # the provider delivers people's messages to our webhook
    # Where the admin pastes the channel's webhook address when the provider's API cannot set it (Russian), else "".
    inbound_setup: ClassVar[str] = ""

    def register_inbound(self, url: str) -> None:  # noqa: B027 (optional hook: most providers need nothing)
        """Point the provider's webhook at ``url`` where its API allows it (Telegram ``setWebhook`` with our
        secret); providers configured in their own console need nothing. Raises like :meth:`check`."""

    def inbound_handshake(self, request: HttpRequest) -> HttpResponse | None:
        """The answer to a provider's subscription check (WhatsApp's GET with ``hub.verify_token``), or None."""
        return None

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        """The messages of one webhook request, verified the provider's way (signature or the secret in
        ``credentials[INBOUND_SECRET]``); :class:`InboundRejected` when it is forged. Delivery reports and
        other updates without a person's text give an empty list."""
        raise InboundRejected(f"{self.label} не присылает входящие сообщения.")

    def inbound_reply(self) -> HttpResponse:
        """Our answer to an accepted webhook (Twilio expects TwiML; others only look at the status)."""
        return HttpResponse(status=200)

    def deep_link(self, token: str) -> str | None:
        """A link that opens a chat with the workspace's bot and hands it ``token`` (a messenger's ``/start``
        payload), or None when the provider has no such links."""
        return None

    def first_contact_template(self, parameters: tuple[str, ...]) -> Template | None:
        """The approved template this provider needs to write to someone first (WhatsApp outside its 24-hour
        window), filled with ``parameters``; None when a plain text may go."""
        return None

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP exchange; no answer and 5xx become :class:`TemporaryError`, other statuses are the caller's."""
        try:
            response = httpx.request(method, url, timeout=self.timeout, **kwargs)
        except httpx.TimeoutException as exc:
            raise TemporaryError(f"{self.label} не ответил вовремя.") from exc
        except httpx.HTTPError as exc:
            raise TemporaryError(f"Не удалось связаться с {self.label}.") from exc
        if response.status_code >= 500:
            raise TemporaryError(f"{self.label} временно недоступен (ошибка {response.status_code}).")
        return response

    def _json_object(self, response: httpx.Response) -> dict:
        """The JSON object a provider answers with (its errors too); anything else is a :class:`TemporaryError`."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TemporaryError(f"{self.label} ответил непонятно (HTTP {response.status_code}).")
        return body

    @property
    def label(self) -> str:
        return self.code.capitalize()


# Provider code → its class; only providers that are implemented. Imported on first use.
REGISTRY: dict[str, str] = {
    "twilio": "tenant_apps.channels.providers.twilio.Twilio",
    "telegram": "tenant_apps.channels.providers.telegram.Telegram",
    "smsc": "tenant_apps.channels.providers.smsc.Smsc",
    "smtp": "tenant_apps.channels.providers.smtp.Smtp",
    "whatsapp": "tenant_apps.channels.providers.whatsapp.WhatsApp",
    "max": "tenant_apps.channels.providers.max.Max",
    "sendgrid": "tenant_apps.channels.providers.sendgrid.SendGrid",
    "ses": "tenant_apps.channels.providers.ses.Ses",
}


@cache
def transport_class(code: str) -> type[Transport] | None:
    path = REGISTRY.get(code)
    return import_string(path) if path else None


def refusal(label: str, code: object, original: str, *, docs: str = "") -> str:
    """A Russian reason for a provider's refusal we have no translation for: its code (and where it is described),
    never its English text, which goes to the log, scrubbed of phone numbers and addresses, for support."""
    logger.info("provider_refused", extra={"provider": label, "providerCode": str(code)[:40],
                                           "providerMessage": _PERSONAL.sub("…", original)[:300]})
    return f"{label} отклонил запрос (код {str(code)[:40]})" + (f" — описание кода: {docs}." if docs else ".")


_PERSONAL = re.compile(r"\+?\d[\d\s()-]{5,}\d|[^\s@]+@[^\s@]+")


def retry_after_of(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds, when it is a number."""
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
