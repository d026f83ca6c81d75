"""Analytics' own tables in each workspace schema, kept by ``facts`` from ``leads.signals.lead_changed``.

``LeadFact`` is one short row per lead: what the lead counts for (its arrival day and hour in the workspace's
time zone, channel, source page, UTM campaign, how far it got, seconds to the first contact). ``DailyStat`` sums
those rows per day and per value of each breakdown, so a period's figures read a few rows per day whatever the
number of leads. The facts are what a change is measured against: the old row minus, the new row plus.
"""

from django.db import models


class LeadFact(models.Model):
    lead_id = models.BigIntegerField("лид", primary_key=True)  # leads_lead.id; no constraint, rebuilt from it
    day = models.DateField("день поступления")  # in the workspace's time zone: the cohort of arrival
    hour = models.PositiveSmallIntegerField("час поступления")  # 0–23, same zone
    channel = models.CharField("канал", max_length=16)
    page = models.CharField("страница (путь)", max_length=300, blank=True)
    campaign = models.CharField("utm_campaign", max_length=200, blank=True)
    status = models.CharField("статус", max_length=16)
    contacted = models.BooleanField("был контакт", default=False)
    # Whole seconds from arrival to the first contact; null until contacted by a message.
    ttfc_seconds = models.IntegerField("секунд до первого контакта", null=True, blank=True)

    class Meta:
        verbose_name = "лид в аналитике"
        verbose_name_plural = "лиды в аналитике"
        indexes = [models.Index(fields=["day", "ttfc_seconds"], name="analytics_fact_day_ttfc")]

    def __str__(self) -> str:
        return f"Лид {self.lead_id} ({self.day:%d.%m.%Y})"


class DailyStat(models.Model):
    class Dimension(models.TextChoices):
        ALL = "all", "Все лиды"
        CHANNEL = "channel", "Канал"
        PAGE = "page", "Страница"
        CAMPAIGN = "campaign", "UTM-кампания"
        HOUR = "hour", "Час недели"  # key 0–167: Monday 00 h … Sunday 23 h

    day = models.DateField("день")
    # A dimension's day rows, and its month rows under "m:<dimension>" (day = the month's first day): a long
    # period reads whole months from those and only its ragged ends from the days.
    dimension = models.CharField("разрез", max_length=12)
    key = models.CharField("значение", max_length=300, blank=True)
    leads = models.IntegerField("лидов", default=0)
    contacted = models.IntegerField("с контактом", default=0)
    booked = models.IntegerField("записаны", default=0)
    lost = models.IntegerField("потеряны", default=0)

    class Meta:
        verbose_name = "показатели дня"
        verbose_name_plural = "показатели дней"
        constraints = [models.UniqueConstraint(fields=["dimension", "day", "key"], name="analytics_dailystat_key")]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} · {self.dimension} «{self.key}»: {self.leads}"
