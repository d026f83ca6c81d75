"""Messages to leads through the outbox: one :class:`DeliveryAttempt` per message, handed to the provider by a
worker, every outcome on the lead's timeline.

A message is written with its attempt and its outbox message in the caller's transaction. The handler sends it at
most once (an attempt no longer pending is skipped; the outbox holds the message's row lock while it runs), retries
a provider's temporary failure later (its ``Retry-After``, else exponential backoff with jitter) up to the outbox's
``MAX_ATTEMPTS``, never retries a refusal, and disables the channel when the provider refuses its credentials.
Failures are recorded and the handler returns normally, so they are committed; only a retry raises.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, cast

from django.db import connection, transaction
from django.utils import timezone

from core import email, outbox
from core.channel_kinds import WEB
from core.errors import Conflict
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.analytics.wording import duration_text
from tenant_apps.leads import services as leads
from tenant_apps.leads.models import Lead, LeadEvent

from . import wording
from .kinds import BY_CODE, Kind
from .models import Channel, DeliveryAttempt
from .services import transport_for
from .transport import AuthError, Message, Template, TemporaryError, TransportError

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

    from shared_apps.accounts.models import User

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 5
RETRY_CAP_SECONDS = 3600
CHANNEL_GONE = "Канал удалён или отключён — сообщение не отправлено."
BOOKED_ALREADY = "Клиент уже записался — автоматическое сообщение больше не нужно."


def send_message(channel: Channel, lead: Lead | None, recipient: str, text: str,
                 template: Template | None = None, *, automatic: bool = False,
                 author: User | None = None) -> DeliveryAttempt:
    """Record the message and queue its delivery in the current transaction; a ``template`` goes instead of the
    text, which then describes it. An ``automatic`` message (the greeting) is dropped if the lead books first; a
    member's message keeps its ``author``, whom the timeline names."""
    with transaction.atomic():
        attempt = DeliveryAttempt.objects.create(channel=channel, provider=channel.provider, lead=lead,
                                                 recipient=recipient, text=text, idempotency_key=uuid.uuid4().hex,
                                                 template=asdict(template) if template else None,
                                                 automatic=automatic, author=author)
        outbox.enqueue(deliver_attempt, attempt.pk)
    return attempt


def retry_delay(tries: int, retry_after: float | None) -> float:
    """Seconds before the next try: what the provider asked for, else a full-jitter exponential backoff."""
    if retry_after is not None:
        return min(retry_after, RETRY_CAP_SECONDS)
    return secrets.SystemRandom().uniform(0.5, 1.0) * min(RETRY_BASE_SECONDS * 2 ** (tries - 1), RETRY_CAP_SECONDS)


@outbox.handler
def deliver_attempt(attempt_id: int) -> None:
    attempt = (DeliveryAttempt.objects.select_for_update(of=("self",)).select_related("channel", "lead")
               .filter(pk=attempt_id, status=DeliveryAttempt.Status.PENDING).first())
    if attempt is None:
        return  # sent or given up by an earlier run
    if attempt.automatic and attempt.lead is not None and attempt.lead.status == Lead.Status.BOOKED:
        _fail(attempt, BOOKED_ALREADY, channel_error=False)  # a booking stops every follow-up
        return
    channel = attempt.channel
    if channel is None or channel.status == Channel.Status.DISABLED:
        _fail(attempt, CHANNEL_GONE, channel_error=False)  # keeps the reason it was disabled for
        return
    attempt.tries += 1
    try:
        delivery = transport_for(channel).send(_message(attempt))
    except Conflict as exc:  # the credentials cannot be decrypted: transport_for marked the channel
        _fail(attempt, exc.message)
    except TemporaryError as exc:
        if attempt.tries >= outbox.MAX_ATTEMPTS:
            _fail(attempt, f"{exc.reason} Попыток: {attempt.tries}, больше не пробуем.")
            return
        delay = retry_delay(attempt.tries, exc.retry_after)
        attempt.error = exc.reason[:500]
        attempt.save(update_fields=["tries", "error"])
        _event(attempt, LeadEvent.Kind.MESSAGE_POSTPONED,
               f"{_label(attempt)}: не отправлено — {exc.reason} Повторим через {round(delay)} с. "
               f"Текст: {attempt.text}")
        raise outbox.RetryLater(delay, exc.reason) from exc
    except TransportError as exc:
        if isinstance(exc, AuthError):
            _disable(channel, exc.reason)
        _fail(attempt, exc.reason)
    else:
        now = timezone.now()
        attempt.status, attempt.provider_message_id, attempt.error = (
            DeliveryAttempt.Status.SENT, delivery.provider_message_id, "")
        attempt.save(update_fields=["status", "provider_message_id", "error", "tries"])
        channel.status, channel.last_success_at = Channel.Status.CONNECTED, now
        channel.save(update_fields=["status", "last_success_at", "updated_at"])
        _event(attempt, LeadEvent.Kind.MESSAGE_OUT, f"{_label(attempt)} → {attempt.recipient}: {attempt.text}")
        if attempt.lead is not None:
            _first_contact(attempt.lead, attempt, now)


