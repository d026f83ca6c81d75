"""What platform staff do to a customer's billing from the platform admin: extend a trial, block and unblock an
account, send a document again, record a bank transfer.

Each one holds the subscription's (or the document's) row lock, moves the subscription through ``lifecycle`` (so its
history keeps the step) and writes a staff audit entry in the same transaction. A refusal is a :class:`StaffRefusal`
whose message says why, in Russian, for the admin's message bar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.text import quoted
from shared_apps.accounts.models import Account, User
from shared_apps.audit import services as audit

from . import invoicing, lifecycle, notifications, services
from .lifecycle import Event
from .models import Document, Payment, Subscription, moscow_date

Status = Subscription.Status
TRIAL_EXTENSION_DAYS = (1, 90)


class StaffRefusal(DomainError):
    status = 409
    code = "staff_action_refused"


def _record(action: str, staff: User, account_id: int, *, target: str = "", **details: object) -> None:
    audit.record(action, actor=staff, account_id=account_id, target=target, details=details, staff=True)


def _locked(account: Account) -> Subscription:
    services.subscription_for(account)  # an account made before billing starts its trial first
    return lifecycle.locked(account.pk)


def extend_trial(account: Account, days: int, *, staff: User,
                 now: datetime | None = None) -> Subscription:
    """More days of trial: a running trial gets them added to its end; a trial that ran out (grace, or blocked at the
    end of grace) starts again for that many days from now. Accounts that have paid are not on a trial."""
    low, high = TRIAL_EXTENSION_DAYS
    if not low <= days <= high:
        raise StaffRefusal(f"Пробный период продлевается на {low}–{high} дней.", status=400)
    now = now or timezone.now()
    with transaction.atomic():
        subscription = _locked(account)
        if not subscription.plan.is_trial:
            raise StaffRefusal(f"{quoted(account.name)}: аккаунт на тарифе «{subscription.plan.name}» (статус «"
                               f"{subscription.get_status_display()}»), пробный период продлевают только до первой "
                               "оплаты.")
        if subscription.is_blocked_by_staff:
            raise StaffRefusal(f"{quoted(account.name)}: аккаунт заблокирован сотрудником — сначала разблокируйте его.")
        if not lifecycle.can(subscription, Event.TRIAL_EXTENDED):
            raise StaffRefusal(f"{quoted(account.name)}: пробный период нельзя продлить в статусе "
                               f"«{subscription.get_status_display()}».")
        before, ends = subscription.status, subscription.trial_ends_at
        new_end = (ends if before == Status.TRIALING and ends and ends > now else now) + timedelta(days=days)
        subscription.trial_ends_at = new_end
        subscription.grace_ends_at = None
        # The reminders before the end are sent again before the new one.
        subscription.reminders_sent = [r for r in subscription.reminders_sent if not str(r).startswith("trial_")]
        lifecycle.apply(subscription, Event.TRIAL_EXTENDED, now=now, details={"days": days, "staffId": staff.pk})
        _record("billing.trial_extended", staff, account.pk, target=f"Аккаунт {quoted(account.name)}", days=days,
                trialEndsAt=moscow_date(new_end), fromStatus=before)
    return subscription


def block(account: Account, *, staff: User, now: datetime | None = None) -> Subscription:
    """The account's cabinet and widget stop (billing-only access, as after an unpaid grace); data is kept."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = _locked(account)
        before = subscription.status
        if not lifecycle.apply(subscription, Event.BLOCKED_BY_STAFF, now=now, details={"staffId": staff.pk}):
            raise StaffRefusal(f"{quoted(account.name)}: аккаунт уже заблокирован.")
        _record("billing.account_blocked", staff, account.pk, target=f"Аккаунт {quoted(account.name)}",
                fromStatus=before)
    return subscription


def unblock(account: Account, *, staff: User, now: datetime | None = None) -> Subscription:
    """Back to what the account's dates allow: active while its paid period runs, trialing while its trial runs,
    otherwise a week of grace to pay (then the billing clock blocks it again)."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = _locked(account)
        if subscription.status != Status.BLOCKED:
            raise StaffRefusal(f"{quoted(account.name)}: аккаунт не заблокирован (статус «"
                               f"{subscription.get_status_display()}»).")
        if subscription.current_period_end and subscription.current_period_end > now:
            event = Event.UNBLOCKED_PAID
        elif subscription.plan.is_trial and subscription.trial_ends_at and subscription.trial_ends_at > now:
            event = Event.UNBLOCKED_TRIAL
        else:
            event = Event.UNBLOCKED_UNPAID
        lifecycle.apply(subscription, event, now=now, details={"staffId": staff.pk})
        _record("billing.account_unblocked", staff, account.pk, target=f"Аккаунт {quoted(account.name)}",
                toStatus=subscription.status)
    return subscription


def resend_document(document: Document, *, staff: User) -> Document:
    """E-mail an invoice or an act to the account's owner (the payer) again, with its PDF."""
    with transaction.atomic():
        document = Document.objects.select_for_update().select_related("account__owner", "plan").get(pk=document.pk)
        if document.status == Document.Status.VOID:
            raise StaffRefusal(f"{document}: документ аннулирован, отправлять его нельзя.")
        if not document.pdf:
            invoicing.render_and_store(document)
        subscription = services.subscription_for(document.account)
        if document.kind == Document.Kind.INVOICE:
            notifications.invoice_issued(subscription, document)
            action = "billing.invoice_resent"
        else:
            notifications.act_issued(subscription, document)
            action = "billing.act_resent"
        _record(action, staff, document.account_id, target=str(document))
    return document


def mark_bank_transfer_paid(document: Document, *, staff: User) -> Payment:
    """The money for an unpaid bank-transfer invoice arrived: pay it (the subscription is extended as by a card)."""
    with transaction.atomic():
        document = Document.objects.select_for_update().select_related("account__owner", "plan").get(pk=document.pk)
        if (document.kind != Document.Kind.INVOICE or document.status != Document.Status.UNPAID
                or document.payment_id is not None):
            raise StaffRefusal(f"{document}: отметить оплату можно только у неоплаченного счёта на банковский "
                               f"перевод (сейчас «{document.get_status_display()}»).")
        payment = services.record_bank_transfer(document)
        _record("billing.bank_transfer_paid", staff, document.account_id, target=str(document),
                paymentOrder=payment.order_id, amountKopecks=document.amount_kopecks)
    return payment
