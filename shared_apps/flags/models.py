from django.db import models

from shared_apps.accounts.models import Account


class Flag(models.Model):
    """A product feature platform staff switch on and off without a deploy (see ``flags.py`` for the reads)."""

    class Name(models.TextChoices):
        DASHBOARD = "dashboard", "Личный кабинет (закрытая бета)"
        ONBOARDING = "onboarding", "Мастер настройки"
        BILLING = "billing", "Оплата"

    class Mode(models.TextChoices):
        ON = "on", "Включена для всех"
        ALLOWLIST = "allowlist", "Только для аккаунтов из списка"
        OFF = "off", "Выключена"

    name = models.CharField("функция", max_length=50, unique=True, choices=Name.choices)
    mode = models.CharField("режим", max_length=20, choices=Mode.choices, default=Mode.ON)
    accounts = models.ManyToManyField(
        Account, blank=True, related_name="+", verbose_name="аккаунты закрытой беты",
        help_text="В режиме «Только для аккаунтов из списка» функция включена только им.",
    )
    note = models.TextField("заметка", blank=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "флаг функции"
        verbose_name_plural = "флаги функций"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