def _message(attempt: DeliveryAttempt) -> Message:
    stored = attempt.template
    template = Template(stored["name"], stored["language"], tuple(stored["parameters"])) if stored else None
    subject = _subject(attempt) if BY_CODE[attempt.provider].kind == Kind.EMAIL else ""
    return Message(attempt.recipient, attempt.text, attempt.idempotency_key, template, subject=subject)


def _subject(attempt: DeliveryAttempt) -> str:
    """An e-mail's subject: the greeting says the request arrived, anything else is a message from the workspace."""
    name = current_workspace().name
    if not attempt.automatic:
        return f"Сообщение от {wording.quoted(name)}"
    from_form = attempt.lead is None or attempt.lead.channel == WEB
    return f"{name}: {'ваша заявка получена' if from_form else 'ваше сообщение получено'}"


def _first_contact(lead: Lead, attempt: DeliveryAttempt, now) -> None:
    """The first message a lead receives is the first contact: the lead is contacted, the time to it is kept
    (under the lead's row lock, so that a member's status change at the same moment is not overwritten)."""
    if lead.first_contact_at is not None:
        return
    lead = leads.locked(lead.pk)
    if not leads.record_first_contact(lead, now):
        return
    seconds = (now - lead.created_at).total_seconds()
    # Seconds are the product's promise: to a tenth under a minute, then minutes, hours, days.
    waited = f"{wording.seconds(seconds)} с" if seconds < 60 else duration_text(seconds)
    became = f" · статус «{lead.get_status_display()}»" if lead.status == Lead.Status.CONTACTED else ""
    # The product's own step (no actor), even when a member's reply was the first message.
    leads.add_event(lead, LeadEvent.Kind.STATUS_CHANGED, f"Первый контакт через {waited}{became}",
                    channel=BY_CODE[attempt.provider].kind)


def _fail(attempt: DeliveryAttempt, reason: str, *, channel_error: bool = True) -> None:
    attempt.status, attempt.error = DeliveryAttempt.Status.FAILED, reason[:500]
    attempt.save(update_fields=["status", "error", "tries"])
    if channel_error and attempt.channel is not None:
        attempt.channel.last_error, attempt.channel.last_error_at = reason[:500], timezone.now()
        attempt.channel.save(update_fields=["last_error", "last_error_at", "updated_at"])
    _event(attempt, LeadEvent.Kind.MESSAGE_FAILED,
           f"{_label(attempt)}: не отправлено — {reason} Текст: {attempt.text}")


def _disable(channel: Channel, reason: str) -> None:
    """The provider refused the channel's credentials: no more sends until an admin connects it again."""
    channel.status = Channel.Status.DISABLED
    channel.save(update_fields=["status", "updated_at"])
    tenant = current_workspace()
    label = BY_CODE[channel.provider].label
    admins = Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN).select_related("user")
    for membership in admins:
        email.send("channel_disabled", membership.user.email, f"Канал «{label}» отключён — {tenant.name}",
                   {"user": membership.user, "tenant": tenant, "channel_label": label, "reason": reason,
                    "channels_url": tenant.url, "workspace_name": wording.quoted(tenant.name)})
    logger.warning("channel_disabled", extra={"tenantId": tenant.slug, "provider": channel.provider})


def current_workspace() -> Tenant:
    """The workspace whose schema this runs in (an outbox handler has the schema, not the request's tenant)."""
    return Tenant.objects.get(schema_name=cast("DatabaseWrapper", connection).schema_name)


def _label(attempt: DeliveryAttempt) -> str:
    return BY_CODE[attempt.provider].label


def _event(attempt: DeliveryAttempt, kind: str, text: str) -> None:
    """The attempt's outcome on its lead's timeline, by its author for a member's message."""
    if attempt.lead is not None:
        leads.add_event(attempt.lead, kind, text, channel=BY_CODE[attempt.provider].kind,
                        actor=attempt.author if attempt.author_id else None)
