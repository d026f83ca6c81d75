"""Billing operations the customer starts: pay for a plan, change it, cancel and resume, invoices, requisites."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import events
from core.errors import DomainError
from core.text import rubles
from core.validation import field_length_error
from shared_apps.accounts.models import Account, User
from shared_apps.audit import services as audit
from shared_apps.tenancy.selectors import first_workspace_slug

from . import invoicing, lifecycle, notifications, payments
from .entitlements import downgrade_blockers
from .models import Document, Payment, PaymentMethod, Plan, Subscription, moscow_date
from .plans import PLANS
from .providers import enabled_providers
from .providers.base import ProviderPayment

Status = Subscription.Status
MIN_CHARGE_KOPECKS = 100  # providers do not take less than 1 ₽


class BillingError(DomainError):
    """A refusal the customer can act on (400 ``validation_error`` unless told): ``field`` names the input at fault."""

    status = 400
    code = "validation_error"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, field: str = "") -> None:
        super().__init__(message, status=status, code=code, fields={field: message} if field else None)
        self.field = field


def sync_plans() -> None:
    """Write the catalogue of plans (billing/plans.py) into the database."""
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults={k: v for k, v in plan.items() if k != "code"})


def start_trial(account: Account) -> Subscription:
    """Every new account starts on the trial plan («Пробный») for its number of days."""
    trial = Plan.objects.get(code="trial")
    now = timezone.now()
    subscription = Subscription.objects.create(
        account=account, plan=trial, status=Status.TRIALING, trial_ends_at=now + timedelta(days=trial.trial_days),
        status_changed_at=now,
    )
    subscription.history.create(to_status=Status.TRIALING, reason="subscription_created", plan=trial, created_at=now)
    events.emit("subscription_created", tenantId=first_workspace_slug(account.pk), accountId=account.pk,
                planId=trial.code, amount=trial.price_kopecks or 0)
    return subscription


def subscription_for(account: Account) -> Subscription:
    """The account's subscription; an account made before billing existed starts its trial now."""
    return Subscription.objects.select_related("plan").filter(account=account).first() or start_trial(account)


def purchasable_plan(plan_code: str) -> Plan:
    plan = Plan.objects.filter(code=plan_code, is_active=True).first()
    if plan is None:
        raise BillingError("Такого тарифа нет. Выберите тариф из списка.", field="planId")
    if plan.is_on_request or plan.price_kopecks is None:
        raise BillingError(f"Тариф «{plan.name}» подключается по запросу: напишите нам на sales@fastlead.ru.",
                           field="planId")
    if plan.is_trial:
        raise BillingError("Пробный период не покупается: выберите платный тариф.", field="planId")
    return plan


def _provider(provider: str) -> str:
    if provider not in enabled_providers():
        raise BillingError("Выберите способ оплаты: ЮKassa или T-Bank.", field="paymentMethod")
    return provider


def refuse_if_blocked_by_staff(subscription: Subscription) -> None:
    """Paying does not lift a block by platform staff: checkout, plan changes and invoices wait for support."""
    if subscription.is_blocked_by_staff:
        raise BillingError(f"Аккаунт заблокирован администрацией Fast Lead: оплата и смена тарифа недоступны. "
                           f"Напишите нам на {settings.LEGAL_EMAIL}.", code="blocked_by_staff", status=403)


def has_paid_period(subscription: Subscription, now: datetime) -> bool:
    return (subscription.status in (Status.ACTIVE, Status.PAST_DUE) and subscription.current_period_end is not None
            and subscription.current_period_end > now)


def create_payment(account: Account, plan_code: str, provider: str, *, return_url: str, actor: User | None) -> Payment:
    """createPayment: a checkout for a month of the plan (first payment, or paying after trial/grace/block)."""
    plan = purchasable_plan(plan_code)
    provider = _provider(provider)
    subscription = subscription_for(account)
    refuse_if_blocked_by_staff(subscription)
    if has_paid_period(subscription, timezone.now()) and plan != subscription.plan:
        raise BillingError("Чтобы сменить оплаченный тариф, воспользуйтесь сменой тарифа: доплата будет "
                           "рассчитана за оставшиеся дни.", code="use_change_plan", status=409)
    charge = payments.Charge(plan=plan, purpose=Payment.Purpose.SUBSCRIBE, amount_kopecks=plan.month_price_kopecks)
    payment = payments.start(account, charge, provider, return_url=return_url)
    payments.audited("billing.checkout_started", payment, actor)
    return payment


def prorated_kopecks(old_price: int, new_price: int, period_start: datetime, period_end: datetime,
                     now: datetime) -> int:
    """The price difference for the rest of the period, to the kopeck (half up)."""
    total = (period_end - period_start).total_seconds()
    left = max(0.0, min(total, (period_end - now).total_seconds()))
    if total <= 0 or new_price <= old_price:
        return 0
    share = Decimal(new_price - old_price) * Decimal(str(left)) / Decimal(str(total))
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class PlanChange:
    subscription: Subscription
    amount_kopecks: int  # charged now (upgrade) or to pay at checkout
    effective_at: datetime
    payment: Payment | None = None  # the upgrade charge or the checkout to complete
    scheduled: bool = False  # downgrade waiting for the period end


