"""What the weekly report and the alerts remember, in each workspace's schema."""

from django.conf import settings
from django.db import models

DEFAULT_WAITING_MINUTES = 15


class AlertSettings(models.Model):
    """The workspace's alert settings (one row per schema, created with the defaults on first use)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    waiting_enabled = models.BooleanField("лид ждёт ответа", default=True)
    waiting_minutes = models.PositiveSmallIntegerField("ждёт дольше, минут", default=DEFAULT_WAITING_MINUTES)
    escalation_enabled = models.BooleanField("эскалация", default=True)
    limit_enabled = models.BooleanField("лимит заявок тарифа", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "настройки оповещений"
        verbose_name_plural = "настройки оповещений"

    def __str__(self) -> str:
        return "Настройки оповещений"


class WeeklyReport(models.Model):
    """A week whose report went out: the Monday it was sent for (local date); at most one row per week."""

    week_start = models.DateField("неделя отчёта (понедельник отправки)", unique=True)
    recipients = models.PositiveSmallIntegerField("получателей", default=0)
    sent_at = models.DateTimeField("отправлен")

    class Meta:
        ordering = ["-week_start"]
        verbose_name = "еженедельный отчёт"
        verbose_name_plural = "еженедельные отчёты"

    def __str__(self) -> str:
        return f"Отчёт {self.week_start:%d.%m.%Y}"


class ReportOptOut(models.Model):
    """A member who does not want the weekly report from this workspace."""

    # Users live in the public schema: no database constraint across schemas.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "отказ от отчёта"
        verbose_name_plural = "отказы от отчёта"

    def __str__(self) -> str:
        return f"Отказ от отчёта: {self.user_id}"


class LeadAlert(models.Model):
    """A lead the staff were alerted about (each lead once per kind)."""

    class Kind(models.TextChoices):
        WAITING = "waiting", "Ждёт ответа"

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lead", "kind"], name="reports_leadalert_lead_kind")]
        verbose_name = "оповещение о лиде"
        verbose_name_plural = "оповещения о лидах"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.lead_id}"


class LimitAlert(models.Model):
    """A threshold of the plan's monthly lead limit (80 or 100 %) the admins were told about, once a month."""

    month = models.DateField("месяц")
    threshold = models.PositiveSmallIntegerField("порог, %")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "threshold"], name="reports_limitalert_month")]
        verbose_name = "оповещение о лимите"
        verbose_name_plural = "оповещения о лимите"

    def __str__(self) -> str:
        return f"{self.threshold} % за {self.month:%m.%Y}"
