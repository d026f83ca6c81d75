"""Workspace API of the channels (tenant host, JSON in camelCase): list, connect (checked live), change (keys,
disable/enable), test, remove, statistics.

Administrators manage channels (``channels.edit``), operators see them (``channels.view``). No answer ever carries a
credential: only the masked hint of the secret (``••••3f9a``).
"""

from dataclasses import asdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from core.api_errors import ErrorOut
from core.errors import NotFound
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.leads.selectors import lead_detail

from . import conversation, selectors, services, stats
from .first_contact import contact_policy
from .models import Channel, ContactPolicy, DeliveryAttempt
from .transport import transport_class

router = Router(tags=["channels"], auth=TENANT_AUTH)


class ChannelOut(Schema):
    id: int
    provider: str
    kind: str
    status: str
    secret_hint: str = Field(serialization_alias="secretHint")
    last_error: str = Field(serialization_alias="lastError")
    last_success_at: datetime | None = Field(serialization_alias="lastSuccessAt")
    last_error_at: datetime | None = Field(serialization_alias="lastErrorAt")
    created_at: datetime = Field(serialization_alias="createdAt")
    # For providers configured in their own console (Twilio): the webhook address to paste there, and where.
    inbound_url: str | None = Field(serialization_alias="inboundUrl")
    inbound_setup: str = Field(serialization_alias="inboundSetup")


class ConnectIn(Schema):
    provider: str = Field(max_length=16)
    credentials: dict[str, str] = Field(max_length=10)


class UpdateIn(Schema):
    credentials: dict[str, str] | None = Field(None, max_length=10)
    enabled: bool | None = None


class StatsQuery(Schema):
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")


class ChannelStatsOut(Schema):
    provider: str
    kind: str
    label: str
    channel_id: int | None = Field(serialization_alias="channelId")
    sent: int
    failed: int
    delivered: int | None
    inbound_replies: int = Field(serialization_alias="inboundReplies")
    leads_contacted: int = Field(serialization_alias="leadsContacted")
    leads_booked: int = Field(serialization_alias="leadsBooked")
    conversion: float | None
    median_first_contact_seconds: float | None = Field(serialization_alias="medianFirstContactSeconds")


class StatsOut(Schema):
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    timezone: str
    channels: list[ChannelStatsOut]


class TestIn(Schema):
    recipient: str = Field(max_length=255)
    text: str = Field(max_length=4000)


class TestOut(Schema):
    id: int
    status: str
    provider_message_id: str = Field(serialization_alias="providerMessageId")
    error: str
    channel: ChannelOut


def _channel_out(channel: Channel) -> dict:
    return {"id": channel.pk, "provider": channel.provider, "kind": channel.kind, "status": channel.status,
            "secret_hint": channel.secret_hint, "last_error": channel.last_error,
            "last_success_at": channel.last_success_at, "last_error_at": channel.last_error_at,
            "created_at": channel.created_at, **_inbound_setup(channel)}


def _inbound_setup(channel: Channel) -> dict:
    cls = transport_class(channel.provider)
    setup = cls.inbound_setup if cls else ""
    return {"inbound_url": services.inbound_url(channel.provider, channel.inbound_key) if setup else None,
            "inbound_setup": setup}


@router.get("/channels", response=list[ChannelOut], by_alias=True, summary="listChannels")
@requires(Perm.CHANNELS_VIEW)
def list_channels(request: WorkspaceRequest):
    return [_channel_out(channel) for channel in selectors.channels()]


@router.get("/channels/stats", response=StatsOut, by_alias=True, summary="getChannelStats")
@requires(Perm.CHANNELS_VIEW)
def channel_stats(request: WorkspaceRequest, query: Query[StatsQuery]):
    zone = ZoneInfo(request.tenant.timezone)
    within = stats.period(query.date_from, query.date_to, zone, timezone.localdate(timezone=zone))
    return {"date_from": within.start, "date_to": within.end, "timezone": request.tenant.timezone,
            "channels": [asdict(row) for row in stats.channel_stats(within)]}


