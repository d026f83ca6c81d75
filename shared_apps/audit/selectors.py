"""Reading the audit log: a workspace's admins see their workspace's entries and their account's (billing)."""

import operator
import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.db.models import Q, QuerySet

from core.errors import InvalidInput

from .actions import GROUPS
from .models import AuditEntry

PAGE_SIZE = 50
UNKNOWN_GROUP = "Выберите группу действий из списка."
BAD_RANGE = "Начало периода позже его конца: поменяйте даты местами."


def for_workspace(*, workspace_id: int, account_id: int | None) -> QuerySet[AuditEntry]:
    """The workspace's own entries, and the account-wide ones (billing, the account's sign-ins are per workspace)."""
    account_wide = Q(account_id=account_id, workspace_id__isnull=True) if account_id is not None else Q(pk__in=[])
    return AuditEntry.objects.filter(Q(workspace_id=workspace_id) | account_wide)


def _start_of(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def journal(*, workspace_id: int, account_id: int | None, group: str | None = None, date_from: date | None = None,
            date_to: date | None = None, time_zone: str = "UTC") -> QuerySet[AuditEntry]:
    """The workspace's journal, newest first: one group of actions (``actions.GROUPS``) and the days from ``date_from``
    to ``date_to`` (both included, in ``time_zone``, the workspace's) when given. InvalidInput for an unknown group
    or a period backwards."""
    entries = for_workspace(workspace_id=workspace_id, account_id=account_id)
    if group:
        if group not in GROUPS:
            raise InvalidInput(UNKNOWN_GROUP, fields={"group": UNKNOWN_GROUP})
        entries = entries.filter(reduce(operator.or_, (Q(action__startswith=prefix) for prefix in GROUPS[group][1])))
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(BAD_RANGE, fields={"from": BAD_RANGE})
    zone = zoneinfo.ZoneInfo(time_zone)
    if date_from:
        entries = entries.filter(created_at__gte=_start_of(date_from, zone))
    if date_to:
        entries = entries.filter(created_at__lt=_start_of(date_to + timedelta(days=1), zone))
    return entries.order_by("-created_at", "-id")
