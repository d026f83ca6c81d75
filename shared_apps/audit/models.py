from django.db import models

from .actions import ACTIONS


class AuditEntry(models.Model):
    """One action someone (or the platform itself) took: append-only.

    People, accounts and workspaces are kept by id and by a label frozen at the time, not by foreign keys: an entry
    outlives what it is about and is never rewritten (a database trigger refuses UPDATE and DELETE). Labels name
    people who act (members, staff) but never a lead: a lead is «Лид #id», so erasing its personal data leaves
    nothing of it here.
    """

    created_at = models.DateTimeField("когда", auto_now_add=True, db_index=True)
    action = models.CharField("действие", max_length=50, choices=list(ACTIONS.items()))
    actor_id = models.BigIntegerField("кто (id)", null=True, blank=True)
    actor_label = models.CharField("кто", max_length=254, blank=True)  # e-mail then, «Система», «Сотрудник …»
    is_staff_action = models.BooleanField("сотрудник платформы", default=False)
    account_id = models.BigIntegerField("аккаунт (id)", null=True, blank=True)
    workspace_id = models.BigIntegerField("рабочее пространство (id)", null=True, blank=True)
    workspace_label = models.CharField("рабочее пространство", max_length=200, blank=True)
    target = models.CharField("над чем", max_length=200, blank=True)  # «Лид #12», «Канал Telegram», «user:5» …
    details = models.JSONField("подробности", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    request_id = models.CharField("id запроса", max_length=128, blank=True)

    class Meta:
        verbose_name = "запись журнала действий"
        verbose_name_plural = "записи журнала действий"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["workspace_id", "-created_at"], name="audit_workspace_recent"),
            models.Index(fields=["account_id", "-created_at"], name="audit_account_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Журнал действий только дополняется: запись нельзя изменить.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Журнал действий только дополняется: запись нельзя удалить.")