def change_plan(account: Account, plan_code: str, provider: str = "", *, return_url: str,
                actor: User | None) -> PlanChange:
    """changePlan: upgrade now for the prorated difference, downgrade at period end if usage fits."""
    plan = purchasable_plan(plan_code)
    now = timezone.now()
    subscription = subscription_for(account)
    refuse_if_blocked_by_staff(subscription)
    if not has_paid_period(subscription, now):
        # Nothing paid to prorate against (trial, grace, blocked, canceled): this is a month of the new plan.
        payment = create_payment(account, plan_code, provider or subscription.provider or "yookassa",
                                 return_url=return_url, actor=actor)
        return PlanChange(subscription=subscription, amount_kopecks=plan.month_price_kopecks, effective_at=now,
                          payment=payment)
    if plan == subscription.plan:
        if (scheduled := subscription.scheduled_plan) is not None:
            with transaction.atomic():
                _audit("billing.plan_changed", account, actor, fromPlan=scheduled.name,
                       toPlan=plan.name, note="запланированный переход отменён")
                subscription.scheduled_plan = None
                subscription.save(update_fields=["scheduled_plan"])
            return PlanChange(subscription=subscription, amount_kopecks=0, effective_at=now)
        raise BillingError(f"Тариф «{plan.name}» уже подключён.", field="planId")
    if plan.month_price_kopecks < (subscription.plan.price_kopecks or 0):
        return _schedule_downgrade(account, subscription, plan, actor)
    return _upgrade(account, subscription, plan, provider, now, return_url, actor)


def _schedule_downgrade(account: Account, subscription: Subscription, plan: Plan, actor: User | None) -> PlanChange:
    problems = downgrade_blockers(account, plan)
    if problems:
        raise BillingError(f"Нельзя перейти на тариф «{plan.name}»: сейчас " + "; ".join(problems)
                           + ". Освободите место и попробуйте снова.", code="plan_usage_exceeded")
    with transaction.atomic():
        subscription = lifecycle.locked(account.pk)
        old = subscription.plan
        subscription.scheduled_plan = plan
        subscription.save(update_fields=["scheduled_plan"])
        subscription.history.create(from_status=subscription.status, to_status=subscription.status,
                                    reason="downgrade_scheduled", plan=plan, created_at=timezone.now())
        notifications.plan_changed(subscription, old, plan, effective_at=subscription.paid_period_end)
        _audit("billing.plan_changed", account, actor, fromPlan=old.name, toPlan=plan.name,
               effectiveFrom=moscow_date(subscription.paid_period_end))
    return PlanChange(subscription=subscription, amount_kopecks=0, effective_at=subscription.paid_period_end,
                      scheduled=True)


def _upgrade(account: Account, subscription: Subscription, plan: Plan, provider: str, now: datetime,
             return_url: str, actor: User | None) -> PlanChange:
    amount = max(MIN_CHARGE_KOPECKS, prorated_kopecks(
        subscription.plan.price_kopecks or 0, plan.month_price_kopecks, subscription.current_period_start or now,
        subscription.paid_period_end, now,
    ))
    # Sold as what it is: the difference for the rest of the paid period, never "a month of the plan".
    charge = payments.Charge(plan=plan, purpose=Payment.Purpose.UPGRADE, amount_kopecks=amount,
                             description=plan.upgrade_line_item(now, subscription.paid_period_end))
    method = PaymentMethod.objects.filter(account=account, is_active=True).first()
    if method is None:
        payment = payments.start(account, charge, _provider(provider or subscription.provider or "yookassa"),
                                 return_url=return_url)
        payments.audited("billing.checkout_started", payment, actor)
        return PlanChange(subscription=subscription, amount_kopecks=amount, effective_at=now, payment=payment)
    try:
        payment = payments.start(account, charge, method.provider, method=method, return_url=return_url)
    except payments.ProviderDown as exc:
        raise BillingError(exc.message + " Тариф не изменён.", status=402, code="payment_failed") from None
    if payment.status == Payment.Status.FAILED:
        raise BillingError(f"Платёж не прошёл: {payment.failure_text}. Тариф не изменён.",
                           status=402, code="payment_failed")
    _audit("billing.plan_changed", account, actor, fromPlan=subscription.plan.name, toPlan=plan.name,
           amount=rubles(amount))
    subscription.refresh_from_db()
    return PlanChange(subscription=subscription, amount_kopecks=amount, effective_at=now, payment=payment)


def cancel(account: Account, *, actor: User | None) -> Subscription:
    """Stop renewing: the paid period runs to its end, then the subscription is canceled."""
    subscription_for(account)  # an account made before billing has none to lock yet
    with transaction.atomic():
        subscription = lifecycle.locked(account.pk)
        if subscription.status != Status.ACTIVE:
            raise BillingError("Отменить можно только действующую оплаченную подписку.", code="not_active", status=409)
        if not subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = True
            subscription.save(update_fields=["cancel_at_period_end"])
            _audit("billing.canceled", account, actor, plan=subscription.plan.name,
                   until=moscow_date(subscription.paid_period_end))
            subscription.history.create(from_status=subscription.status, to_status=subscription.status,
                                        reason="cancel_requested", plan=subscription.plan, created_at=timezone.now())
    return subscription


