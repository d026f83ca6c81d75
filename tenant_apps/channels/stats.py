"""getChannelStats: per connected provider, what was sent, what failed, who answered, whom it contacted first and
how fast, and how many of them booked — over whole days of the workspace's time zone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Subquery

from core.errors import InvalidInput
from tenant_apps.leads.models import Lead

from .kinds import BY_CODE, PROVIDERS
from .models import Channel, DeliveryAttempt, InboundMessage

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    zone: ZoneInfo

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time(), self.zone),
                datetime.combine(self.end + timedelta(days=1), time(), self.zone))


@dataclass(frozen=True)
class ChannelStats:
    provider: str
    kind: str
    label: str
    channel_id: int | None  # None when the channel was removed since
    sent: int
    failed: int
    delivered: int | None  # None: the provider's delivery reports are not received
    inbound_replies: int
    leads_contacted: int  # first contacted through this channel in the period
    leads_booked: int  # of those, booked a meeting
    conversion: float | None  # booked / contacted
    median_first_contact_seconds: float | None


def period(start: date | None, end: date | None, zone: ZoneInfo, today: date) -> Period:
    """The days asked for (the last 30 by default), or 400 with a Russian message."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput("Начало периода позже его конца.", fields={"from": "Должно быть не позже даты «to»."})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Период — не больше {MAX_DAYS} дней.",
                           fields={"from": f"Не раньше чем за {MAX_DAYS} дней до «to»."})
    return Period(start, end, zone)


def channel_stats(within: Period) -> list[ChannelStats]:
    since, until = within.bounds
    attempts = Counter({(row["provider"], row["status"]): row["n"] for row in (
        DeliveryAttempt.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("provider", "status").annotate(n=Count("id")))})
    replies = Counter({row["provider"]: row["n"] for row in (
        InboundMessage.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("provider").annotate(n=Count("id")))})
    first_provider = (DeliveryAttempt.objects.filter(lead=OuterRef("pk"), status=DeliveryAttempt.Status.SENT)
                      .order_by("created_at", "id").values("provider")[:1])
    contacted = (Lead.objects.filter(first_contact_at__gte=since, first_contact_at__lt=until)
                 .annotate(first_provider=Subquery(first_provider))
                 .values_list("first_provider", "created_at", "first_contact_at", "booked_at"))
    waits: dict[str, list[float]] = {}
    booked: Counter[str] = Counter()
    for provider, created_at, first_contact_at, booked_at in contacted:
        if provider and first_contact_at is not None:
            waits.setdefault(provider, []).append((first_contact_at - created_at).total_seconds())
            booked[provider] += booked_at is not None
    channels = {channel.provider: channel.pk for channel in Channel.objects.all()}
    active = set(channels) | {provider for provider, _ in attempts} | set(replies) | set(waits)
    return [_row(provider, channels.get(provider), attempts, replies[provider], waits.get(provider, []),
                 booked[provider])
            for provider in (known.code for known in PROVIDERS) if provider in active]


def _row(provider: str, channel_id: int | None, attempts: Counter, replies: int, waits: list[float],
         booked: int) -> ChannelStats:
    known = BY_CODE[provider]
    return ChannelStats(
        provider=provider, kind=known.kind.value, label=known.label, channel_id=channel_id,
        sent=attempts[(provider, DeliveryAttempt.Status.SENT)],
        failed=attempts[(provider, DeliveryAttempt.Status.FAILED)],
        delivered=None, inbound_replies=replies, leads_contacted=len(waits), leads_booked=booked,
        conversion=round(booked / len(waits), 4) if waits else None,
        median_first_contact_seconds=round(median(waits), 1) if waits else None,
    )
