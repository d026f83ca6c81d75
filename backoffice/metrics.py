"""The business metrics for Prometheus, read from the latest stored day (``BusinessDay``): a scrape costs two small
queries, never a pass over the workspaces' schemas. Names are what docker/ alert rules use."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from . import business_metrics
from .models import BusinessDay


class BusinessCollector:
    def collect(self) -> Iterator[Metric]:
        row = BusinessDay.objects.order_by("-day").first()
        is_today = row is not None and row.day == business_metrics.today(timezone.now())
        yield _gauge("fastlead_trial_conversion_ratio",
                     "Trial to paid conversion (0..1): trials that ended in the last 30 days and paid, of those ended",
                     row.trial_conversion if row else None)
        yield _gauge("fastlead_churn_ratio_weekly",
                     "Weekly churn (0..1): paying accounts lost in the last 7 days, of those paying 7 days ago",
                     row.weekly_churn if row else None)
        yield _gauge("fastlead_mrr_rubles", "Monthly recurring revenue of the paying accounts, rubles",
                     row.mrr_kopecks / 100 if row else None)
        arpu = row.arpu_kopecks if row else None
        yield _gauge("fastlead_arpu_rubles", "Average revenue per paying account (MRR / paying accounts), rubles",
                     arpu / 100 if arpu is not None else None)
        yield _gauge("fastlead_active_workspaces",
                     "Client workspaces with a lead or a member's sign-in in the last 30 days",
                     row.active_workspaces if row else None)
        yield _gauge("fastlead_registrations_today", "Accounts registered today (Moscow time)",
                     row.registrations if is_today and row else 0)
        yield CounterMetricFamily("fastlead_leads_processed_total",
                                  "Leads all workspaces ever took (the monthly usage counters)",
                                  value=business_metrics.leads_ever())
        first_contact = GaugeMetricFamily("fastlead_first_contact_seconds",
                                          "Seconds from a lead's arrival to the first contact, leads of the last 24 h",
                                          labels=["percentile"])
        if row is not None:
            # "percentile", not "quantile": that label is a summary's, and this gauge is not one (promtool)
            for percentile, value in (("50", row.first_contact_median_seconds),
                                      ("95", row.first_contact_p95_seconds)):
                if value is not None:
                    first_contact.add_metric([percentile], value)
        yield first_contact
        cohort, stuck = business_metrics.onboarding_cohort(timezone.now())
        yield _gauge("fastlead_onboarding_cohort_accounts", "Accounts registered 1 to 8 days ago", cohort)
        yield _gauge("fastlead_onboarding_stuck_ratio",
                     "Accounts registered 1 to 8 days ago with no workspace through the onboarding wizard (0..1)",
                     stuck / cohort if cohort else None)


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    """A gauge without a sample while the figure is undefined (no trials ended, nobody paid): an alert on it waits
    instead of firing on a made-up zero."""
    family = GaugeMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], value)
    return family
