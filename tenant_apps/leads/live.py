"""Reads behind the live leads list and the menu's badge: cheap enough to answer a poll every few seconds."""

from django.db.models import Max, QuerySet

from .models import Lead

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
