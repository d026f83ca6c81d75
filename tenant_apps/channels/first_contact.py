"""The first message to a new lead, behind a small interface so an external orchestrator can take over
(``settings.FIRST_CONTACT_ORCHESTRATOR``).

The default greets the lead through its preferred connected channel, else the first that can reach it in
:data:`FALLBACK_ORDER`. Only providers that may write first are tried: SMS and e-mail straight to the lead's phone
and address, WhatsApp by template; a Telegram or MAX bot cannot write to a phone number, the visitor opens it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from core import outbox
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.models import Lead, LeadEvent

from .kinds import Kind
from .models import Channel
from .sending import current_workspace, send_message
from .transport import transport_class

FALLBACK_ORDER = (Kind.SMS, Kind.EMAIL, Kind.WHATSAPP)
QUIET_FROM, QUIET_UNTIL = time(21), time(9)
NO_CHANNEL = ("Нет подключённого канала, которым можно написать клиенту первым: подключите SMS или e-mail "
              "в разделе «Каналы» (Telegram и MAX пишут только тем, кто сам открыл бота).")


class FirstContact(Protocol):
    def contact(self, lead: Lead) -> None:
        """Greet a lead not contacted yet; may raise :class:`core.outbox.RetryLater` to be asked again later."""


class DefaultFirstContact:
    def contact(self, lead: Lead) -> None:
        tenant = current_workspace()
        choice = self._choose(lead)
        if choice is None:
            _note(lead, LeadEvent.Kind.MESSAGE_FAILED, NO_CHANNEL, "")
            return
        channel, recipient = choice
        if channel.kind == Kind.SMS and not settings.SMS_AT_NIGHT:
            morning = quiet_until(timezone.now(), ZoneInfo(tenant.timezone))
            if morning is not None:
                local = morning.astimezone(ZoneInfo(tenant.timezone))
                reason = f"Ночь у клиента: SMS уйдёт в {local:%H:%M} ({tenant.timezone})."
                _note(lead, LeadEvent.Kind.MESSAGE_POSTPONED, reason, channel.kind)
                raise outbox.RetryLater((morning - timezone.now()).total_seconds(), reason)
        send_message(channel, lead, recipient, greeting(lead, tenant))

    def _choose(self, lead: Lead) -> tuple[Channel, str] | None:
        connected = list(Channel.objects.filter(status=Channel.Status.CONNECTED))
        order = [*([lead.preferred_channel] if lead.preferred_channel in FALLBACK_ORDER else []), *FALLBACK_ORDER]
        for kind in order:
            recipient = lead.email if kind == Kind.EMAIL else lead.phone
            for channel in connected:
                cls = transport_class(channel.provider)
                if channel.kind == kind and recipient and cls is not None and cls.recipient_error(recipient) is None:
                    return channel, recipient
        return None


def quiet_until(now: datetime, zone: ZoneInfo) -> datetime | None:
    """09:00 local when ``now`` falls in the quiet hours (21:00–09:00 in ``zone``), else None."""
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone)


def greeting(lead: Lead, tenant: Tenant) -> str:
    name = f", {lead.name}" if lead.name else ""
    return (f"Здравствуйте{name}! Это «{tenant.name}». Получили вашу заявку — скоро свяжемся. "
            "Можно ответить на это сообщение.")


def _note(lead: Lead, kind: str, text: str, channel: str) -> None:
    LeadEvent.objects.create(lead=lead, kind=kind, text=text[:500], channel=channel, created_at=timezone.now())


@outbox.handler
def first_contact(lead_id: int) -> None:
    lead = Lead.objects.filter(pk=lead_id, first_contact_at__isnull=True, status=Lead.Status.NEW).first()
    if lead is not None:
        orchestrator: FirstContact = import_string(settings.FIRST_CONTACT_ORCHESTRATOR)()
        orchestrator.contact(lead)


def on_lead_accepted(sender: Any, lead: Lead, **kwargs: Any) -> None:
    """``leads.signals.lead_accepted``: the greeting goes from its own outbox message (it may wait for morning)."""
    outbox.enqueue(first_contact, lead.pk)
