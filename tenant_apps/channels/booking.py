"""Bookings through the workspace's Cal.com (run in the workspace's schema): connecting, the lead's prefilled
booking link and the booking webhooks.

The link carries ``metadata[leadId]`` and ``metadata[leadToken]`` (an HMAC of the workspace and the lead), which
Cal.com returns in the webhook's ``payload.metadata`` (reference §9), so a visitor cannot attach a booking to
another lead by editing the link. Webhooks are signed with the secret we generate (``X-Cal-Signature-256``); the
admin pastes it into Cal.com with the URL, so the cabinet shows both to administrators. A webhook applied once
(same event, booking and payload), or older than :data:`STALE_AFTER` or than the booking's last change, is
answered 200 and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

from core.errors import Conflict, InvalidInput
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Tenant
from tenant_apps.leads import services as leads
from tenant_apps.leads.models import Lead, LeadEvent

from . import crypto
from .models import Booking, BookingShortLink, BookingWebhook, CalendarConnection
from .providers.calcom import CalCom, EventType, clean_api_key, signature_valid
from .services import ProviderUnavailable, audited
from .transport import CredentialsRejected, InboundRejected, TemporaryError
from .wording import zone_label

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

STALE_AFTER = timedelta(days=3)
CREATED, RESCHEDULED, CANCELLED = "BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED"
FORGED = "Подпись вебхука Cal.com не совпала."
CALENDAR = "Календарь Cal.com"


@dataclass(frozen=True)
class Checked:
    """A key Cal.com accepted, its username and event types."""

    api_key: str
    username: str
    event_types: list[EventType]


def check_key(api_key: Any) -> Checked:
    """Ask Cal.com whether the key works and which event types it has; nothing is saved."""
    key, problem = clean_api_key(api_key)
    if problem:
        raise InvalidInput(fields={"apiKey": problem})
    client = CalCom(key)
    try:
        username = client.me().username
        event_types = client.event_types(username)
    except CredentialsRejected as exc:
        raise InvalidInput(exc.reason, code="credentials_rejected") from exc
    except TemporaryError as exc:
        raise ProviderUnavailable(exc.reason) from exc
    if not event_types:
        message = "В аккаунте Cal.com нет ни одного типа встречи: создайте его (Event Types → New) и повторите."
        raise InvalidInput(message, code="no_event_types")
    return Checked(key, username, event_types)


def connect(api_key: Any, event_type_id: Any, *, actor: User | None) -> CalendarConnection:
    """Check the key live and save the calendar with a new webhook secret (encrypted with the key)."""
    if CalendarConnection.objects.exists():
        raise Conflict("Cal.com уже подключен. Отключите его, чтобы подключить другой аккаунт.",
                       code="calendar_exists")
    checked = check_key(api_key)
    event_type = next((item for item in checked.event_types if str(item.id) == str(event_type_id).strip()), None)
    if event_type is None:
        message = "Выберите тип встречи из списка этого аккаунта Cal.com."
        raise InvalidInput(fields={"eventTypeId": message})
    credentials = {"apiKey": checked.api_key, "webhookSecret": secrets.token_urlsafe(32)}
    try:
        with transaction.atomic():
            calendar = CalendarConnection.objects.create(
                credentials_token=crypto.encrypt(credentials), secret_hint="••••" + checked.api_key[-4:],
                username=checked.username, event_type_id=event_type.id, event_type_slug=event_type.slug,
                event_type_title=event_type.title, booking_url=event_type.booking_url)
            audited("calendar.connected", CALENDAR, actor, eventType=event_type.title)
            return calendar
    except IntegrityError as exc:  # connected by someone else while Cal.com was checking
        raise Conflict("Cal.com уже подключен.", code="calendar_exists") from exc


def disconnect(*, actor: User | None) -> None:
    """Forget the key and the secret; the leads' bookings stay on their timelines."""
    with transaction.atomic():
        if CalendarConnection.objects.all().delete()[0]:
            audited("calendar.disconnected", CALENDAR, actor)


def connected_calendar() -> CalendarConnection | None:
    return CalendarConnection.objects.first()