class ContactPolicyIO(Schema):
    fallback_order: list[str] = Field(alias="fallbackOrder", max_length=3)
    sms_at_night: bool = Field(alias="smsAtNight")


def _policy_out(policy: ContactPolicy) -> dict:
    return {"fallbackOrder": policy.fallback_order, "smsAtNight": policy.sms_at_night}


@router.get("/channels/first-contact", response=ContactPolicyIO, by_alias=True, summary="getFirstContactPolicy")
@requires(Perm.CHANNELS_VIEW)
def get_contact_policy(request: WorkspaceRequest):
    """After the lead's preferred channel, the greeting tries these kinds in order; SMS waits for 09:00 in the
    lead's time zone unless ``smsAtNight``."""
    return _policy_out(contact_policy())


@router.put("/channels/first-contact", response=ContactPolicyIO, by_alias=True, summary="setFirstContactPolicy")
@requires(Perm.CHANNELS_EDIT)
def set_contact_policy(request: WorkspaceRequest, payload: ContactPolicyIO):
    return _policy_out(services.update_contact_policy(payload.fallback_order, payload.sms_at_night))


@router.post("/channels", response={201: ChannelOut, 409: ErrorOut}, by_alias=True, summary="connectChannel")
@requires(Perm.CHANNELS_EDIT)
def connect_channel(request: WorkspaceRequest, payload: ConnectIn):
    return Status(201, _channel_out(services.connect(payload.provider, payload.credentials, actor=request.user)))


@router.post("/channels/{channel_id}/test", response={200: TestOut, 409: ErrorOut}, by_alias=True,
             summary="testChannel")
@requires(Perm.CHANNELS_EDIT)
def test_channel(request: WorkspaceRequest, channel_id: int, payload: TestIn):
    channel = selectors.channel(channel_id)
    attempt: DeliveryAttempt = services.send_test(channel, payload.recipient, payload.text)
    return {"id": attempt.pk, "status": attempt.status, "provider_message_id": attempt.provider_message_id,
            "error": attempt.error, "channel": _channel_out(channel)}


@router.patch("/channels/{channel_id}", response={200: ChannelOut, 409: ErrorOut}, by_alias=True,
              summary="updateChannel")
@requires(Perm.CHANNELS_EDIT)
def update_channel(request: WorkspaceRequest, channel_id: int, payload: UpdateIn):
    """Replace the credentials (checked live: 400 with the provider's reason, nothing changed) and/or disable or
    enable the channel (enabling checks the stored credentials live)."""
    channel = selectors.channel(channel_id)
    return _channel_out(services.update(channel, actor=request.user, credentials=payload.credentials,
                                        enabled=payload.enabled))


@router.delete("/channels/{channel_id}", response={204: None}, summary="deleteChannel")
@requires(Perm.CHANNELS_EDIT)
def delete_channel(request: WorkspaceRequest, channel_id: int):
    services.disconnect(selectors.channel(channel_id), actor=request.user)
    return Status(204, None)


class ReplyIn(Schema):
    text: str = Field(max_length=4000)
    channel_id: int | None = Field(None, alias="channelId")


class ReplyOut(Schema):
    id: int
    status: str
    provider: str
    recipient: str
    channel_id: int | None = Field(serialization_alias="channelId")


@router.post("/leads/{lead_id}/messages", response={202: ReplyOut}, by_alias=True, summary="replyToLead")
@requires(Perm.LEADS_ACT)
def reply_to_lead(request: WorkspaceRequest, lead_id: int, payload: ReplyIn):
    """An operator's message to the lead through the channel it wrote from (or ``channelId``), else SMS or e-mail
    to its phone or address; queued — the lead's timeline shows it once the provider takes it. WhatsApp takes free
    text only within 24 hours of the client's last message (400 otherwise)."""
    lead = lead_detail(lead_id)
    if lead is None:
        raise NotFound("Лид не найден.")
    attempt = conversation.reply(lead, payload.text, request.user, payload.channel_id)
    return Status(202, {"id": attempt.pk, "status": attempt.status, "provider": attempt.provider,
                        "recipient": attempt.recipient, "channel_id": attempt.channel_id})
