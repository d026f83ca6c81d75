from django.db import transaction
from django.utils import timezone

from shared_apps.ops.context import request_id_var

from .models import Lead, LeadEvent
from .tasks import lead_created


def create_lead(*, name: str, phone: str = "", email: str = "", channel: str = "web", page_url: str = "") -> Lead:
    """Store a lead with its first timeline event, then hand it to the workers."""
    now = timezone.now()
    with transaction.atomic():
        lead = Lead.objects.create(
            name=name, phone=phone, email=email, channel=channel, page_url=page_url, created_at=now
        )
        LeadEvent.objects.create(
            lead=lead, kind=LeadEvent.Kind.CREATED, channel=channel, text="Заявка получена",
            request_id=request_id_var.get() or "", created_at=now,
        )
        transaction.on_commit(lambda: lead_created.delay(lead.pk))
    return lead

