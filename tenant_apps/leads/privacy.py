"""152-FZ data-subject requests about one lead: everything we hold about it (``personal_data``), the erasure of its
personal data (``erase``) and the workspace's retention period (``erase_expired``).

An erased lead keeps its row, its kinds and times of events and what the statistics count (channel, status, source
page's path, UTM campaign): analytics' facts and sums do not move. Apps above leads keep rows about a lead too
(channels: the conversation, messages, bookings); each adds its section of the export and its part of the erasure
with ``register`` from its AppConfig.ready, since leads may not import them.
"""

import calendar
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast, Concat
from django.http import HttpResponse
from django.utils import timezone

from core.errors import NotFound
from core.models import OutboxMessage
from shared_apps.accounts.models import User
from shared_apps.audit.services import record
from shared_apps.tenancy.models import Tenant

from .models import ConsentRecord, Lead, LeadEvent
from .selectors import consent_of, lead_detail
from .services import NOT_FOUND, add_event, locked

ERASED_NAME = "Удалено"
ERASED_TEXT = "Текст удалён"
BY_REQUEST = "Персональные данные удалены по запросу"
BY_RETENTION = "Персональные данные удалены по сроку хранения"
ERASED_NOW = "Персональные данные лида удалены. Статистика сохранена."
ALREADY_ERASED = "Персональные данные лида уже были удалены {:%d.%m.%Y}: повторно ничего не удалено."
RETENTION_BATCH = 200
TRACE_MIN_CHARS = 12  # a shorter text taken from the timeline («ок») would match other leads' rows too
# Kinds whose whole text is someone's words or a message with its recipient; the rest are the product's own
# wording, except a member's comment after a status change, which is cut off (_status_text).
FREE_TEXT_KINDS = frozenset({LeadEvent.Kind.NOTE, LeadEvent.Kind.MESSAGE_IN, LeadEvent.Kind.MESSAGE_OUT,
                             LeadEvent.Kind.MESSAGE_FAILED, LeadEvent.Kind.MESSAGE_POSTPONED,
                             LeadEvent.Kind.ESCALATED})
STATUS_CHANGE = re.compile(r"Статус «[^»]*» → «[^»]*»(?: · причина: [^·]*[^·\s])?")
UTM_KEYS = ("source", "medium", "campaign", "term", "content")


@dataclass(frozen=True)
class Traces:
    """What identified the lead, for erasers to find rows not tied to it by a key: its phone and e-mail, the free
    texts taken out of its timeline, and the address of its card, which staff alerts quote."""

    lead_id: int
    phone: str
    email: str
    texts: tuple[str, ...]

    @property
    def needles(self) -> list[str]:
        return [value for value in (self.phone, self.email, *self.texts) if value]

    @property
    def card_link(self) -> re.Pattern[str]:
        return re.compile(rf"/leads/{self.lead_id}(?!\d)")

    def found_in(self, text: str) -> bool:
        return bool(self.card_link.search(text)) or any(needle in text for needle in self.needles)


Exporter = Callable[[Lead], Any]
Eraser = Callable[[Lead, Traces], None]


@dataclass(frozen=True)
class Section:
    exporter: Exporter
    eraser: Eraser


_sections: dict[str, Section] = {}


def register(name: str, exporter: Exporter, eraser: Eraser) -> None:
    """An app above leads adds what it holds about a lead: ``exporter(lead)`` returns the export's section
    ``name`` (JSON-ready), ``eraser(lead, traces)`` removes its personal data inside the erasure's transaction."""
    _sections[name] = Section(exporter, eraser)


# --- export --------------------------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def person(user: User | None) -> dict | None:
    """A member as exports name them (users live in the public schema: a departed one is just an id)."""
    return {"id": user.pk, "name": user.get_full_name()} if user is not None else None


