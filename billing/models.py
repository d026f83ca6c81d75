from django.db import models


class Plan(models.Model):
    """A subscription plan: the single source for the pricing page, limits and billing.

    ``None`` in a limit means "unlimited".
    """

    code = models.SlugField("код", max_length=32, unique=True)
    name = models.CharField("название", max_length=64)
    price_kopecks = models.PositiveIntegerField("цена в месяц, коп.", null=True, blank=True)
    trial_days = models.PositiveSmallIntegerField("дней пробного периода", default=0)
    leads_per_month = models.PositiveIntegerField("лидов в месяц", null=True, blank=True)
    max_tenants = models.PositiveSmallIntegerField("рабочих пространств", null=True, blank=True)
    max_members = models.PositiveSmallIntegerField("участников команды", null=True, blank=True)
    allows_export = models.BooleanField("экспорт данных", default=False)
    allows_custom_logo = models.BooleanField("свой логотип", default=False)
    allows_api = models.BooleanField("доступ к API", default=False)
    is_on_request = models.BooleanField("цена по запросу", default=False)
    features = models.JSONField("пункты для страницы тарифов", default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("доступен", default=True)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = "тариф"
        verbose_name_plural = "тарифы"

    def __str__(self) -> str:
        return self.name

    @property
    def price_rubles(self) -> int | None:
        return None if self.price_kopecks is None else self.price_kopecks // 100

    @property
    def is_trial(self) -> bool:
        return self.trial_days > 0
