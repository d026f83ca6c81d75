"""Storing the business metrics: one row per day, recomputed in place (today's row changes all day long)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.utils import timezone

from . import business_metrics
from .models import BusinessDay

logger = logging.getLogger(__name__)


def record_day(day: date, now: datetime | None = None) -> BusinessDay:
    now = now or timezone.now()
    figures = business_metrics.compute_day(day, now)
    row, _ = BusinessDay.objects.update_or_create(day=day, defaults={**asdict(figures), "computed_at": now})
    return row


def record_recent(now: datetime | None = None) -> list[BusinessDay]:
    """Today so far and yesterday (late first contacts and payments still move yesterday's figures)."""
    now = now or timezone.now()
    today = business_metrics.today(now)
    rows = [record_day(today - timedelta(days=1), now), record_day(today, now)]
    logger.info("business_metrics_recorded", extra={"days": 2})
    return rows


def backfill(days: int, now: datetime | None = None) -> int:
    """Recompute the last ``days`` days, today included; returns how many rows were written."""
    now = now or timezone.now()
    today = business_metrics.today(now)
    for offset in range(days - 1, -1, -1):
        record_day(today - timedelta(days=offset), now)
    logger.info("business_metrics_backfilled", extra={"days": days})
    return days