def webhook_secret(calendar: CalendarConnection) -> str:
    """The secret to paste into Cal.com's webhook settings; "" when it cannot be decrypted any more."""
    try:
        return crypto.decrypt(calendar.credentials_token)["webhookSecret"]
    except crypto.InvalidToken:
        return ""


def webhook_url(calendar: CalendarConnection, tenant: Tenant) -> str:
    return f"{tenant.url}channels/calcom/{calendar.webhook_key}"


def lead_token(lead_id: int) -> str:
    """Ties a booking link to this workspace's lead: a visitor cannot forge another lead's."""
    value = f"{_schema()}:{lead_id}"
    return salted_hmac("tenant_apps.channels.booking", value, algorithm="sha256").hexdigest()[:32]


def booking_link(lead: Lead) -> str | None:
    """The booking page prefilled with the lead's name and e-mail and tied to the lead; None without a calendar."""
    found = connected_calendar()
    if found is None:
        return None
    params = {"name": lead.name, **({"email": lead.email} if lead.email else {}),
              "metadata[leadId]": str(lead.pk), "metadata[leadToken]": lead_token(lead.pk)}
    return f"{found.booking_url}?{urlencode(params, quote_via=quote)}"


def short_booking_link(lead: Lead, tenant: Tenant) -> str | None:
    """``https://<workspace host>/b/<code>``: redirects to :func:`booking_link` (an SMS greeting stays short);
    None without a calendar. The code is made once per lead."""
    if connected_calendar() is None:
        return None
    short, _ = BookingShortLink.objects.get_or_create(lead=lead)
    return f"{tenant.url}b/{short.code}"


# --- webhooks ---------------------------------------------------------------------------------------------------


class BadWebhook(ValueError):
    """A signed body we cannot read (not the JSON Cal.com sends): answered 400."""


def receive(calendar: CalendarConnection, body: bytes, signature: str, tenant: Tenant) -> str:
    """Apply one webhook; returns what happened ("applied", "duplicate", "stale", "ignored").
    :class:`InboundRejected` when the signature does not match, :class:`BadWebhook` for an unreadable body."""
    try:
        secret = crypto.decrypt(calendar.credentials_token)["webhookSecret"]
    except crypto.InvalidToken as exc:
        raise InboundRejected(FORGED) from exc
    if not signature_valid(secret, body, signature):
        raise InboundRejected(FORGED)
    try:
        webhook = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadWebhook("Тело вебхука — не JSON.") from exc
    if not isinstance(webhook, dict):
        raise BadWebhook("Тело вебхука — не JSON-объект.")
    # Signed by Cal.com: the webhook is set up right (its «Ping test» shows here too).
    CalendarConnection.objects.filter(pk=calendar.pk).update(last_webhook_at=timezone.now())
    trigger, payload = webhook.get("triggerEvent"), webhook.get("payload")
    if trigger not in (CREATED, RESCHEDULED, CANCELLED):
        return "ignored"  # PING, MEETING_ENDED and the others
    if not isinstance(payload, dict):
        raise BadWebhook("В вебхуке нет payload.")
    sent_at, starts_at = _time(webhook.get("createdAt")), _time(payload.get("startTime"))
    uid = payload.get("uid")
    if sent_at is None or starts_at is None or not isinstance(uid, str) or not uid:
        raise BadWebhook("В вебхуке нет createdAt, uid или startTime.")
    if sent_at < timezone.now() - STALE_AFTER:
        return "stale"
    digest = hashlib.sha256("\n".join(
        [trigger, uid, json.dumps(payload, sort_keys=True, separators=(",", ":"))]).encode()).hexdigest()
    with transaction.atomic():
        try:
            with transaction.atomic():
                BookingWebhook.objects.create(digest=digest)
        except IntegrityError:
            return "duplicate"
        # A redelivery older than STALE_AFTER is refused by its createdAt: older digests are not needed.
        BookingWebhook.objects.filter(created_at__lt=timezone.now() - 2 * STALE_AFTER).delete()
        return _apply(trigger, uid, payload, sent_at, starts_at, ZoneInfo(tenant.timezone))


