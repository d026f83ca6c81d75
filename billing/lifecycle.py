"""The subscription state machine: one table of allowed transitions, one function that applies them.

    trialing ──trial_expired──▶ grace ──grace_expired──▶ blocked
    active ──autopay_failed──▶ past_due ──(3rd failure)──▶ grace
    active ──period_ended_unpaid (no saved card)──▶ grace
    active ──period_ended_canceled──▶ canceled
    any ──payment_succeeded──▶ active (except a block by staff: the payment is kept, the block stays)
    trialing | grace | blocked ──trial_extended (staff)──▶ trialing
    any ──blocked_by_staff──▶ blocked ──unblocked_paid | _trial | _unpaid (staff)──▶ active | trialing | grace

Every transition is written to the history table. A transition that is not allowed from the current
status (a duplicate beat run, a second notification) is a no-op, which makes callers idempotent.
Callers hold the subscription row lock (:func:`locked`).
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction

from .models import STAFF_BLOCK_REASON, Payment, Subscription, SubscriptionEvent

logger = logging.getLogger(__name__)
Status = Subscription.Status


class Event(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"
    TRIAL_EXPIRED = "trial_expired"
    AUTOPAY_FAILED = "autopay_failed"
    DUNNING_EXHAUSTED = "dunning_exhausted"
    PERIOD_ENDED_UNPAID = "period_ended_unpaid"
    PERIOD_ENDED_CANCELED = "period_ended_canceled"
    GRACE_EXPIRED = "grace_expired"
    # Platform staff (billing.staff): a trial given more days, an account blocked, and unblocked into the status
    # its dates allow — the paid period still running, the trial still running, or a week of grace.
    TRIAL_EXTENDED = "trial_extended"
    BLOCKED_BY_STAFF = STAFF_BLOCK_REASON
    UNBLOCKED_PAID = "unblocked_paid"
    UNBLOCKED_TRIAL = "unblocked_trial"
    UNBLOCKED_UNPAID = "unblocked_unpaid"


# The history's reasons as the platform admin shows them: the events above and the steps billing.services records.
REASON_LABELS: dict[str, str] = {
    Event.PAYMENT_SUCCEEDED: "платёж прошёл",
    Event.TRIAL_EXPIRED: "пробный период закончился",
    Event.AUTOPAY_FAILED: "автоплатёж не прошёл",
    Event.DUNNING_EXHAUSTED: "попытки автоплатежа исчерпаны",
    Event.PERIOD_ENDED_UNPAID: "оплаченный период закончился без оплаты",
    Event.PERIOD_ENDED_CANCELED: "период закончился после отмены",
    Event.GRACE_EXPIRED: "льготный период закончился",
    Event.TRIAL_EXTENDED: "сотрудник продлил пробный период",
    Event.BLOCKED_BY_STAFF: "заблокирован сотрудником",
    Event.UNBLOCKED_PAID: "разблокирован сотрудником: период оплачен",
    Event.UNBLOCKED_TRIAL: "разблокирован сотрудником: идёт пробный период",
    Event.UNBLOCKED_UNPAID: "разблокирован сотрудником: неделя на оплату",
    "subscription_created": "подписка создана",
    "downgrade_scheduled": "смена тарифа со следующего периода",
    "cancel_requested": "отмена в конце периода",
    "cancel_withdrawn": "отмена отозвана",
}


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason)


TRANSITIONS: dict[Event, dict[str, str]] = {
    Event.PAYMENT_SUCCEEDED: {s: Status.ACTIVE for s in Status},
    Event.TRIAL_EXPIRED: {Status.TRIALING: Status.GRACE},
    Event.AUTOPAY_FAILED: {Status.ACTIVE: Status.PAST_DUE, Status.PAST_DUE: Status.PAST_DUE},
    Event.DUNNING_EXHAUSTED: {Status.ACTIVE: Status.GRACE, Status.PAST_DUE: Status.GRACE},
    Event.PERIOD_ENDED_UNPAID: {Status.ACTIVE: Status.GRACE},
    Event.PERIOD_ENDED_CANCELED: {Status.ACTIVE: Status.CANCELED},
    Event.GRACE_EXPIRED: {Status.GRACE: Status.BLOCKED},
    Event.TRIAL_EXTENDED: {Status.TRIALING: Status.TRIALING, Status.GRACE: Status.TRIALING,
                           Status.BLOCKED: Status.TRIALING},
    Event.BLOCKED_BY_STAFF: {s: Status.BLOCKED for s in Status if s != Status.BLOCKED},
    Event.UNBLOCKED_PAID: {Status.BLOCKED: Status.ACTIVE},
    Event.UNBLOCKED_TRIAL: {Status.BLOCKED: Status.TRIALING},
    Event.UNBLOCKED_UNPAID: {Status.BLOCKED: Status.GRACE},
}


def add_month(moment: datetime) -> datetime:
    """The same day next month, clamped to its length (31 Jan → 28/29 Feb)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def locked(account_id: int) -> Subscription:
    """The account's subscription, row-locked until the surrounding transaction ends."""
    return Subscription.objects.select_for_update().select_related("plan", "account").get(account_id=account_id)


def can(subscription: Subscription, event: Event) -> bool:
    return subscription.status in TRANSITIONS[event]


def apply(subscription: Subscription, event: Event, *, now: datetime, payment: Payment | None = None,
          details: dict | None = None) -> bool:
    """Move the subscription along ``event``; False (and nothing written) when not allowed from its status."""
    if not can(subscription, event):
        return False
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lifecycle.apply must run inside a transaction holding the subscription lock")
    before = subscription.status
    after = TRANSITIONS[event][before]
    subscription.status = after
    if after != before:
        subscription.status_changed_at = now
    if after == Status.GRACE and before != Status.GRACE:
        subscription.grace_ends_at = now + timedelta(days=settings.BILLING_GRACE_DAYS)
        subscription.next_autopay_at = None
    elif after == Status.ACTIVE:
        subscription.grace_ends_at = None
    elif after in (Status.BLOCKED, Status.CANCELED):
        subscription.next_autopay_at = None
    subscription.save()
    SubscriptionEvent.objects.create(
        subscription=subscription, from_status=before, to_status=after, reason=event, plan=subscription.plan,
        payment=payment, details=details or {}, created_at=now,
    )
    logger.info("subscription_status_changed", extra={
        "accountId": subscription.account_id, "fromStatus": before, "toStatus": after, "reason": str(event),
    })
    return True
