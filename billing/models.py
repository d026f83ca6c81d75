from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.functional import cached_property

MOSCOW = ZoneInfo("Europe/Moscow")


def moscow_date(moment: datetime) -> str:
    """"дд.мм.гггг" of a moment, Moscow time (the dates printed on receipts and documents)."""
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y")


def documents_storage() -> Storage:
    """Private storage for invoices and acts (never served directly, only through the cabinet)."""
    return storages["documents"]


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
    def month_price_kopecks(self) -> int:
        """The price of a month of a plan that is sold (``services.purchasable_plan`` lets only those through)."""
        if self.price_kopecks is None:
            raise ValueError(f"the plan {self.code} is sold on request: it has no price")
        return self.price_kopecks

    @property
    def is_trial(self) -> bool:
        return self.trial_days > 0

    @property
    def line_item(self) -> str:
        """What a month of the plan is called on receipts, invoices and acts."""
        return f"Подписка «{self.name}», 1 мес."

    def upgrade_line_item(self, period_start: datetime, period_end: datetime) -> str:
        """What a proration charge for moving up to this plan is called: the difference, for the rest of a period."""
        return f"Доплата за тариф «{self.name}» за период {moscow_date(period_start)}–{moscow_date(period_end)}"


class Provider(models.TextChoices):
    YOOKASSA = "yookassa", "ЮKassa"
    TINKOFF = "tinkoff", "T-Bank"
    BANK = "bank", "Банковский перевод"


# The history reason of a block by platform staff (lifecycle.Event.BLOCKED_BY_STAFF): only staff lift it.
STAFF_BLOCK_REASON = "blocked_by_staff"


class Subscription(models.Model):
    """The account's subscription (one per account); its status changes only through billing.lifecycle."""

    class Status(models.TextChoices):
        TRIALING = "trialing", "Пробный период"
        ACTIVE = "active", "Активна"
        PAST_DUE = "past_due", "Ожидает оплаты"
        GRACE = "grace", "Льготный период"
        BLOCKED = "blocked", "Заблокирована"
        CANCELED = "canceled", "Отменена"

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="subscription",
                                   verbose_name="аккаунт")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name="тариф")
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.TRIALING)
    trial_ends_at = models.DateTimeField("конец пробного периода", null=True, blank=True)
    current_period_start = models.DateTimeField("начало оплаченного периода", null=True, blank=True)
    current_period_end = models.DateTimeField("оплачено до", null=True, blank=True)
    grace_ends_at = models.DateTimeField("конец льготного периода", null=True, blank=True)
    next_autopay_at = models.DateTimeField("следующая попытка автоплатежа", null=True, blank=True)
    autopay_failures = models.PositiveSmallIntegerField("неудачных автоплатежей подряд", default=0)
    scheduled_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="тариф со следующего периода",
    )
    cancel_at_period_end = models.BooleanField("отменить в конце периода", default=False)
    provider = models.CharField("платёжная система", max_length=16, choices=Provider.choices, blank=True)
    reminders_sent = models.JSONField("отправленные напоминания", default=list, blank=True)
    status_changed_at = models.DateTimeField("статус изменён", null=True, blank=True)
    created_at = models.DateTimeField("создана", auto_now_add=True)

    class Meta:
        verbose_name = "подписка"
        verbose_name_plural = "подписки"

    def __str__(self) -> str:
        return f"{self.account}: {self.plan} ({self.get_status_display()})"

    @property
    def paid_period_end(self) -> datetime:
        """The end of the paid period of a subscription that has one (``services.has_paid_period``)."""
        if self.current_period_end is None:
            raise ValueError(f"{self} has no paid period")
        return self.current_period_end

    @cached_property
    def is_blocked_by_staff(self) -> bool:
        """Blocked by platform staff (not at the end of an unpaid grace): paying does not lift it, staff do."""
        if self.status != self.Status.BLOCKED:
            return False
        last = self.history.filter(to_status=self.Status.BLOCKED).order_by("-created_at", "-id").first()
        return last is not None and last.reason == STAFF_BLOCK_REASON

    @property
    def renews_at(self) -> datetime | None:
        """When the saved card is charged next: the period end of an active subscription not being canceled."""
        if self.status == self.Status.ACTIVE and not self.cancel_at_period_end:
            return self.current_period_end
        return None


