"""The first message to a new lead, behind a small interface so an external orchestrator can take over
(``settings.FIRST_CONTACT_ORCHESTRATOR``).

The default greets a lead that wrote to us first (a message from an unknown sender) in that chat; others through
its preferred connected channel, else the first that can reach it in the workspace's order
(:class:`ContactPolicy`). Only providers that may write first are tried: SMS and e-mail straight to the lead's phone
and address, WhatsApp by template; a Telegram or MAX bot cannot write to a phone number, the visitor opens it.

No SMS between 21:00 and 09:00 in the lead's time zone (its browser's, else its phone's when the numbering plan
tells, else the workspace's) unless the workspace allows it. Outside the business hours set in the widget the
greeting says when the business answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from core import outbox
from core.channel_kinds import WEB
from core.errors import Conflict
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.phones import phone_time_zone
from tenant_apps.leads.services import add_event

from .booking import short_booking_link
from .kinds import Kind
from .models import FIRST_CONTACT_KINDS, Channel, ContactPolicy, Conversation
from .sending import current_workspace, send_message
from .services import transport_for
from .transport import transport_class
from .wording import NO_NAME, quoted, zone_label

QUIET_FROM, QUIET_UNTIL = time(21), time(9)
SERVICE_WINDOW = timedelta(hours=24)  # after a person's last message, free text reaches them (WhatsApp, §11)
NO_CHANNEL = ("Нет подключённого канала, которым можно написать клиенту первым: подключите SMS или e-mail "
              "в разделе «Каналы» (Telegram и MAX пишут только тем, кто сам открыл бота).")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу", "в воскресенье")

# Where the business hours come from: a function answering the widget's ``{"enabled", "days": {"mon": [["09:00",
# "18:00"]], …}}`` or None. Registered from above (widgets is a sibling this app may not import).
business_hours_sources: list[Callable[[], dict | None]] = []


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
        if channel.kind == Kind.SMS and not (contact_policy().sms_at_night or settings.SMS_AT_NIGHT):
            zone = lead_zone(lead, tenant)
            morning = quiet_until(timezone.now(), zone)
            if morning is not None:
                reason = f"Ночь у клиента: SMS уйдёт в {morning:%H:%M} по его времени — {zone_label(zone)}."
                _note(lead, LeadEvent.Kind.MESSAGE_POSTPONED, reason, channel.kind)
                raise outbox.RetryLater((morning - timezone.now()).total_seconds(), reason)
        template = None
        if not self._wrote_within_window(channel, recipient):
            try:
                template = transport_for(channel).first_contact_template((lead.name,))
            except Conflict as exc:  # the credentials cannot be decrypted: transport_for marked the channel
                _note(lead, LeadEvent.Kind.MESSAGE_FAILED, exc.message, channel.kind)
                return
        if template is None:
            send_message(channel, lead, recipient, greeting(lead, tenant), automatic=True)
        else:  # WhatsApp: only an approved template reaches someone who has not written within 24 hours
            send_message(channel, lead, recipient,
                         f"Шаблон «{template.name}» ({template.language}): {', '.join(template.parameters)}",
                         template, automatic=True)

    @staticmethod
    def _wrote_within_window(channel: Channel, recipient: str) -> bool:
        """The person wrote to this channel within WhatsApp's customer service window: free text may go."""
        return Conversation.objects.filter(channel=channel, address=recipient,
                                           last_inbound_at__gte=timezone.now() - SERVICE_WINDOW).exists()

    def _choose(self, lead: Lead) -> tuple[Channel, str] | None:
        chat = (lead.conversations.select_related("channel").filter(channel__status=Channel.Status.CONNECTED)
                .first())
        if chat is not None and chat.channel is not None:  # the lead wrote to us first: answer where it wrote
            return chat.channel, chat.address
        connected = list(Channel.objects.filter(status=Channel.Status.CONNECTED))
        preferred = [lead.preferred_channel] if lead.preferred_channel in FIRST_CONTACT_KINDS else []
        order = [*preferred, *contact_policy().fallback_order]
        for kind in order:
            recipient = lead.email if kind == Kind.EMAIL else lead.phone
            for channel in connected:
                cls = transport_class(channel.provider)
                if channel.kind == kind and recipient and cls is not None and cls.recipient_error(recipient) is None:
                    return channel, recipient
        return None


def contact_policy() -> ContactPolicy:
    return ContactPolicy.objects.first() or ContactPolicy()


def lead_zone(lead: Lead, tenant: Tenant) -> ZoneInfo:
    """The lead's time zone: its browser's, else its phone's when the numbering plan names one, else the workspace's."""
    return ZoneInfo(lead.timezone or (lead.phone and phone_time_zone(lead.phone)) or tenant.timezone)


def quiet_until(now: datetime, zone: ZoneInfo) -> datetime | None:
    """09:00 local when ``now`` falls in the quiet hours (21:00–09:00 in ``zone``), else None."""
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone)


def next_opening(hours: dict | None, now: datetime, zone: ZoneInfo) -> datetime | None:
    """When the business opens next if ``now`` is outside its hours (in ``zone``, the workspace's); None when it
    is open now, keeps no hours or none in the coming week."""
    if not hours or not hours.get("enabled"):
        return None
    local = now.astimezone(zone)
    starts = []
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for start, end in hours.get("days", {}).get(WEEKDAYS[day.weekday()], []):
            opens = datetime.combine(day, time.fromisoformat(start), tzinfo=zone)
            closes = datetime.combine(day, time.fromisoformat(end), tzinfo=zone)
            if opens <= local < closes:
                return None
            if opens > local:
                starts.append(opens)
    return min(starts, default=None)


def greeting(lead: Lead, tenant: Tenant) -> str:
    """Two SMS segments at most for a usual name and workspace (UCS-2, 67 characters each), the short booking
    link included. A lead that wrote first (a messenger, an SMS, an e-mail) sent a message, not a form."""
    name = f", {lead.name}" if lead.name and lead.name != NO_NAME else ""
    zone = ZoneInfo(tenant.timezone)
    now = timezone.now()
    opens = next(filter(None, (next_opening(source(), now, zone) for source in business_hours_sources)), None)
    if opens is None:
        when = "скоро свяжемся"
    else:
        day = "сегодня" if opens.date() == now.astimezone(zone).date() else (
            "завтра" if opens.date() == now.astimezone(zone).date() + timedelta(days=1)
            else WEEKDAY_NAMES[opens.weekday()])
        when = f"свяжемся {day} с {opens:%H:%M}"
    received = "получили вашу заявку" if lead.channel == WEB else "получили ваше сообщение"
    link = short_booking_link(lead, tenant)
    ending = f"Запись: {link}" if link else "Можно ответить на это сообщение."
    return f"Здравствуйте{name}! {quoted(tenant.name)}: {received}, {when}. {ending}"


def _note(lead: Lead, kind: str, text: str, channel: str) -> None:
    add_event(lead, kind, text, channel=channel)


@outbox.handler
def first_contact(lead_id: int) -> None:
    lead = Lead.objects.filter(pk=lead_id, first_contact_at__isnull=True, status=Lead.Status.NEW).first()
    if lead is not None:
        orchestrator: FirstContact = import_string(settings.FIRST_CONTACT_ORCHESTRATOR)()
        orchestrator.contact(lead)


def on_lead_accepted(sender: Any, lead: Lead, **kwargs: Any) -> None:
    """``leads.signals.lead_accepted``: the greeting goes from its own outbox message (it may wait for morning)."""
    outbox.enqueue(first_contact, lead.pk)
