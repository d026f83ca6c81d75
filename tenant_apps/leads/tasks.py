from django.utils import timezone

from core import outbox
from core.context import request_id_var

from .models import Lead, LeadEvent
from .signals import lead_accepted


@outbox.handler
def lead_created(lead_id: int) -> None:
    """Runs in the lead's workspace schema: notes on the timeline that a worker took the lead and announces it
    (``lead_accepted``: channels sends the first contact), once however often the task is delivered."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return
    _, created = LeadEvent.objects.get_or_create(
        lead=lead,
        kind=LeadEvent.Kind.QUEUED,
        defaults={"text": "Лид передан в обработку", "request_id": request_id_var.get() or "",
                  "created_at": timezone.now()},
    )
    if created:
        lead_accepted.send(sender=Lead, lead=lead)
