from django.db import transaction
from django.utils import timezone

from core import outbox
from core.context import request_id_var

from .models import ConsentRecord, Lead, LeadEvent
from .tasks import lead_created


def create_lead(*, name: str, phone: str = "", email: str = "", channel: str = "web", page_url: str = "",
                preferred_channel: str = "", utm: dict | None = None, consent: dict | None = None,
                topic: str = "", time_zone: str = "") -> Lead:
    """Store a lead (with its 152-FZ consent evidence) and its first timeline event, then hand it to the workers."""
    now = timezone.now()
    utm = utm or {}
    with transaction.atomic():
        lead = Lead.objects.create(
            name=name, phone=phone, email=email, channel=channel, page_url=page_url, created_at=now,
            preferred_channel=preferred_channel, timezone=time_zone,
            **{f"utm_{key}": (utm.get(key) or "")[:200] for key in ("source", "medium", "campaign", "term", "content")},
        )
        if consent is not None:
            ConsentRecord.objects.create(lead=lead, given_at=now, **consent)
        LeadEvent.objects.create(
            lead=lead, kind=LeadEvent.Kind.CREATED, channel=channel,
            text=f"Заявка получена · тема: {topic}" if topic else "Заявка получена",
            request_id=request_id_var.get() or "", created_at=now,
        )
        outbox.enqueue(lead_created, lead.pk)
    return lead

