from django.db import models
from django.db.models.functions import Now


class WizardProgress(models.Model):
    """Where a workspace is in the onboarding wizard: the steps done or skipped, and when it was finished."""

    tenant = models.OneToOneField("tenancy.Tenant", on_delete=models.CASCADE, related_name="wizard_progress")
    done = models.JSONField("Пройденные шаги", default=list, blank=True)
    skipped = models.JSONField("Пропущенные шаги", default=list, blank=True)
    current = models.CharField("Текущий шаг", max_length=20, default="workspace")
    completed_at = models.DateTimeField("Мастер завершён", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = "Прогресс мастера настройки"
        verbose_name_plural = "Прогресс мастера настройки"

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.current}"