def personal_data(lead: Lead) -> dict[str, Any]:
    """Everything held about the lead, JSON-ready: its fields, the consent record, the whole timeline with who did
    what, and each registered app's section."""
    found = lead_detail(lead.pk)
    if found is None:
        raise NotFound(NOT_FOUND)
    return {
        "lead": _lead_fields(found),
        "consent": _consent_fields(consent_of(found)),
        "timeline": [{"kind": event.kind, "kindLabel": event.get_kind_display(), "text": event.text,
                      "channel": event.channel, "createdAt": iso(event.created_at), "author": person(event.actor)}
                     for event in found.events.all()],
        **{name: section.exporter(found) for name, section in _sections.items()},
    }


def _lead_fields(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk, "name": lead.name, "phone": lead.phone, "email": lead.email, "channel": lead.channel,
        "preferredChannel": lead.preferred_channel, "status": lead.status, "lostReason": lead.lost_reason,
        "timezone": lead.timezone, "pageUrl": lead.page_url,
        "utm": {key: getattr(lead, f"utm_{key}") for key in UTM_KEYS},
        "assignedTo": person(lead.assigned_to), "createdAt": iso(lead.created_at),
        "firstContactAt": iso(lead.first_contact_at), "bookedAt": iso(lead.booked_at),
        "escalatedAt": iso(lead.escalated_at), "erasedAt": iso(lead.erased_at),
    }


def _consent_fields(consent: ConsentRecord | None) -> dict[str, Any] | None:
    if consent is None:
        return None
    return {"version": consent.consent_version, "text": consent.consent_text,
            "privacyPolicyUrl": consent.privacy_policy_url, "personalData": consent.personal_data,
            "marketing": consent.marketing, "givenAt": iso(consent.given_at), "ip": consent.ip or "",
            "userAgent": consent.user_agent, "pageUrl": consent.page_url}


