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


class Subscription(models.Model):
    """The account's subscription (one per account). The billing issue adds its state machine."""

    class Status(models.TextChoices):
        TRIALING = "trialing", "Пробный период"
        ACTIVE = "active", "Активна"
        PAST_DUE = "past_due", "Ожидает оплаты"
        GRACE = "grace", "Льготный период"
        BLOCKED = "blocked", "Заблокирована"
        CANCELED = "canceled", "Отменена"

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.TRIALING)
    trial_ends_at = models.DateTimeField("конец пробного периода", null=True, blank=True)
    current_period_end = models.DateTimeField("оплачено до", null=True, blank=True)
    created_at = models.DateTimeField("создана", auto_now_add=True)

    class Meta:
        verbose_name = "подписка"
        verbose_name_plural = "подписки"

    def __str__(self) -> str:
        return f"{self.account}: {self.plan} ({self.get_status_display()})"
