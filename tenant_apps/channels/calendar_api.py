"""Cal.com bookings through the workspace API: ``GET|POST|DELETE /api/v1/calendar`` and the key's event types.

Administrators connect (``channels.edit``), operators see the connection (``channels.view``). The API key is
never returned; the webhook secret only once, in the answer to connecting (the cabinet shows it to admins with the
webhook's setup instructions).
"""

from datetime import datetime

from ninja import Field, Router, Schema, Status

from core.api_errors import ErrorOut
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from . import booking
from .models import CalendarConnection

router = Router(tags=["calendar"], auth=TENANT_AUTH)


class CalendarOut(Schema):
    username: str
    event_type_id: int = Field(serialization_alias="eventTypeId")
    event_type_slug: str = Field(serialization_alias="eventTypeSlug")
    event_type_title: str = Field(serialization_alias="eventTypeTitle")
    booking_url: str = Field(serialization_alias="bookingUrl")
    webhook_url: str = Field(serialization_alias="webhookUrl")
    secret_hint: str = Field(serialization_alias="secretHint")
    status: str
    last_error: str = Field(serialization_alias="lastError")
    last_webhook_at: datetime | None = Field(serialization_alias="lastWebhookAt")
    created_at: datetime = Field(serialization_alias="createdAt")


class CalendarStateOut(Schema):
    connected: bool
    calendar: CalendarOut | None


class ConnectedOut(CalendarOut):
    webhook_secret: str = Field(serialization_alias="webhookSecret")


class KeyIn(Schema):
    api_key: str = Field(alias="apiKey", max_length=256)


class ConnectIn(KeyIn):
    event_type_id: int = Field(alias="eventTypeId", ge=1)


class EventTypeOut(Schema):
    id: int
    slug: str
    title: str
    length: int
    booking_url: str = Field(serialization_alias="bookingUrl")


def _out(calendar: CalendarConnection, request: WorkspaceRequest) -> dict:
    return {"username": calendar.username, "event_type_id": calendar.event_type_id,
            "event_type_slug": calendar.event_type_slug, "event_type_title": calendar.event_type_title,
            "booking_url": calendar.booking_url, "webhook_url": booking.webhook_url(calendar, request.tenant),
            "secret_hint": calendar.secret_hint, "status": calendar.status, "last_error": calendar.last_error,
            "last_webhook_at": calendar.last_webhook_at, "created_at": calendar.created_at}


@router.get("/calendar", response=CalendarStateOut, by_alias=True, summary="getCalendar")
@requires(Perm.CHANNELS_VIEW)
def get_calendar(request: WorkspaceRequest):
    calendar = booking.connected_calendar()
    return {"connected": calendar is not None, "calendar": _out(calendar, request) if calendar else None}


@router.post("/calendar/event-types", response={200: list[EventTypeOut], 503: ErrorOut}, by_alias=True,
             summary="listCalendarEventTypes")
@requires(Perm.CHANNELS_EDIT)
def list_event_types(request: WorkspaceRequest, payload: KeyIn):
    """The key's event types, to choose one before connecting; the key is checked live and not saved."""
    return [{"id": item.id, "slug": item.slug, "title": item.title, "length": item.length,
             "booking_url": item.booking_url} for item in booking.check_key(payload.api_key).event_types]


@router.post("/calendar", response={201: ConnectedOut, 409: ErrorOut, 503: ErrorOut}, by_alias=True,
             summary="connectCalendar")
@requires(Perm.CHANNELS_EDIT)
def connect_calendar(request: WorkspaceRequest, payload: ConnectIn):
    """Checks the key live (400 with Cal.com's reason, 503 when it does not answer: nothing saved). The answer
    carries ``webhookSecret`` once: paste it with ``webhookUrl`` into Cal.com → Settings → Developer → Webhooks."""
    calendar = booking.connect(payload.api_key, payload.event_type_id, actor=request.user)
    return Status(201, {**_out(calendar, request), "webhook_secret": booking.webhook_secret(calendar)})


@router.delete("/calendar", response={204: None}, summary="disconnectCalendar")
@requires(Perm.CHANNELS_EDIT)
def disconnect_calendar(request: WorkspaceRequest):
    booking.disconnect(actor=request.user)
    return Status(204, None)
