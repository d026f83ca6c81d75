"""The two-way conversation with a lead (run in the workspace's schema): people's messages from the providers'
webhooks land on the lead's timeline, a messenger deep link's one-time token links a chat to its lead, operators
answer through the channel the lead wrote from.

A provider delivers a webhook again when it is unsure we got it: each message is stored once (:class:`InboundMessage`).
The operators hear of new messages by e-mail, at most once per lead in :data:`NOTIFY_EVERY_SECONDS`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from billing import entitlements
from core import email
from core.errors import Conflict, InvalidInput
from core.ratelimit import RateLimit
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import add_event, create_lead, refuse_if_erased

from .first_contact import SERVICE_WINDOW, greeting
from .kinds import BY_CODE, Kind
from .models import Channel, ContactToken, Conversation, DeliveryAttempt, InboundMessage
from .sending import current_workspace, send_message
from .services import transport_for
from .staff import is_staff_start, link_chat
from .transport import Inbound
from .wording import NO_NAME, quoted

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

    from shared_apps.accounts.models import User

logger = logging.getLogger(__name__)

NOTIFY_EVERY_SECONDS = 300
MAX_REPLY = 1600
WHATSAPP_CLOSED = ("WhatsApp разрешает свободный текст только в течение 24 часов после сообщения клиента: "
                   "дождитесь, пока клиент напишет снова, или ответьте через другой канал.")
NO_REPLY_CHANNEL = ("Ответить клиенту нечем: он не писал ни в один подключённый канал, а для его телефона или "
                    "e-mail нет подключённого SMS или e-mail.")
DEEP_LINK_KINDS = (Kind.TELEGRAM, Kind.MAX)
BOT_START = re.compile(r"/start(?:@\w+)?")  # a messenger's command sent when a person opens the bot
BOT_OPENED = "Клиент открыл бота"
PHONE_KINDS = (Kind.SMS, Kind.WHATSAPP)


# --- incoming ----------------------------------------------------------------------------------------------------

def receive(channel: Channel, inbounds: list[Inbound]) -> None:
    """Store the messages of one webhook request on their leads' timelines. A stranger's message becomes a lead
    within the plan's monthly limit, like the widget's; over it (or on a blocked account) it is dropped and logged.

    Every stranger is treated alike, whatever the channel: an unknown SMS or e-mail sender and a messenger chat
    opened without a valid deep link (no token, an expired or used one) are real contacts, so each becomes a lead
    and is greeted by the first contact through the chat it wrote from («получили ваше сообщение»: it sent no
    form). A sender whose phone or e-mail a lead already has lands on that lead, which is not greeted again."""
    for inbound in inbounds:
        try:
            with transaction.atomic():
                lead = _receive(channel, inbound)
        except entitlements.LimitReached as exc:
            logger.warning("inbound_lead_refused", extra={"provider": channel.provider, "code": exc.code})
            continue
        if lead is not None and inbound.text:
            _notify(lead, inbound.text)


def _receive(channel: Channel, inbound: Inbound) -> Lead | None:
    """The lead the message landed on; None for a message already stored."""
    try:
        with transaction.atomic():
            stored = InboundMessage.objects.create(provider=channel.provider,
                                                   provider_message_id=inbound.provider_message_id[:128])
    except IntegrityError:
        return None  # a redelivered webhook
    if inbound.start_token and is_staff_start(inbound.start_token):
        link_chat(channel, inbound.sender, inbound.start_token)  # a member linking staff alerts, not a lead
        return None
    now = timezone.now()
    label = BY_CODE[channel.provider].label
    lead = _consume(inbound.start_token, now) if inbound.start_token else None
    if lead is not None:
        conversation = _link(channel, inbound.sender, lead, now)
        _event(lead, f"{label}: клиент открыл чат по ссылке из формы", channel.kind)
        send_message(channel, lead, inbound.sender, greeting(lead, current_workspace()), automatic=True)
    else:
        known = Conversation.objects.select_for_update().filter(
            provider=channel.provider, address=inbound.sender).select_related("lead").first()
        if known is not None:
            conversation, lead = known, known.lead
            conversation.channel, conversation.last_inbound_at = channel, now
            conversation.save(update_fields=["channel", "last_inbound_at"])
        else:
            lead = _lead_of_address(channel.kind, inbound.sender) or _new_lead(channel.kind, inbound)
            conversation = _link(channel, inbound.sender, lead, now)
        _event(lead, _text_of(channel, inbound), channel.kind)  # the event's channel says where from
    stored.conversation = conversation
    stored.save(update_fields=["conversation"])
    return lead


def _text_of(channel: Channel, inbound: Inbound) -> str:
    """The person's words for the timeline; a messenger's bare ``/start`` says the bot was opened."""
    if inbound.start_token:  # a deep link's token that opened no lead
        return f"{BOT_OPENED} (ссылка недействительна или уже использована)"
    if channel.kind in DEEP_LINK_KINDS and BOT_START.fullmatch(inbound.text.strip()):
        return BOT_OPENED
    return inbound.text or "(пустое сообщение)"


def _consume(token: str, now) -> Lead | None:
    """The lead of an unused, unexpired token, which is used up; None otherwise (the link opens no one's lead)."""
    found = (ContactToken.objects.select_for_update().select_related("lead")
             .filter(token=token, used_at__isnull=True, expires_at__gt=now).first())
    if found is None:
        return None
    found.used_at = now
    found.save(update_fields=["used_at"])
    return found.lead


def _link(channel: Channel, address: str, lead: Lead, now) -> Conversation:
    conversation, _ = Conversation.objects.update_or_create(
        provider=channel.provider, address=address,
        defaults={"lead": lead, "channel": channel, "last_inbound_at": now})
    return conversation


def _phone_of(kind: str, address: str) -> str:
    """The E.164 number of an SMS sender or a WhatsApp id (digits without the plus)."""
    return address if address.startswith("+") or kind == Kind.SMS else f"+{address}"


def _lead_of_address(kind: str, address: str) -> Lead | None:
    """The latest lead with the sender's phone (SMS, WhatsApp) or e-mail."""
    if kind in PHONE_KINDS:
        return Lead.objects.filter(phone=_phone_of(kind, address)).order_by("-created_at", "-id").first()
    if kind == Kind.EMAIL:
        return Lead.objects.filter(email__iexact=address).order_by("-created_at", "-id").first()
    return None


def _new_lead(kind: str, inbound: Inbound) -> Lead:
    entitlements.admit_lead(current_workspace().client_account)
    phone = _phone_of(kind, inbound.sender) if kind in PHONE_KINDS else ""
    mail = inbound.sender if kind == Kind.EMAIL else ""
    return create_lead(name=inbound.sender_name.strip()[:150] or NO_NAME, phone=phone[:20], email=mail, channel=kind)


def _event(lead: Lead, text: str, kind: str) -> None:
    add_event(lead, LeadEvent.Kind.MESSAGE_IN, text, channel=kind)


def _notify(lead: Lead, text: str) -> None:
    """E-mail the lead's operator (or, when nobody is assigned, every admin and operator) about a new message."""
    schema = cast("DatabaseWrapper", connection).schema_name
    if not RateLimit("inbound-notify", 1, NOTIFY_EVERY_SECONDS).hit(f"{schema}:{lead.pk}").allowed:
        return
    tenant = current_workspace()
    members = Membership.objects.filter(tenant=tenant).select_related("user")
    assigned = list(members.filter(user_id=lead.assigned_to_id)) if lead.assigned_to_id else []
    recipients = assigned or list(members.filter(role__in=[Membership.Role.ADMIN, Membership.Role.OPERATOR]))
    preview = text if len(text) <= 200 else text[:199] + "…"
    for membership in recipients:
        email.send("inbound_message", membership.user.email, f"Новое сообщение от клиента {quoted(lead.name)}",
                   {"user": membership.user, "tenant": tenant, "lead": lead, "preview": preview,
                    "lead_url": lead_url(tenant, lead), "workspace_name": quoted(tenant.name),
                    "lead_name": quoted(lead.name)})


def lead_url(tenant: Tenant, lead: Lead) -> str:
    return tenant.url.rstrip("/") + reverse("dashboard:lead", urlconf="config.urls_tenant", args=[lead.pk])


# --- deep links ----------------------------------------------------------------------------------------------------

def messenger_links(lead: Lead) -> list[dict[str, str]]:
    """Buttons for the visitor who just left ``lead``: open the workspace's Telegram or MAX bot with a one-time
    token that links the chat to the lead. Empty when no such channel is connected."""
    channels = list(Channel.objects.filter(status=Channel.Status.CONNECTED, kind__in=DEEP_LINK_KINDS))
    if not channels:
        return []
    token = ContactToken.objects.create(lead=lead).token
    links = []
    for channel in channels:
        try:
            url = transport_for(channel).deep_link(token)
        except Conflict:  # unreadable credentials: transport_for marked the channel
            continue
        if url:
            links.append({"kind": channel.kind, "label": f"Написать в {channel.get_kind_display()}", "url": url})
    return links


# --- replies -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplyTarget:
    channel: Channel
    recipient: str
    conversation: Conversation | None

    @property
    def label(self) -> str:
        return BY_CODE[self.channel.provider].label


def reply_targets(lead: Lead) -> list[ReplyTarget]:
    """Where an operator may answer: the chats the lead wrote from (latest first), then SMS and e-mail straight to
    the lead's phone and address; one target per channel."""
    targets: dict[int, ReplyTarget] = {}
    conversations = (lead.conversations.select_related("channel")
                     .exclude(channel=None).exclude(channel__status=Channel.Status.DISABLED))
    for conversation in conversations:
        channel = cast("Channel", conversation.channel)
        targets.setdefault(channel.pk, ReplyTarget(channel, conversation.address, conversation))
    for channel in Channel.objects.exclude(status=Channel.Status.DISABLED).filter(kind__in=[Kind.SMS, Kind.EMAIL]):
        recipient = lead.email if channel.kind == Kind.EMAIL else lead.phone
        if recipient and channel.pk not in targets:
            targets[channel.pk] = ReplyTarget(channel, recipient, None)
    return list(targets.values())


def reply(lead: Lead, text: str, user: User, channel_id: int | None = None) -> DeliveryAttempt:
    """An operator's message to the lead, queued like every other; the timeline shows it once sent."""
    refuse_if_erased(lead)
    text = text.strip()
    if not text:
        raise InvalidInput(fields={"text": "Напишите текст сообщения."})
    if len(text) > MAX_REPLY:
        raise InvalidInput(fields={"text": f"Не длиннее {MAX_REPLY} символов."})
    targets = reply_targets(lead)
    if channel_id is not None:
        targets = [target for target in targets if target.channel.pk == channel_id]
        if not targets:
            message = "Через этот канал клиенту ответить нельзя: выберите другой."
            raise InvalidInput(message, fields={"channelId": message})
    if not targets:
        raise InvalidInput(NO_REPLY_CHANNEL)
    target = targets[0]
    if target.channel.kind == Kind.WHATSAPP and not whatsapp_window_open(target.conversation):
        raise InvalidInput(WHATSAPP_CLOSED, code="whatsapp_window_closed")
    logger.info("operator_reply", extra={"leadId": lead.pk, "userId": user.pk, "provider": target.channel.provider})
    return send_message(target.channel, lead, target.recipient, text, author=user)


def whatsapp_window_open(conversation: Conversation | None) -> bool:
    last = conversation.last_inbound_at if conversation else None
    return last is not None and timezone.now() - last < SERVICE_WINDOW