def export_personal_data(lead_id: int, *, actor: User, workspace: Tenant, ip: str | None = None) -> dict[str, Any]:
    """An admin's download of the lead's data: the data, and the audit entry saying who took it."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(NOT_FOUND)
    with transaction.atomic():
        data = personal_data(lead)
        record("export.lead_personal_data", actor=actor, workspace=workspace, target=f"Лид #{lead.pk}", ip=ip)
    return data


def export_file_name(lead_id: int) -> str:
    return f"lead-{lead_id}-personal-data.json"


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def export_response(lead_id: int, data: dict[str, Any]) -> HttpResponse:
    """The export as a file to download (the cabinet's link and the API): personal data, so no cache keeps it."""
    response = HttpResponse(export_json(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_file_name(lead_id)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- erasure -------------------------------------------------------------------------------------------------------


def without_query(url: str) -> str:
    """The address without its query and fragment, where a visitor's own parameters travel."""
    if not url:
        return ""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _status_text(text: str) -> str:
    """A status change keeps «Статус «A» → «B»» and the reason from the list; a member's comment goes."""
    kept = STATUS_CHANGE.match(text)
    if kept is not None:
        return kept.group(0)
    return text if text.startswith("Первый контакт") else ERASED_TEXT


def _redact_timeline(lead: Lead) -> list[str]:
    """Take the personal texts out of the lead's events, kinds and times kept. Returns the people's own words taken
    (long enough to recognise elsewhere: an alert quoting an escalation's comment)."""
    taken = []
    for event in LeadEvent.objects.filter(lead=lead).exclude(text="").exclude(text=ERASED_TEXT):
        if event.kind in FREE_TEXT_KINDS:
            kept = ERASED_TEXT
        elif event.kind == LeadEvent.Kind.STATUS_CHANGED:
            kept = _status_text(event.text)
        else:
            continue
        if kept == event.text:
            continue
        words = event.text.removeprefix("Эскалация:").removeprefix(kept).lstrip(" ·").strip()
        if len(words) >= TRACE_MIN_CHARS:
            taken.append(words)
        event.text = kept
        event.save(update_fields=["text"])
    return taken


def _cancel_outbox(traces: Traces) -> None:
    """Queued work of this workspace that quotes the lead (an alert to the staff with its name, a comment) is
    dropped: it would carry the erased data on. Done messages keep no arguments (core.outbox)."""
    schema = cast(Any, connection).schema_name
    quoted = [json.dumps(needle, ensure_ascii=False)[1:-1] for needle in traces.needles]
    mentions = Q(text__contains=f"/leads/{traces.lead_id}")
    for needle in quoted:
        mentions |= Q(text__contains=needle)
    pending = (OutboxMessage.objects.filter(schema_name=schema, done_at__isnull=True)
               .annotate(text=Concat(Cast("args", TextField()), Cast("kwargs", TextField()), output_field=TextField()))
               .filter(mentions))
    for message in pending.select_for_update(of=("self",)):
        if traces.found_in(json.dumps([message.args, message.kwargs], ensure_ascii=False)):
            OutboxMessage.objects.filter(pk=message.pk).update(
                done_at=timezone.now(), args=[], kwargs={}, last_error="Отменено: персональные данные лида удалены")


def _erase_locked(lead: Lead, *, actor: User | None, note: str) -> None:
    """Erase the personal data of ``lead`` (the caller holds its row lock inside a transaction)."""
    taken = _redact_timeline(lead)
    traces = Traces(lead.pk, lead.phone, lead.email, tuple(taken))
    lead.name, lead.phone, lead.email, lead.timezone = ERASED_NAME, "", "", ""
    lead.page_url = without_query(lead.page_url)
    lead.utm_term = lead.utm_content = ""  # an ad's keyword and variant may name the person; campaigns stay
    lead.erased_at = timezone.now()
    lead.save(update_fields=["name", "phone", "email", "timezone", "page_url", "utm_term", "utm_content",
                             "erased_at", "updated_at"])
    consent = ConsentRecord.objects.filter(lead=lead).first()
    if consent is not None:  # what was agreed to and when stays as evidence; who and from where goes
        consent.ip, consent.user_agent, consent.page_url = None, "", without_query(consent.page_url)
        consent.save(update_fields=["ip", "user_agent", "page_url"])
    for section in _sections.values():
        section.eraser(lead, traces)
    _cancel_outbox(traces)
    add_event(lead, LeadEvent.Kind.ERASED, note, actor=actor, at=lead.erased_at)


def erase(lead: Lead, *, actor: User | None, workspace: Tenant, ip: str | None = None) -> bool:
    """Erase the lead's personal data at a subject's request, with the audit entry, in one transaction under the
    lead's row lock. False (and nothing written) when it had been erased already."""
    with transaction.atomic():
        lead = locked(lead.pk)
        if lead.erased_at is not None:
            return False
        _erase_locked(lead, actor=actor, note=BY_REQUEST)
        record("data.lead_erased", actor=actor, workspace=workspace, target=f"Лид #{lead.pk}", ip=ip)
    return True


def erase_outcome(erased: bool, lead: Lead, time_zone: str) -> str:
    """What the admin reads after asking: done now, or done before (on the workspace's calendar)."""
    if erased or lead.erased_at is None:
        return ERASED_NOW
    return ALREADY_ERASED.format(timezone.localtime(lead.erased_at, ZoneInfo(time_zone)))


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the month's last day)."""
    years, month_index = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + years, month_index + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def erase_expired(workspace: Tenant, now: datetime | None = None) -> int:
    """The retention period (run in the workspace's schema): erase the leads that arrived more than the workspace's
    months ago, a batch per transaction with one audit entry counting it. Returns how many were erased."""
    months = workspace.personal_data_retention_months
    if not months:
        return 0
    cutoff = months_before(now or timezone.now(), months)
    erased = 0
    while True:
        with transaction.atomic():
            batch = list(Lead.objects.select_for_update(skip_locked=True)
                         .filter(created_at__lt=cutoff, erased_at__isnull=True).order_by("pk")[:RETENTION_BATCH])
            if not batch:
                return erased
            for lead in batch:
                _erase_locked(lead, actor=None, note=BY_RETENTION)
            record("data.retention_purge", workspace=workspace, details={"leads": len(batch), "months": months})
        erased += len(batch)


def erasure_note(events: Iterable[LeadEvent]) -> str:
    """Why an erased lead's card is empty: «по запросу» or «по сроку хранения» (reads the prefetched events)."""
    notes = [event.text for event in events if event.kind == LeadEvent.Kind.ERASED]
    return "по сроку хранения" if notes and notes[-1] == BY_RETENTION else "по запросу"
