"""Reads behind the live leads list and the menu's badge: cheap enough to answer a poll every few seconds."""

from django.db.models import Max, QuerySet

from .models import Lead, LeadEvent

NEWS_CAP = 100  # beyond this many new leads the page says «100+»: no need to count them all on every poll


def newest_lead_id() -> int:
    """The highest lead id now (0 for none): the list remembers it, a poll asks what came after (primary key index)."""
    return Lead.objects.aggregate(newest=Max("pk"))["newest"] or 0


def count_after(leads: QuerySet[Lead], after: int) -> int:
    """How many of ``leads`` (a filtered list) arrived after the lead ``after``, counted up to ``NEWS_CAP``."""
    return leads.filter(pk__gt=after).order_by().values("pk")[:NEWS_CAP].count()


def new_leads_count() -> int:
    """Leads still in status «Новый», for the menu's badge (the status index answers it)."""
    return Lead.objects.filter(status=Lead.Status.NEW).count()


def latest_after(after: int) -> Lead | None:
    """The newest lead that arrived after the lead ``after``, or None (the onboarding wizard's test waits for it)."""
    return Lead.objects.filter(pk__gt=after).order_by("-pk").first()


def message_note(lead_id: int) -> LeadEvent | None:
    """The lead's last note that a message failed or waits (the greeting's reason before any message is written:
    no channel can reach the lead, a night SMS waits for the morning)."""
    return (LeadEvent.objects.filter(lead_id=lead_id, kind__in=(LeadEvent.Kind.MESSAGE_FAILED,
                                                                 LeadEvent.Kind.MESSAGE_POSTPONED))
            .order_by("-created_at", "-id").first())
