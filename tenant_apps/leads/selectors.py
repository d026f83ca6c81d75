import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone

from core.errors import InvalidInput

from .models import ConsentRecord, Lead, LeadEvent

UNASSIGNED = "none"
# The API's sort names → (model field, descending); every order ends with the id so that it is total.
SORTS: dict[str, tuple[str, bool]] = {
    "-createdAt": ("created_at", True), "createdAt": ("created_at", False),
    "name": ("name", False), "-name": ("name", True), "status": ("status", False),
}
DEFAULT_SORT = "-createdAt"
BAD_CURSOR = "Недействительный курсор: начните список с первой страницы."
BAD_RANGE = "Дата «с» позже даты «по»."


@dataclass(frozen=True)
class LeadFilters:
    status: str | None = None
    channel: str | None = None
    date_from: date | None = None  # whole days in the workspace's time zone, both ends included
    date_to: date | None = None
    time_zone: str = "Europe/Moscow"
    assigned: int | str | None = None  # a member's user id or UNASSIGNED
    page: str | None = None  # a substring of the source page's address
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    search: str | None = None
    contacted: bool = False  # only leads that reached a first contact (analytics' funnel stage)
    sort: str = DEFAULT_SORT

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(BAD_RANGE, fields={"from": BAD_RANGE})
        if self.sort not in SORTS:
            raise InvalidInput(fields={"sort": "Недопустимое значение."})


def phone_digits(typed: str) -> str:
    """The digits to look for in stored E.164 numbers: «8 916 123-45-67» → 79161234567 (a Russian 8 is 7)."""
    digits = re.sub(r"\D", "", typed)
    return "7" + digits[1:] if len(digits) == 11 and digits.startswith("8") else digits


def _search(text: str) -> Q:
    found = Q(name__icontains=text) | Q(email__icontains=text)
    digits = phone_digits(text)
    # Only what looks like a phone (digits with separators) is looked up among the numbers: «Анна 2» is not one.
    if digits and re.fullmatch(r"[\d\s()+\-.]+", text.strip()):
        found |= Q(phone__contains=digits)
    return found


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def lead_list(filters: LeadFilters) -> QuerySet[Lead]:
    leads = Lead.objects.all()
    exact = {"status": filters.status, "channel": filters.channel, "utm_source": filters.utm_source,
             "utm_medium": filters.utm_medium, "utm_campaign": filters.utm_campaign}
    leads = leads.filter(**{field: value for field, value in exact.items() if value})
    if filters.date_from:
        leads = leads.filter(created_at__gte=_day_start(filters.date_from, filters.time_zone))
    if filters.date_to:
        leads = leads.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1), filters.time_zone))
    if filters.assigned == UNASSIGNED:
        leads = leads.filter(assigned_to__isnull=True)
    elif isinstance(filters.assigned, int):
        leads = leads.filter(assigned_to_id=filters.assigned)
    if filters.page:
        leads = leads.filter(page_url__icontains=filters.page)
    if filters.contacted:
        leads = leads.filter(Q(first_contact_at__isnull=False) | Q(status__in=[Lead.Status.CONTACTED,
                                                                              Lead.Status.BOOKED]))
    if filters.search:  # an erased lead is nobody: no search finds it, not even by its placeholder name
        leads = leads.filter(_search(filters.search), erased_at__isnull=True)
    field, descending = SORTS[filters.sort]
    return leads.order_by(f"-{field}" if descending else field, "-id" if descending else "id")


@dataclass(frozen=True)
class LeadPage:
    items: list[Lead]
    next_cursor: str | None


def _sort_value(lead: Lead, field: str) -> str:
    value = getattr(lead, field)
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _encode_cursor(sort: str, lead: Lead) -> str:
    key = [sort, _sort_value(lead, SORTS[sort][0]), lead.pk]
    return base64.urlsafe_b64encode(json.dumps(key, ensure_ascii=False).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[str, int]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        cursor_sort, value, pk = key
        if cursor_sort != sort or not isinstance(value, str) or not isinstance(pk, int):
            raise ValueError
        if SORTS[sort][0] == "created_at":
            datetime.fromisoformat(value)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidInput(BAD_CURSOR, fields={"cursor": BAD_CURSOR}) from None
    return value, pk


def lead_page(filters: LeadFilters, *, cursor: str | None, limit: int) -> LeadPage:
    """Keyset pagination on (sort key, id): leads added between two requests neither repeat nor push rows out.
    The cursor names its sort, so a cursor of another order is refused rather than misread."""
    leads = lead_list(filters)
    if cursor:
        value, pk = _decode_cursor(cursor, filters.sort)
        field, descending = SORTS[filters.sort]
        # A row comparison, not «field < X OR (field = X AND id < pk)»: PostgreSQL starts the (created_at, id)
        # index scan at the cursor instead of filtering every row before it.
        after = TupleLessThan if descending else TupleGreaterThan
        key = datetime.fromisoformat(value) if field == "created_at" else value
        leads = leads.filter(after(Tuple(F(field), F("id")), (key, pk)))
    rows = list(leads[: limit + 1])
    more = len(rows) > limit
    items = rows[:limit]
    return LeadPage(items=items, next_cursor=_encode_cursor(filters.sort, items[-1]) if more else None)


def lead_detail(lead_id: int) -> Lead | None:
    """The lead for its card: its operator, consent and whole timeline with each event's member (users live in the
    public schema, which the workspace's search path includes)."""
    events = LeadEvent.objects.select_related("actor")
    return (Lead.objects.select_related("assigned_to", "consent")
            .prefetch_related(Prefetch("events", queryset=events)).filter(pk=lead_id).first())


def consent_of(lead: Lead) -> ConsentRecord | None:
    """The lead's 152-FZ consent record; None for a lead that came through a messenger."""
    try:
        return lead.consent
    except ConsentRecord.DoesNotExist:
        return None


@dataclass(frozen=True)
class LeadSummary:
    total: int
    last_30_days: int
    new: int
    booked_30_days: int
    waiting: int  # new and nobody has contacted them yet

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
        waiting=Count("id", filter=Q(status=Lead.Status.NEW, first_contact_at__isnull=True)),
    )
    return LeadSummary(**row)


def waiting_leads(limit: int = 10) -> list[Lead]:
    """New leads nobody has contacted yet, the longest waiting first."""
    return list(Lead.objects.filter(status=Lead.Status.NEW, first_contact_at__isnull=True)
                .order_by("created_at", "id")[:limit])
