"""Payments for Prometheus: every payment by provider and outcome, counted from the table at each scrape (one
grouped query), so the figure survives restarts and is the same whichever web process answers."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, Metric

from .models import Payment, Provider


class PaymentsCollector:
    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("fastlead_payments", "Payments by provider and outcome (pending, succeeded, "
                                     "failed) since the start", labels=["provider", "status"])
        counts = {(row["provider"], row["status"]): row["n"]
                  for row in Payment.objects.order_by().values("provider", "status").annotate(n=Count("id"))}
        for provider in sorted(set(Provider.values) | {provider for provider, _ in counts}):
            for status in Payment.Status.values:  # every outcome from zero: the first failure is an increase
                family.add_metric([provider, status], counts.get((provider, status), 0))
        yield family