class SubscriptionEvent(models.Model):
    """History of the subscription: every status change and notable billing event, oldest first."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="history",
                                     verbose_name="подписка")
    from_status = models.CharField("был статус", max_length=16, blank=True)
    to_status = models.CharField("стал статус", max_length=16)
    reason = models.CharField("причина", max_length=48)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+", verbose_name="тариф")
    payment = models.ForeignKey("Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name="платёж")
    details = models.JSONField("подробности", default=dict, blank=True)
    created_at = models.DateTimeField("когда", db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "событие подписки"
        verbose_name_plural = "история подписок"

    def __str__(self) -> str:
        labels = dict(Subscription.Status.choices)
        return f"{labels.get(self.from_status, self.from_status or '—')} → {labels.get(self.to_status, self.to_status)}"


class PaymentMethod(models.Model):
    """A saved card as the provider's token (YooKassa payment_method_id, T-Bank RebillId); never card data."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="payment_methods")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    token = models.CharField("токен провайдера", max_length=64)
    customer_key = models.CharField("CustomerKey (T-Bank)", max_length=36, blank=True)
    title = models.CharField("описание", max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "сохранённый способ оплаты"
        verbose_name_plural = "сохранённые способы оплаты"
        constraints = [models.UniqueConstraint(fields=["provider", "token"], name="billing_unique_method_token")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.title or self.token}"


# Why a payment failed, as the customer reads it (provider reasons and T-Bank error codes).
FAILURE_TEXTS = {
    "insufficient_funds": "недостаточно средств на карте",
    "1051": "недостаточно средств на карте",
    "116": "недостаточно средств на карте",
    "103": "недостаточно средств на карте",
    "3d_secure_failed": "не пройдена проверка 3-D Secure",
    "101": "не пройдена проверка 3-D Secure",
    "expired_on_confirmation": "оплата не была завершена",
    "card_expired": "истёк срок действия карты",
    "permission_revoked": "вы отозвали разрешение на автоплатежи",
    "104": "банк отклонил повторное списание",
    "10": "банк отклонил повторное списание",
    "fraud_suspected": "банк заподозрил мошенничество",
    "amount_mismatch": "сумма платежа не совпала с заказом — мы проверим платёж и свяжемся с вами",
    "provider_unavailable": "платёжная система не ответила",
    "pending_timeout": "платёжная система не подтвердила списание вовремя",
    "rejected": "платёжная система отклонила запрос",
}


class Payment(models.Model):
    """One payment attempt at one provider; its status only moves forward, from verified provider state."""

    class Purpose(models.TextChoices):
        SUBSCRIBE = "subscribe", "Оплата тарифа"
        RENEWAL = "renewal", "Продление"
        UPGRADE = "upgrade", "Доплата за смену тарифа"

    class Status(models.TextChoices):
        CREATED = "created", "Создан"
        PENDING = "pending", "Ожидает оплаты"
        SUCCEEDED = "succeeded", "Оплачен"
        FAILED = "failed", "Не прошёл"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="payments",
                                verbose_name="аккаунт")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+", verbose_name="тариф")
    purpose = models.CharField("назначение", max_length=16, choices=Purpose.choices)
    provider = models.CharField("платёжная система", max_length=16, choices=Provider.choices)
    order_id = models.CharField("номер заказа", max_length=36, unique=True)
    idempotence_key = models.CharField("ключ идемпотентности", max_length=64)
    provider_payment_id = models.CharField("id у провайдера", max_length=64, blank=True)
    amount_kopecks = models.PositiveIntegerField("сумма, коп.")
    currency = models.CharField("валюта", max_length=3, default="RUB")
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.CREATED)
    provider_status = models.CharField("статус у провайдера", max_length=32, blank=True)
    failure_reason = models.CharField("причина отказа", max_length=64, blank=True)
    payment_url = models.URLField("страница оплаты", max_length=500, blank=True)
    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments",
        verbose_name="способ оплаты",
    )
    is_autopay = models.BooleanField("автоплатёж", default=False)
    receipt_email = models.EmailField("e-mail для чека")
    # What was sold, as the receipt, the invoice and the act name it; empty: a month of the plan.
    description = models.CharField("наименование", max_length=128, blank=True)
    period_start = models.DateTimeField("период с", null=True, blank=True)
    period_end = models.DateTimeField("период по", null=True, blank=True)
    created_at = models.DateTimeField("создан", auto_now_add=True)
    paid_at = models.DateTimeField("оплачен", null=True, blank=True)
    applied_at = models.DateTimeField("учтён в подписке", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "платёж"
        verbose_name_plural = "платежи"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"], condition=~models.Q(provider_payment_id=""),
                name="billing_unique_provider_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def line_item(self) -> str:
        """The one line of its receipt, invoice and act: fixed when the payment is created."""
        return self.description or self.plan.line_item

    @property
    def failure_text(self) -> str:
        if not self.failure_reason:
            return ""
        return FAILURE_TEXTS.get(self.failure_reason, "банк отклонил платёж")


class Document(models.Model):
    """An invoice (счёт) or a closing act (акт), numbered per kind and year, with its PDF in storage."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Счёт"
        ACT = "act", "Акт"

    class Status(models.TextChoices):
        UNPAID = "unpaid", "Ожидает оплаты"
        PAID = "paid", "Оплачен"
        VOID = "void", "Аннулирован"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="documents",
                                verbose_name="аккаунт")
    kind = models.CharField("вид", max_length=8, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("год")
    sequence = models.PositiveIntegerField("порядковый номер")
    status = models.CharField("статус", max_length=8, choices=Status.choices, default=Status.PAID)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="documents",
                                verbose_name="платёж")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+", verbose_name="тариф")
    description = models.CharField("наименование", max_length=128)
    amount_kopecks = models.PositiveIntegerField("сумма, коп.")
    vat_code = models.PositiveSmallIntegerField("код НДС")
    period_start = models.DateTimeField("период с", null=True, blank=True)
    period_end = models.DateTimeField("период по", null=True, blank=True)
    seller = models.JSONField("продавец")
    buyer = models.JSONField("покупатель")
    pdf = models.FileField("PDF", max_length=255, blank=True, storage=documents_storage)
    issued_at = models.DateTimeField("дата")

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = "документ"
        verbose_name_plural = "счета и акты"
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "sequence"], name="billing_unique_document_number"),
            # One paid invoice and at most one act per payment (the act task may run twice at once).
            models.UniqueConstraint(fields=["payment", "kind"], name="billing_one_document_per_payment_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} № {self.number}"

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence:05d}"


class DocumentCounter(models.Model):
    """The last number used per kind of document and year (locked row: numbers never repeat or skip)."""

    kind = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="billing_unique_counter")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class LeadUsage(models.Model):
    """Leads the account's workspaces took in one calendar month (Moscow time): the monthly limit's counter.

    Counted by the intake in the lead's own transaction and corrected nightly by a recount (billing.usage).
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="lead_usage",
                                verbose_name="аккаунт")
    month = models.DateField("месяц")  # its first day, Moscow time
    leads = models.PositiveIntegerField("заявок", default=0)

    class Meta:
        verbose_name = "заявки за месяц"
        verbose_name_plural = "заявки по месяцам"
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="billing_unique_lead_usage")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}: {self.leads}"
