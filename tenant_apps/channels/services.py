"""Connecting, testing and removing a workspace's channels (run in the workspace's schema)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, InvalidInput

from . import crypto
from .kinds import BY_CODE
from .models import Channel, DeliveryAttempt
from .transport import (
    AuthError,
    CredentialsRejected,
    Message,
    TemporaryError,
    Transport,
    TransportError,
    transport_class,
)

MAX_TEST_TEXT = 1600
UNREADABLE_CREDENTIALS = "Ключи этого канала не удаётся расшифровать. Удалите канал и подключите его заново."


class ProviderUnavailable(DomainError):
    """The provider did not answer (or answered 5xx) while checking the credentials: nothing was saved."""

    status = 503
    code = "provider_unavailable"
    default_message = "Провайдер сейчас не отвечает. Попробуйте ещё раз через минуту."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": "60"})


def _transport_class(provider: str) -> type[Transport]:
    cls = transport_class(provider)
    if cls is None:
        known = BY_CODE.get(provider)
        message = (f"«{known.label}» пока нельзя подключить." if known
                   else "Неизвестный провайдер: выберите его из списка.")
        raise InvalidInput(message, fields={"provider": message})
    return cls


def transport_for(channel: Channel) -> Transport:
    try:
        credentials = crypto.decrypt(channel.credentials_token)
    except crypto.InvalidToken as exc:  # its key was removed from CHANNEL_SECRET_KEYS before a rotation
        channel.status, channel.last_error, channel.last_error_at = (
            Channel.Status.ERROR, UNREADABLE_CREDENTIALS, timezone.now())
        channel.save(update_fields=["status", "last_error", "last_error_at", "updated_at"])
        raise Conflict(UNREADABLE_CREDENTIALS, code="credentials_unreadable") from exc
    return _transport_class(channel.provider)(credentials)


def connect(provider: str, credentials: Mapping[str, Any]) -> Channel:
    """Validate the fields, ask the provider whether they work, and only then save them encrypted."""
    cls = _transport_class(provider)
    clean, errors = cls.clean_credentials(credentials)
    if errors:
        raise InvalidInput(fields={f"credentials.{name}": message for name, message in errors.items()})
    label = BY_CODE[provider].label
    if Channel.objects.filter(provider=provider).exists():
        raise Conflict(f"«{label}» уже подключен. Удалите его, чтобы подключить с другими ключами.",
                       code="channel_exists")
    try:
        cls(clean).check()
    except CredentialsRejected as exc:
        raise InvalidInput(exc.reason, code="credentials_rejected") from exc
    except TemporaryError as exc:
        raise ProviderUnavailable(exc.reason) from exc
    try:
        with transaction.atomic():
            return Channel.objects.create(
                provider=provider, kind=cls.kind, status=Channel.Status.CONNECTED,
                credentials_token=crypto.encrypt(clean), secret_hint=cls.secret_hint(clean),
                last_success_at=timezone.now(),
            )
    except IntegrityError as exc:  # connected by someone else while the provider was checking
        raise Conflict(f"«{label}» уже подключен.", code="channel_exists") from exc


def send_test(channel: Channel, recipient: str, text: str) -> DeliveryAttempt:
    """Send one message through the channel and record the attempt; the channel keeps its last success or error."""
    transport = transport_for(channel)
    recipient, text = recipient.strip(), text.strip()
    errors = {}
    if problem := transport.recipient_error(recipient):
        errors["recipient"] = problem
    if not text:
        errors["text"] = "Напишите текст сообщения."
    elif len(text) > MAX_TEST_TEXT:
        errors["text"] = f"Не длиннее {MAX_TEST_TEXT} символов."
    if errors:
        raise InvalidInput(fields=errors)
    attempt = DeliveryAttempt.objects.create(channel=channel, provider=channel.provider, recipient=recipient,
                                             text=text, idempotency_key=uuid.uuid4().hex)
    now = timezone.now()
    try:
        delivery = transport.send(Message(recipient, text, attempt.idempotency_key))
    except TransportError as exc:
        attempt.status, attempt.error = DeliveryAttempt.Status.FAILED, exc.reason[:500]
        channel.last_error, channel.last_error_at = exc.reason[:500], now
        if isinstance(exc, AuthError):
            channel.status = Channel.Status.ERROR
    else:
        attempt.status, attempt.provider_message_id = DeliveryAttempt.Status.SENT, delivery.provider_message_id
        channel.status, channel.last_success_at = Channel.Status.CONNECTED, now
    attempt.save(update_fields=["status", "error", "provider_message_id"])
    channel.save(update_fields=["status", "last_error", "last_error_at", "last_success_at", "updated_at"])
    return attempt


def disconnect(channel: Channel) -> None:
    channel.delete()


@transaction.atomic
def rotate_keys() -> int:
    """Re-encrypt every channel of the current schema with the first key; returns how many."""
    count = 0
    for channel in Channel.objects.select_for_update().only("id", "credentials_token"):
        channel.credentials_token = crypto.rotate(channel.credentials_token)
        channel.save(update_fields=["credentials_token"])
        count += 1
    return count