def resume(account: Account, *, actor: User | None) -> Subscription:
    subscription_for(account)
    with transaction.atomic():
        subscription = lifecycle.locked(account.pk)
        if subscription.status != Status.ACTIVE or not subscription.cancel_at_period_end:
            raise BillingError("Подписка не отменялась — возобновлять нечего.", code="not_canceled", status=409)
        subscription.cancel_at_period_end = False
        subscription.save(update_fields=["cancel_at_period_end"])
        _audit("billing.resumed", account, actor, plan=subscription.plan.name)
        subscription.history.create(from_status=subscription.status, to_status=subscription.status,
                                    reason="cancel_withdrawn", plan=subscription.plan, created_at=timezone.now())
    return subscription


REQUISITES_LABELS = {"legal_name": "название", "inn": "ИНН", "kpp": "КПП", "legal_address": "юридический адрес"}
INN_RE = re.compile(r"^(\d{10}|\d{12})$")
KPP_RE = re.compile(r"^\d{9}$")


def update_requisites(account: Account, *, legal_name: str, inn: str, kpp: str, legal_address: str,
                      actor: User | None) -> Account:
    legal_name, inn, kpp, legal_address = (v.strip() for v in (legal_name, inn, kpp, legal_address))
    errors = {}
    if inn and not INN_RE.match(inn):
        errors["inn"] = "ИНН — 10 цифр для организации или 12 для ИП."
    if kpp and not KPP_RE.match(kpp):
        errors["kpp"] = "КПП — 9 цифр."
    if len(inn) == 10 and not kpp:
        errors["kpp"] = "Для организации укажите КПП."
    if inn and not legal_name:
        errors["legalName"] = "Укажите название организации или ИП."
    if inn and not legal_address:
        errors["legalAddress"] = "Укажите юридический адрес."
    if too_long := field_length_error(legal_name, Account, "legal_name"):
        errors["legalName"] = too_long
    if too_long := field_length_error(legal_address, Account, "legal_address"):
        errors["legalAddress"] = too_long
    if errors:
        raise RequisitesInvalid(errors)
    typed = {"legal_name": legal_name, "inn": inn, "kpp": kpp, "legal_address": legal_address}
    changed = [REQUISITES_LABELS[name] for name, value in typed.items() if getattr(account, name) != value]
    account.legal_name, account.inn, account.kpp, account.legal_address = legal_name, inn, kpp, legal_address
    with transaction.atomic():
        account.save(update_fields=["legal_name", "inn", "kpp", "legal_address"])
        if changed:
            _audit("billing.requisites_changed", account, actor, fields=changed)
    return account


class RequisitesInvalid(BillingError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("Проверьте реквизиты.")
        self.fields = dict(fields)


def request_bank_invoice(account: Account, plan_code: str, *, actor: User | None) -> Document:
    """A legal entity's invoice for a bank transfer (счёт на оплату); access comes when the money arrives."""
    plan = purchasable_plan(plan_code)
    refuse_if_blocked_by_staff(subscription_for(account))
    if not invoicing.is_legal_entity(account):
        raise BillingError("Счёт на оплату выставляется организациям и ИП: сначала заполните реквизиты.",
                           code="requisites_required", field="inn")
    with transaction.atomic():
        document = invoicing.issue(account, Document.Kind.INVOICE, plan, plan.month_price_kopecks,
                                   status=Document.Status.UNPAID)
        notifications.invoice_issued(subscription_for(account), document)
        _audit("billing.invoice_issued", account, actor, target=f"Счёт № {document.number}", plan=plan.name,
               amount=rubles(document.amount_kopecks))
    return document


def record_bank_transfer(document: Document) -> Payment:
    """Platform staff saw the money for an unpaid invoice arrive: pay it like any other payment."""
    if document.kind != Document.Kind.INVOICE or document.status != Document.Status.UNPAID:
        raise BillingError("Отметить оплату можно только у неоплаченного счёта.")
    with transaction.atomic():
        order_id = f"bank-{document.number}"
        payment = Payment.objects.create(
            account=document.account, plan=document.plan, purpose=Payment.Purpose.SUBSCRIBE,
            provider="bank", order_id=order_id, idempotence_key=order_id, provider_payment_id=order_id,
            amount_kopecks=document.amount_kopecks, receipt_email=document.account.owner.email,
            status=Payment.Status.PENDING,
        )
        document.payment = payment
        document.save(update_fields=["payment"])
        state = ProviderPayment(provider_payment_id=order_id, order_id=order_id, state="succeeded",
                                provider_status="bank_transfer", amount_kopecks=document.amount_kopecks)
        return payments.record_provider_state(payment.pk, state)


def _audit(action: str, account: Account, actor: User | None, *, target: str = "", **details: object) -> None:
    """A customer's billing change in the audit log: account-wide, so the admins of each of its workspaces see it."""
    audit.record(action, actor=actor, account_id=account.pk, target=target, details=details)