def _apply(trigger: str, uid: str, payload: dict, sent_at: datetime, starts_at: datetime, zone: ZoneInfo) -> str:
    known = Booking.objects.select_for_update().filter(uid=uid).first()
    if known is not None and known.event_created_at > sent_at:
        return "stale"
    if trigger == CANCELLED:
        if known is None:
            return "ignored"  # not a booking of ours (CANCELLED carries no metadata)
        return _cancel(known, payload, sent_at, zone)
    previous = None
    if trigger == RESCHEDULED and isinstance(payload.get("rescheduleUid"), str):
        previous = Booking.objects.select_for_update().filter(uid=payload["rescheduleUid"]).first()
    lead = known.lead if known else previous.lead if previous else _lead_of(payload.get("metadata"))
    if lead is None:
        return "ignored"
    lead = leads.locked(lead.pk)
    if previous is not None:
        previous.status, previous.event_created_at = Booking.Status.RESCHEDULED, sent_at
        previous.save(update_fields=["status", "event_created_at"])
    Booking.objects.update_or_create(uid=uid, defaults={
        "lead": lead, "starts_at": starts_at, "status": Booking.Status.BOOKED, "event_created_at": sent_at})
    # The e-mail typed into Cal.com's form is kept when the lead had none: the operators can write to it now.
    leads.record_booking(lead, starts_at, email=_attendee_email(payload))
    title = str(payload.get("title") or payload.get("eventTitle") or "встреча")[:150]
    what = "Запись перенесена на" if trigger == RESCHEDULED or known is not None else "Записан на"
    _note(lead, LeadEvent.Kind.BOOKED, f"{what} {_local(starts_at, zone)} · «{title}» (Cal.com)")
    return "applied"


def _cancel(booking: Booking, payload: dict, sent_at: datetime, zone: ZoneInfo) -> str:
    booking.status, booking.event_created_at = Booking.Status.CANCELLED, sent_at
    booking.save(update_fields=["status", "event_created_at"])
    lead = leads.locked(booking.lead_id)
    text = f"Запись на {_local(booking.starts_at, zone)} отменена"
    reason = payload.get("cancellationReason")
    if isinstance(reason, str) and reason.strip():
        text += f": {reason.strip()[:200]}"
    if lead.status == Lead.Status.BOOKED and not lead.bookings.filter(status=Booking.Status.BOOKED).exists():
        leads.cancel_booking(lead)
        text += f" · статус «{lead.get_status_display()}»"
    _note(lead, LeadEvent.Kind.STATUS_CHANGED, text + " (Cal.com)")
    return "applied"


def _lead_of(metadata: Any) -> Lead | None:
    """The lead named by a booking link's metadata, when its token is right."""
    if not isinstance(metadata, dict):
        return None
    lead_id, token = str(metadata.get("leadId", "")), str(metadata.get("leadToken", ""))
    if not lead_id.isdigit() or len(lead_id) > 18 or not constant_time_compare(token, lead_token(int(lead_id))):
        return None
    return Lead.objects.filter(pk=int(lead_id)).first()


def _attendee_email(payload: dict) -> str:
    """The booker's e-mail: the first attendee's, else the form's answer; "" when none looks like an address."""
    attendees = payload.get("attendees")
    first = attendees[0] if isinstance(attendees, list) and attendees and isinstance(attendees[0], dict) else {}
    answer = payload.get("responses", {}).get("email") if isinstance(payload.get("responses"), dict) else None
    for value in (first.get("email"), answer.get("value") if isinstance(answer, dict) else None):
        if isinstance(value, str):
            try:
                validate_email(value.strip())
            except ValidationError:
                continue
            return value.strip()
    return ""


def _time(value: Any) -> datetime | None:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _local(moment: datetime, zone: ZoneInfo) -> str:
    with translation.override("ru"):
        return f"{date_format(moment.astimezone(zone), 'j E Y, H:i')}, {zone_label(zone)}"


def _note(lead: Lead, kind: str, text: str) -> None:
    leads.add_event(lead, kind, text)


def _schema() -> str:
    return cast("DatabaseWrapper", connection).schema_name
