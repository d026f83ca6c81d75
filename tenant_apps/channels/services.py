"""Connecting, testing and removing a workspace's channels (run in the workspace's schema)."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from core import events
from core.errors import Conflict, DomainError, InvalidInput
from shared_apps.accounts.models import User
from shared_apps.audit import services as audit
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.phones import normalize_phone

from . import crypto
from .kinds import BY_CODE, Kind
from .models import FIRST_CONTACT_KINDS, CalendarConnection, Channel, ContactPolicy, DeliveryAttempt, new_inbound_key
from .transport import (
    INBOUND_SECRET,
    AuthError,
    CredentialsRejected,
    Message,
    TemporaryError,
    Transport,
    TransportError,
    transport_class,
)

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

MAX_TEST_TEXT = 1600
TRY_AGAIN = "Попробуйте ещё раз через минуту."  # only where a person acts: the pipeline retries by itself
PHONE_KINDS = frozenset({Kind.SMS, Kind.WHATSAPP})
UNREADABLE_CREDENTIALS = "Ключи этого канала не удаётся расшифровать. Удалите канал и подключите его заново."


class ProviderUnavailable(DomainError):
    """The provider did not answer (or answered 5xx) while checking the credentials: nothing was saved. The
    transport's neutral ``reason`` gets the advice here, where a person is waiting to try again."""

    status = 503
    code = "provider_unavailable"
    default_message = f"Провайдер сейчас не отвечает. {TRY_AGAIN}"

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(f"{reason} {TRY_AGAIN}" if reason else None, headers={"Retry-After": "60"})


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


def connect(provider: str, credentials: Mapping[str, Any], *, actor: User | None) -> Channel:
    """Validate the fields, ask the provider whether they work, and only then save them encrypted."""
    cls = _transport_class(provider)
    clean = _clean(cls, credentials)
    label = BY_CODE[provider].label
    if Channel.objects.filter(provider=provider).exists():
        raise Conflict(f"«{label}» уже подключен. Удалите его, чтобы подключить с другими ключами.",
                       code="channel_exists")
    transport, inbound_key = cls(clean), new_inbound_key()
    _go_live(transport, inbound_key)
    try:
        with transaction.atomic():
            channel = Channel.objects.create(
                provider=provider, kind=cls.kind, status=Channel.Status.CONNECTED, inbound_key=inbound_key,
                credentials_token=crypto.encrypt(transport.credentials), secret_hint=cls.secret_hint(clean),
                last_success_at=timezone.now(),
            )
            _audit("channel.connected", channel, actor)
    except IntegrityError as exc:  # connected by someone else while the provider was checking
        raise Conflict(f"«{label}» уже подключен.", code="channel_exists") from exc
    events.emit("channel_connected", tenantId=_workspace().slug or "", channelType=cls.kind.value, provider=provider)
    return channel


def _clean(cls: type[Transport], credentials: Mapping[str, Any]) -> dict[str, str]:
    """The provider's fields, or 400 with a Russian message per bad field (the provider is not asked)."""
    clean, errors = cls.clean_credentials(credentials)
    if errors:
        raise InvalidInput(fields={f"credentials.{name}": message for name, message in errors.items()})
    return clean


def _go_live(transport: Transport, inbound_key: str, inbound_secret: str = "") -> None:
    """Check the credentials with the provider and point its webhook at us: 400 with its reason, 503 when down."""
    try:
        transport.check()
        if transport.inbound:  # the provider's webhook points at us only once the credentials are known to work
            transport.credentials[INBOUND_SECRET] = inbound_secret or secrets.token_urlsafe(32)
            transport.register_inbound(inbound_url(transport.code, inbound_key))
    except TemporaryError as exc:
        raise ProviderUnavailable(exc.reason) from exc
    except CredentialsRejected as exc:
        fields = {f"credentials.{exc.field}": exc.reason} if exc.field else None
        raise InvalidInput(exc.reason, code="credentials_rejected", fields=fields) from exc
    except TransportError as exc:
        raise InvalidInput(exc.reason, code="credentials_rejected") from exc


def update(channel: Channel, *, actor: User | None, credentials: Mapping[str, Any] | None = None,
           enabled: bool | None = None) -> Channel:
    """Replace the credentials (checked live, like on connect) and/or disable or enable the channel.

    New working credentials make the channel connected again unless it is being disabled. Enabling checks the
    stored credentials live too, so a channel the provider refused comes back only with working ones. Nothing
    changes when a check fails.
    """
    update_fields = ["status", "updated_at"]
    transport: Transport | None = None
    changed: list[str] = []
    was_disabled = channel.status == Channel.Status.DISABLED
    if credentials is not None:
        cls = _transport_class(channel.provider)
        clean, stored = _clean(cls, credentials), _stored_credentials(channel)
        changed = [field.label for field in cls.fields if clean.get(field.name, "") != stored.get(field.name, "")]
        transport = cls(clean)
    elif enabled:
        transport = transport_for(channel)
    if transport is not None:
        _go_live(transport, channel.inbound_key, _stored_credentials(channel).get(INBOUND_SECRET, ""))
        channel.credentials_token = crypto.encrypt(transport.credentials)
        channel.secret_hint = transport.secret_hint(transport.credentials)
        channel.status, channel.last_success_at = Channel.Status.CONNECTED, timezone.now()
        channel.last_error, channel.last_error_at = "", None
        update_fields += ["credentials_token", "secret_hint", "last_error", "last_error_at", "last_success_at"]
    if enabled is False:
        channel.status = Channel.Status.DISABLED
    with transaction.atomic():
        channel.save(update_fields=update_fields)
        if credentials is not None:
            _audit("channel.credentials_changed", channel, actor, **({"fields": changed} if changed else {}))
        if enabled is not None and enabled == was_disabled:
            _audit("channel.enabled" if enabled else "channel.disabled", channel, actor)
    return channel


