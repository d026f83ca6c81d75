from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Lead


@dataclass(frozen=True)
class LeadFilters:
    status: str | None = None
    channel: str | None = None


def lead_list(filters: LeadFilters) -> QuerySet[Lead]:
    leads = Lead.objects.all()
    if filters.status:
        leads = leads.filter(status=filters.status)
    if filters.channel:
        leads = leads.filter(channel=filters.channel)
    return leads


def lead_detail(lead_id: int) -> Lead | None:
    return Lead.objects.prefetch_related("events").filter(pk=lead_id).first()


@dataclass(frozen=True)
class LeadSummary:
    total: int
    last_30_days: int
    new: int
    booked_30_days: int

    @property
    def conversion_percent(self) -> float:
        return round(100 * self.booked_30_days / self.last_30_days, 1) if self.last_30_days else 0.0


def lead_summary() -> LeadSummary:
    since = timezone.now() - timedelta(days=30)
    recent = Q(created_at__gte=since)
    row = Lead.objects.aggregate(
        total=Count("id"),
        last_30_days=Count("id", filter=recent),
        new=Count("id", filter=Q(status=Lead.Status.NEW)),
        booked_30_days=Count("id", filter=recent & Q(status=Lead.Status.BOOKED)),
    )
    return LeadSummary(**row)
