"""Workspace API of the channels (tenant host, JSON in camelCase): list, connect (checked live), test, remove.

Administrators manage channels (``channels.edit``), operators see them (``channels.view``). No answer ever carries a
credential: only the masked hint of the secret (``••••3f9a``).
"""

from datetime import datetime

from ninja import Field, Router, Schema, Status

from core.api_errors import ErrorOut
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from . import selectors, services
from .models import Channel, DeliveryAttempt

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


class ConnectIn(Schema):
    provider: str = Field(max_length=16)
    credentials: dict[str, str] = Field(max_length=10)


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
            "created_at": channel.created_at}


@router.get("/channels", response=list[ChannelOut], by_alias=True, summary="listChannels")
@requires(Perm.CHANNELS_VIEW)
def list_channels(request: WorkspaceRequest):
    return [_channel_out(channel) for channel in selectors.channels()]


@router.post("/channels", response={201: ChannelOut, 409: ErrorOut}, by_alias=True, summary="connectChannel")
@requires(Perm.CHANNELS_EDIT)
def connect_channel(request: WorkspaceRequest, payload: ConnectIn):
    return Status(201, _channel_out(services.connect(payload.provider, payload.credentials)))


@router.post("/channels/{channel_id}/test", response={200: TestOut, 409: ErrorOut}, by_alias=True,
             summary="testChannel")
@requires(Perm.CHANNELS_EDIT)
def test_channel(request: WorkspaceRequest, channel_id: int, payload: TestIn):
    channel = selectors.channel(channel_id)
    attempt: DeliveryAttempt = services.send_test(channel, payload.recipient, payload.text)
    return {"id": attempt.pk, "status": attempt.status, "provider_message_id": attempt.provider_message_id,
            "error": attempt.error, "channel": _channel_out(channel)}


@router.delete("/channels/{channel_id}", response={204: None}, summary="deleteChannel")
@requires(Perm.CHANNELS_EDIT)
def delete_channel(request: WorkspaceRequest, channel_id: int):
    services.disconnect(selectors.channel(channel_id))
    return Status(204, None)
