"""Payments: starting them at a provider and applying the provider's verified state to our records.

Our ``Payment`` only moves forward (created → pending → succeeded | failed). Access is granted only in
:func:`record_provider_state`, fed by a verified notification, by asking the provider's API (the
browser's return, the reconciliation task) or by the synchronous answer to an autopayment — never by
the browser's return URL itself.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core import events
from core.errors import DomainError
from core.links import platform_url
from core.text import rubles
from shared_apps.accounts.models import Account, User
from shared_apps.audit import services as audit
from shared_apps.tenancy.selectors import first_workspace_slug

from . import lifecycle, notifications
from .dunning import autopay_failed
from .invoicing import issue_payment_documents
from .lifecycle import Event
from .models import Payment, PaymentMethod, Plan, Provider, Subscription
from .providers import enabled_providers, gateway
from .providers.base import (
    PaymentRequest,
    ProviderError,
    ProviderPayment,
    ProviderRejected,
    ProviderUnavailable,
    SavedMethod,
)
from .providers.tinkoff import TinkoffGateway

logger = logging.getLogger(__name__)
Status = Payment.Status


class ProviderDown(DomainError):
    """The chosen provider did not answer (503); ``alternative`` is the other enabled one, if any."""

    status = 503
    code = "provider_unavailable"

    def __init__(self, provider: str, alternative: str | None) -> None:
        names = dict(Provider.choices)
        message = f"{names.get(provider, provider)} сейчас не отвечает."
        if alternative:
            message += f" Попробуйте оплатить через {names[alternative]}."
        else:
            message += " Попробуйте ещё раз через несколько минут."
        super().__init__(message, fields={"alternativePaymentMethod": alternative} if alternative else None)
        self.provider = provider
        self.alternative = alternative


def _other_provider(provider: str) -> str | None:
    return next((code for code in enabled_providers() if code != provider), None)


def _new_order_id() -> str:
    return f"fl-{uuid.uuid4().hex[:24]}"


@dataclass(frozen=True)
class Charge:
    """What to charge: the plan it buys, why, how much, and for which period."""

    plan: Plan
    purpose: str
    amount_kopecks: int
    period_start: datetime | None = None
    period_end: datetime | None = None
    description: str = ""  # the receipt/invoice/act line when it is not a month of the plan


def start(account: Account, charge: Charge, provider: str, *, return_url: str,
          method: PaymentMethod | None = None) -> Payment:
    """Create our payment and start it at the provider: a checkout page, or a charge of the saved card.

    A provider that does not answer leaves the payment ``created`` with ``provider_unavailable`` (its
    outcome is unknown: a late notification still finds it by its order) and raises :class:`ProviderDown`
    naming the alternative for a checkout (the plan's fallback to the other provider).
    """
    if provider not in enabled_providers():
        raise ValueError(provider)
    order_id = _new_order_id()
    payment = Payment.objects.create(
        account=account, plan=charge.plan, purpose=charge.purpose, provider=provider, order_id=order_id,
        idempotence_key=f"{order_id}:1", amount_kopecks=charge.amount_kopecks, receipt_email=account.owner.email,
        payment_method=method, is_autopay=method is not None,
        period_start=charge.period_start, period_end=charge.period_end, description=charge.description,
    )
    return send(payment, return_url=return_url)


def send(payment: Payment, *, return_url: str = "") -> Payment:
    """Send our payment to its provider; again for a retry — same order and idempotence key, so one payment."""
    method = payment.payment_method
    request = PaymentRequest(
        order_id=payment.order_id, idempotence_key=payment.idempotence_key, amount_kopecks=payment.amount_kopecks,
        description=payment.line_item, receipt_email=payment.receipt_email,
        return_url=f"{return_url}?order={payment.order_id}",
        notification_url=platform_url("/api/v1/billing/webhooks/tinkoff"),
        customer_key=f"account-{payment.account_id}", save_method=method is None,
        saved_token=method.token if method else "",
    )
    log = {"provider": payment.provider, "orderId": payment.order_id}
    try:
        state = gateway(payment.provider).create_payment(request)
    except ProviderUnavailable:
        Payment.objects.filter(pk=payment.pk).update(failure_reason="provider_unavailable")
        logger.warning("payment_provider_unavailable", extra=log)
        raise ProviderDown(payment.provider, None if method else _other_provider(payment.provider)) from None
    except ProviderRejected as exc:
        logger.error("payment_provider_rejected", extra={**log, "code": exc.code})
        if method is None:  # our checkout request was refused: offer the other provider
            Payment.objects.filter(pk=payment.pk).update(status=Status.FAILED, failure_reason="rejected")
            _emit("payment_failed", payment, error="rejected")
            raise ProviderDown(payment.provider, _other_provider(payment.provider)) from None
        # A renewal the provider refuses (card token revoked, recurring blocked) is a failed autopayment.
        failed = ProviderPayment(provider_payment_id="", order_id=payment.order_id, state="failed",
                                 provider_status="rejected", amount_kopecks=payment.amount_kopecks,
                                 failure_reason=exc.code or "rejected")
        return record_provider_state(payment.pk, failed)
    # Only a payment nobody has decided yet: a notification may have overtaken this answer.
    Payment.objects.filter(pk=payment.pk, status=Status.CREATED).update(
        provider_payment_id=state.provider_payment_id, payment_url=state.payment_url, status=Status.PENDING,
        provider_status=state.provider_status, failure_reason="",
    )
    if state.state != "pending":
        return record_provider_state(payment.pk, state)
    payment.refresh_from_db()
    return payment


def notified_payment(provider: str, state: ProviderPayment) -> Payment | None:
    """Our payment a verified notification is about: by the provider's id, or by our order id when the
    provider's answer to the start never reached us (the process died or timed out after it was created)."""
    found = Payment.objects.filter(provider=provider, provider_payment_id=state.provider_payment_id).first()
    if found is None and state.order_id:
        found = Payment.objects.filter(provider=provider, order_id=state.order_id, provider_payment_id="").first()
    return found


def refresh(payment: Payment) -> Payment:
    """Ask the provider for the payment's state and apply it (the browser's return, reconciliation).

    A provider that does not answer, or does not know the payment, leaves it as it was (logged): one
    unfetchable payment must not break the page or stop the reconciliation of the others.
    """
    if payment.is_final or not payment.provider_payment_id:
        return payment
    try:
        state = gateway(payment.provider).fetch(payment.provider_payment_id)
    except ProviderError as exc:
        logger.warning("payment_refresh_failed", extra={
            "provider": payment.provider, "orderId": payment.order_id, "code": exc.code,
            "error": type(exc).__name__,
        })
        return payment
    payment = record_provider_state(payment.pk, state)
    if payment.status == Status.SUCCEEDED and payment.payment_method_id is None:
        # Confirmed by asking, not by a notification: the one that carries the card may never come.
        recover_saved_method(payment)
        payment.refresh_from_db()
    return payment


def recover_saved_method(payment: Payment) -> PaymentMethod | None:
    """The card a paid checkout saved, asked from the provider when no notification brought it.

    T-Bank sends RebillId only in the AUTHORIZED notification and GetState never carries it: when that
    notification was lost, ``GetCardList(CustomerKey)`` still lists the card (brief §4.13). Only for a
    paid first payment that has no method yet (a card the customer removed is not brought back).
    """
    if (payment.status != Status.SUCCEEDED or payment.is_autopay or payment.payment_method_id is not None
            or payment.provider != Provider.TINKOFF or Provider.TINKOFF not in enabled_providers()):
        return None  # YooKassa's payment object itself carries the saved method; a bank transfer saves none
    provider = gateway(payment.provider)
    if not isinstance(provider, TinkoffGateway):
        return None
    try:
        saved = provider.saved_card(f"account-{payment.account_id}")
    except ProviderError as exc:
        logger.warning("payment_method_recovery_failed", extra={
            "provider": payment.provider, "orderId": payment.order_id, "code": exc.code})
        return None
    if saved is None:
        logger.warning("payment_method_not_found", extra={"provider": payment.provider, "orderId": payment.order_id})
        return None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.payment_method_id is not None:
            return payment.payment_method
        payment.payment_method = _store_method(payment, saved)
        payment.save(update_fields=["payment_method"])
    logger.info("payment_method_recovered", extra={"provider": payment.provider, "orderId": payment.order_id})
    return payment.payment_method


def give_up(payment: Payment, now: datetime, reason: str = "pending_timeout") -> Payment:
    """A payment the provider has not decided in time is failed on our side (a renewal enters dunning).

    Nothing is granted for it. Should the provider still confirm it later, :func:`record_provider_state`
    applies that success (the money was taken) and raises an alert.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.is_final:
            return payment
        logger.warning("payment_pending_timeout", extra={
            "accountId": payment.account_id, "provider": payment.provider, "orderId": payment.order_id,
            "providerStatus": payment.provider_status, "purpose": payment.purpose,
        })
        _failed(payment, reason, now)
        return payment


def record_provider_state(payment_id: int, state: ProviderPayment, *, now: datetime | None = None) -> Payment:
    """Apply a verified provider state once: forward only, amount and currency checked before any access."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if state.order_id and state.order_id != payment.order_id:
            logger.error("payment_order_mismatch", extra={"orderId": payment.order_id, "provider": payment.provider})
            return payment
        if payment.status == Status.SUCCEEDED:
            # A late state changes nothing — except that it may bring the card (T-Bank's AUTHORIZED
            # notification, the only one with RebillId, can arrive after CONFIRMED).
            if state.saved_method is not None and state.state != "failed" and not payment.is_autopay:
                payment.payment_method = _store_method(payment, state.saved_method)
                payment.save(update_fields=["payment_method"])
            return payment
        if payment.status == Status.FAILED:
            if state.state != "succeeded" or payment.failure_reason == "amount_mismatch":
                return payment
            # We gave up on it (no answer in time, an unclear refusal) but the provider took the money:
            # apply it rather than let it vanish, and tell staff.
            logger.error("payment_succeeded_after_failure", extra={
                "accountId": payment.account_id, "provider": payment.provider, "orderId": payment.order_id,
                "failureReason": payment.failure_reason, "purpose": payment.purpose,
            })
            payment.failure_reason = ""
        payment.provider_status = state.provider_status
        if not payment.provider_payment_id:
            payment.provider_payment_id = state.provider_payment_id
        if state.state == "pending":
            payment.status = Status.PENDING
            fields = ["provider_status", "provider_payment_id", "status"]
            if state.saved_method is not None and not payment.is_autopay:
                # T-Bank's RebillId comes with AUTHORIZED, a pending state: keep it now or never.
                payment.payment_method = _store_method(payment, state.saved_method)
                fields.append("payment_method")
            payment.save(update_fields=fields)
            return payment
        if state.state == "succeeded" and (state.amount_kopecks != payment.amount_kopecks or state.currency != "RUB"):
            logger.error("payment_amount_mismatch", extra={
                "orderId": payment.order_id, "provider": payment.provider, "expected": payment.amount_kopecks,
                "received": state.amount_kopecks, "currency": state.currency,
            })
            # Final on our side: no access; staff see the alert and settle it with the customer (refund).
            payment.status = Status.FAILED
            payment.failure_reason = "amount_mismatch"
            payment.save(update_fields=["provider_status", "provider_payment_id", "status", "failure_reason"])
            _emit("payment_failed", payment, error=payment.failure_reason)
            return payment
        if state.state == "succeeded":
            _succeeded(payment, state, now)
        else:
            _failed(payment, state.failure_reason, now)
        return payment


def _save_method(payment: Payment, state: ProviderPayment) -> PaymentMethod | None:
    if state.saved_method is None:
        return payment.payment_method
    return _store_method(payment, state.saved_method)


def _store_method(payment: Payment, saved: SavedMethod) -> PaymentMethod:
    """The account's card for renewals from now on (the others are kept, inactive)."""
    method, _ = PaymentMethod.objects.update_or_create(
        provider=payment.provider, token=saved.token,
        defaults={"account": payment.account, "title": saved.title or "", "is_active": True,
                  "customer_key": f"account-{payment.account_id}"},
    )
    PaymentMethod.objects.filter(account=payment.account).exclude(pk=method.pk).update(is_active=False)
    return method


def _succeeded(payment: Payment, state: ProviderPayment, now: datetime) -> None:
    payment.status = Status.SUCCEEDED
    payment.paid_at = now
    payment.applied_at = now
    payment.payment_method = _save_method(payment, state)
    subscription = lifecycle.locked(payment.account_id)
    old_plan = subscription.plan
    if payment.purpose == Payment.Purpose.UPGRADE:
        subscription.plan = payment.plan
        subscription.scheduled_plan = None
        payment.period_start, payment.period_end = now, subscription.current_period_end
    else:
        start_at = now
        if payment.purpose == Payment.Purpose.RENEWAL and subscription.status in (
            Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE
        ):
            start_at = subscription.current_period_end or now
        elif subscription.status == Subscription.Status.ACTIVE and subscription.current_period_end:
            start_at = max(now, subscription.current_period_end)  # paid early: the new month follows the old one
        elif subscription.status == Subscription.Status.TRIALING and subscription.trial_ends_at:
            start_at = max(now, subscription.trial_ends_at)  # the unused trial days are kept
        payment.period_start, payment.period_end = start_at, lifecycle.add_month(start_at)
        subscription.plan = payment.plan
        subscription.current_period_start = payment.period_start
        subscription.current_period_end = payment.period_end
        subscription.scheduled_plan = None
        subscription.cancel_at_period_end = False
    subscription.provider = payment.provider
    subscription.autopay_failures = 0
    subscription.next_autopay_at = None
    payment.save()
    if subscription.is_blocked_by_staff:
        subscription.save()  # the paid month is kept; the block stays until staff lift it (into active, then)
    else:
        lifecycle.apply(subscription, Event.PAYMENT_SUCCEEDED, now=now, payment=payment,
                        details={"purpose": payment.purpose, "amountKopecks": payment.amount_kopecks})
    documents = issue_payment_documents(payment)
    _emit("payment_successful", payment)
    audited("billing.payment_succeeded", payment, None)
    if payment.purpose != Payment.Purpose.SUBSCRIBE and old_plan != payment.plan:
        notifications.plan_changed(subscription, old_plan, payment.plan, effective_at=now,
                                   payment=payment if payment.purpose == Payment.Purpose.UPGRADE else None)
    notifications.payment_succeeded(subscription, payment, documents)


def _failed(payment: Payment, reason: str, now: datetime) -> None:
    payment.status = Status.FAILED
    payment.failure_reason = reason or "declined"
    payment.save(update_fields=["status", "failure_reason", "provider_status", "provider_payment_id"])
    _emit("payment_failed", payment, error=payment.failure_reason)
    audited("billing.payment_failed", payment, None, reason=payment.failure_text)
    if payment.purpose == Payment.Purpose.RENEWAL:
        autopay_failed(lifecycle.locked(payment.account_id), payment, now)


def _emit(name: str, payment: Payment, **fields: object) -> None:
    events.emit(name, tenantId=first_workspace_slug(payment.account_id), accountId=payment.account_id,
                paymentId=payment.order_id, amount=payment.amount_kopecks, provider=str(payment.provider),
                purpose=str(payment.purpose), **fields)


def audited(action: str, payment: Payment, actor: User | None, **details: object) -> None:
    """A payment in the account's audit log (billing is account-wide: no workspace)."""
    audit.record(action, actor=actor, account_id=payment.account_id, target=f"Платёж {payment.order_id}",
                 details={"plan": payment.plan.name, "amount": rubles(payment.amount_kopecks),
                          "provider": Provider(payment.provider).label, "purpose": payment.get_purpose_display(),
                          **details})
