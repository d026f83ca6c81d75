"""The business metrics, one row per day (Moscow time), written by ``services.record_day`` every 15 minutes for today
and yesterday and by ``manage.py backfill_business_metrics`` for the past. The page and the Prometheus collector read
these rows only: computing them scans every workspace's schema, reading them is one query.

Every figure is as of the row's cutoff: the end of its day, or for today the moment of the snapshot. The exact
definitions are in ``business_metrics`` and in docs/ARCHITECTURE.md.
"""

from django.db import models


class BusinessDay(models.Model):
    day = models.DateField("день", unique=True)
    computed_at = models.DateTimeField("посчитано")
    registrations = models.PositiveIntegerField("регистраций", default=0)
    trials_started = models.PositiveIntegerField("начато пробных периодов", default=0)
    trials_converted = models.PositiveIntegerField("первых оплат", default=0)
    trials_ended = models.PositiveIntegerField("закончилось пробных периодов", default=0)
    churned = models.PositiveIntegerField("ушло платящих", default=0)
    paying_accounts = models.PositiveIntegerField("платящих аккаунтов", default=0)
    mrr_kopecks = models.BigIntegerField("MRR, коп.", default=0)
    active_workspaces = models.PositiveIntegerField("активных рабочих пространств", default=0)
    leads_processed = models.PositiveIntegerField("лидов за день", default=0)
    first_contact_median_seconds = models.FloatField("медиана первого контакта, с", null=True, blank=True)
    first_contact_p95_seconds = models.FloatField("95-й перцентиль первого контакта, с", null=True, blank=True)
    # The windows behind the ratios: trials that ended in the 30 days before the cutoff and how many of them paid;
    # accounts paying 7 days before the cutoff and how many of them no longer pay.
    trials_ended_30d = models.PositiveIntegerField("пробных периодов закончилось за 30 дней", default=0)
    trials_converted_30d = models.PositiveIntegerField("из них оплатили", default=0)
    paying_7d_ago = models.PositiveIntegerField("платящих 7 дней назад", default=0)
    paying_lost_7d = models.PositiveIntegerField("из них ушли", default=0)

    class Meta:
        ordering = ["day"]
        verbose_name = "бизнес-показатели дня"
        verbose_name_plural = "бизнес-показатели по дням"

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y}"

    @property
    def trial_conversion(self) -> float | None:
        """Trial → paid over the last 30 days (0..1); None when no trial ended."""
        return self.trials_converted_30d / self.trials_ended_30d if self.trials_ended_30d else None

    @property
    def weekly_churn(self) -> float | None:
        """Paying accounts lost in 7 days / paying 7 days ago (0..1); None when nobody paid then."""
        return self.paying_lost_7d / self.paying_7d_ago if self.paying_7d_ago else None

    @property
    def arpu_kopecks(self) -> int | None:
        return round(self.mrr_kopecks / self.paying_accounts) if self.paying_accounts else None