def _audit(action: str, channel: Channel, actor: User | None, **details: Any) -> None:
    audited(action, BY_CODE[channel.provider].label, actor, **details)


def audited(action: str, target: str, actor: User | None, **details: Any) -> None:
    """The journal's entry for a change of this workspace's channels or calendar: names, never a credential (of
    changed credentials only the fields' names)."""
    audit.record(action, actor=actor, workspace=_workspace(), target=target, details=details or None)


def _stored_credentials(channel: Channel) -> dict[str, str]:
    try:
        return crypto.decrypt(channel.credentials_token)
    except crypto.InvalidToken:  # unreadable: the new credentials replace them whole
        return {}


def inbound_url(provider: str, inbound_key: str) -> str:
    """The absolute address of a channel's webhook on the current workspace's host."""
    tenant = _workspace()
    path = reverse("channels:inbound", urlconf="config.urls_tenant",
                   kwargs={"provider": provider, "key": inbound_key})
    return tenant.url.rstrip("/") + path


def _workspace() -> Tenant:
    """The workspace whose schema this runs in: the request's own when there is one (no query per channel)."""
    schema = cast("DatabaseWrapper", connection).schema_name
    current = getattr(connection, "tenant", None)
    if isinstance(current, Tenant) and current.schema_name == schema:
        return current
    return Tenant.objects.get(schema_name=schema)


def send_test(channel: Channel, recipient: str, text: str) -> DeliveryAttempt:
    """Send one message through the channel and record the attempt; the channel keeps its last success or error."""
    transport = transport_for(channel)
    recipient, text = _phone_or_as_is(transport, recipient.strip()), text.strip()
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
        delivery = transport.send(Message(recipient, text, attempt.idempotency_key, subject="Проверка канала"))
    except TransportError as exc:
        advice = f" {TRY_AGAIN}" if isinstance(exc, TemporaryError) else ""
        attempt.status, attempt.error = DeliveryAttempt.Status.FAILED, (exc.reason + advice)[:500]
        channel.last_error, channel.last_error_at = exc.reason[:500], now
        if isinstance(exc, AuthError):
            channel.status = Channel.Status.ERROR
    else:
        attempt.status, attempt.provider_message_id = DeliveryAttempt.Status.SENT, delivery.provider_message_id
        channel.status, channel.last_success_at = Channel.Status.CONNECTED, now
    attempt.save(update_fields=["status", "error", "provider_message_id"])
    channel.save(update_fields=["status", "last_error", "last_error_at", "last_success_at", "updated_at"])
    return attempt


def _phone_or_as_is(transport: Transport, recipient: str) -> str:
    """A phone provider's recipient as E.164 («+7 900 111-22-33», «89001112233» as the widget accepts them);
    anything that is not a number stays as typed for ``recipient_error`` to explain."""
    if transport.kind not in PHONE_KINDS:
        return recipient
    return normalize_phone(recipient) or recipient


def disconnect(channel: Channel, *, actor: User | None) -> None:
    with transaction.atomic():
        channel.delete()
        _audit("channel.disconnected", channel, actor)


@transaction.atomic
def rotate_keys() -> int:
    """Re-encrypt every channel (and the Cal.com connection) of the current schema with the first key; returns
    how many."""
    count = 0
    for model in (Channel, CalendarConnection):
        for row in model.objects.select_for_update().only("id", "credentials_token"):
            row.credentials_token = crypto.rotate(row.credentials_token)
            row.save(update_fields=["credentials_token"])
            count += 1
    return count


def update_contact_policy(fallback_order: list[str], sms_at_night: bool) -> ContactPolicy:
    """The order in which the greeting tries the channels after the lead's preferred one, and whether SMS may go at
    night; each kind that may write first at most once, at least one."""
    allowed = ", ".join(str(kind.label) for kind in FIRST_CONTACT_KINDS)
    if (not fallback_order or len(set(fallback_order)) != len(fallback_order)
            or not set(fallback_order) <= set(FIRST_CONTACT_KINDS)):
        message = f"Укажите порядок из каналов, которые могут написать первыми ({allowed}), каждый не больше раза."
        raise InvalidInput(message, fields={"fallbackOrder": message})
    with transaction.atomic():
        policy = ContactPolicy.objects.select_for_update().first() or ContactPolicy()
        policy.fallback_order, policy.sms_at_night = list(fallback_order), sms_at_night
        policy.save()
    return policy
