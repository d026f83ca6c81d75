"""Every write to a lead goes through here: each change is one timeline event with who and when, made under the
lead's row lock (two members acting at once both get their event, in order), and announced by ``lead_changed``
so that analytics stays current."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core import outbox
from core.context import request_id_var
from core.errors import InvalidInput, NotFound
from shared_apps.accounts.models import User

from .models import ConsentRecord, Lead, LeadEvent
from .signals import lead_changed, lead_escalated
from .tasks import lead_created

NOTE_MAX_CHARS = 2000
LOST_NEEDS_REASON = "Выберите причину, по которой лид потерян."
NOT_FOUND = "Лид не найден."
ERASED = "Персональные данные лида удалены: заметки и сообщения ему недоступны."
ERASED_CODE = "lead_erased"


def refuse_if_erased(lead: Lead) -> None:
    """An erased lead takes no free text (a note, a message, an escalation's comment): it could carry the personal
    data back. Its status and operator still change."""
    if lead.erased_at is not None:
        raise InvalidInput(ERASED, code=ERASED_CODE)


def create_lead(*, name: str, phone: str = "", email: str = "", channel: str = "web", page_url: str = "",
                preferred_channel: str = "", utm: dict | None = None, consent: dict | None = None,
                topic: str = "", time_zone: str = "") -> Lead:
    """Store a lead (with its 152-FZ consent evidence) and its first timeline event, then hand it to the workers."""
    now = timezone.now()
    utm = utm or {}
    # No savepoint inside a caller's transaction (the intake's, with the lead counted): nothing here is retried,
    # a failure rolls the whole of it back.
    with transaction.atomic(savepoint=False):
        lead = Lead.objects.create(
            name=name, phone=phone, email=email, channel=channel, page_url=page_url, created_at=now,
            preferred_channel=preferred_channel, timezone=time_zone,
            **{f"utm_{key}": (utm.get(key) or "")[:200] for key in ("source", "medium", "campaign", "term", "content")},
        )
        if consent is not None:
            ConsentRecord.objects.create(lead=lead, given_at=now, **consent)
        add_event(lead, LeadEvent.Kind.CREATED, f"Заявка получена · тема: {topic}" if topic else "Заявка получена",
                  channel=channel, at=now)
        lead_changed.send(sender=Lead, lead=lead, previous_status=None)
        outbox.enqueue(lead_created, lead.pk)
    return lead


def add_event(lead: Lead, kind: str, text: str, *, actor: User | None = None, channel: str = "",
              at: datetime | None = None) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead, kind=kind, text=text[:500], channel=channel, actor=actor,
        request_id=request_id_var.get() or "", created_at=at or timezone.now(),
    )


def locked(lead_id: int) -> Lead:
    """The lead under its row lock, for the rest of the caller's transaction."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(NOT_FOUND)
    return lead


def change_status(lead_id: int, status: str, actor: User | None, *, lost_reason: str = "",
                  comment: str = "") -> Lead:
    """A member moves the lead along (or closes it as lost, with a reason from the list). The same status again
    changes nothing and writes no event."""
    if status not in Lead.Status.values:
        raise InvalidInput(fields={"status": "Недопустимый статус."})
    if status == Lead.Status.LOST and lost_reason not in Lead.LostReason.values:
        raise InvalidInput(LOST_NEEDS_REASON, fields={"reason": LOST_NEEDS_REASON})
    with transaction.atomic():
        lead = locked(lead_id)
        if lead.status == status and (status != Lead.Status.LOST or lead.lost_reason == lost_reason):
            return lead
        previous = lead.status
        lead.status = status
        lead.lost_reason = lost_reason if status == Lead.Status.LOST else ""
        update = ["status", "lost_reason", "updated_at"]
        if status in (Lead.Status.CONTACTED, Lead.Status.BOOKED) and lead.first_contact_at is None:
            lead.first_contact_at = timezone.now()  # reached by other means (a call): the first contact is now
            update.append("first_contact_at")
        lead.save(update_fields=update)
        text = f"Статус «{Lead.Status(previous).label}» → «{lead.get_status_display()}»"
        if status == Lead.Status.LOST:
            text += f" · причина: {lead.get_lost_reason_display()}"
        if comment.strip():
            text += f" · {comment.strip()}"
        add_event(lead, LeadEvent.Kind.STATUS_CHANGED, text, actor=actor)
        lead_changed.send(sender=Lead, lead=lead, previous_status=previous)
    return lead


def assign(lead_id: int, user: User | None, actor: User | None) -> Lead:
    """Make ``user`` (a member: the caller checks) responsible for the lead, or nobody."""
    with transaction.atomic():
        lead = locked(lead_id)
        new_id = user.pk if user is not None else None
        if lead.assigned_to_id == new_id:
            return lead
        lead.assigned_to_id = new_id
        lead.save(update_fields=["assigned_to", "updated_at"])
        who = user.get_full_name() if user is not None else ""
        add_event(lead, LeadEvent.Kind.ASSIGNED, f"Ответственный: {who}" if who else "Ответственный снят",
                  actor=actor)
    return lead


def escalate(lead_id: int, actor: User, comment: str = "") -> Lead:
    """Mark the lead as needing an admin's attention; the alerts tell the workspace's admins."""
    comment = comment.strip()
    if len(comment) > NOTE_MAX_CHARS:
        raise InvalidInput(fields={"comment": f"Не длиннее {NOTE_MAX_CHARS} символов."})
    with transaction.atomic():
        lead = locked(lead_id)
        refuse_if_erased(lead)
        lead.escalated_at = timezone.now()
        lead.save(update_fields=["escalated_at", "updated_at"])
        add_event(lead, LeadEvent.Kind.ESCALATED, f"Эскалация: {comment}" if comment else "Эскалация",
                  actor=actor)
        lead_escalated.send(sender=Lead, lead=lead, actor=actor, comment=comment)
    return lead


def add_note(lead_id: int, text: str, actor: User) -> Lead:
    text = text.strip()
    if not text:
        raise InvalidInput(fields={"text": "Напишите текст заметки."})
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidInput(fields={"text": f"Не длиннее {NOTE_MAX_CHARS} символов."})
    with transaction.atomic():
        lead = locked(lead_id)
        refuse_if_erased(lead)
        add_event(lead, LeadEvent.Kind.NOTE, text, actor=actor)
    return lead


def record_first_contact(lead: Lead, at: datetime) -> bool:
    """The first message the lead received (the caller holds the lead's lock): a new lead becomes contacted and
    the time to first contact is kept. False when it had been contacted already."""
    if lead.first_contact_at is not None:
        return False
    previous = lead.status
    lead.first_contact_at = at
    update = ["first_contact_at", "updated_at"]
    if lead.status == Lead.Status.NEW:
        lead.status = Lead.Status.CONTACTED
        update.append("status")
    lead.save(update_fields=update)
    lead_changed.send(sender=Lead, lead=lead, previous_status=previous)
    return True


def record_booking(lead: Lead, starts_at: datetime | None, *, email: str = "") -> None:
    """A booking made (or moved) by the client: the lead is booked for ``starts_at`` (caller holds the lock)."""
    previous = lead.status
    lead.status, lead.booked_at = Lead.Status.BOOKED, starts_at
    update = ["status", "booked_at", "updated_at"]
    if email and not lead.email and lead.erased_at is None:  # an erased lead takes no personal data back
        lead.email = email
        update.append("email")
    lead.save(update_fields=update)
    lead_changed.send(sender=Lead, lead=lead, previous_status=previous)


def cancel_booking(lead: Lead) -> None:
    """The lead's last booking was cancelled: back to contacted (caller holds the lock)."""
    previous = lead.status
    lead.status, lead.booked_at = Lead.Status.CONTACTED, None
    lead.save(update_fields=["status", "booked_at", "updated_at"])
    lead_changed.send(sender=Lead, lead=lead, previous_status=previous)
