"""The billing clock, run by Celery beat: reminders, trial end, renewals with dunning, grace end, reconciliation.

Each subscription is handled in its own transaction under a row lock taken with SKIP LOCKED, and
every step checks the state it starts from, so overlapping or repeated runs change nothing twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import lifecycle, notifications, payments
from .lifecycle import Event
from .models import Payment, PaymentMethod, Subscription

logger = logging.getLogger(__name__)
Status = Subscription.Status
TRIAL_REMINDER_DAYS = (3, 1)
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_WITHIN = timedelta(days=2)
PROVIDER_DOWN_RETRY = timedelta(hours=1)
UNANSWERED_RETRY_WITHIN = timedelta(hours=23)  # YooKassa keeps an idempotence key for 24 hours


def run(now: datetime | None = None) -> Counter:
    now = now or timezone.now()
    done: Counter = Counter()
    for account_id in due(now).values_list("account_id", flat=True):
        try:
            step = advance(account_id, now)
        except Exception:
            # One account's surprise must not stop the clock for the others; it is retried next run.
            logger.exception("billing_cycle_failed", extra={"accountId": account_id})
            done["errors"] += 1
            continue
        if step:
            done[step] += 1
    done["reconciled"] = reconcile(now)
    if any(done.values()):
        logger.info("billing_cycle", extra={key: value for key, value in done.items()})
    return done


def due(now: datetime) -> QuerySet[Subscription]:
    """Subscriptions with something to do now — only those, so a run with nothing due stays cheap."""
    reminders = Q()
    for days in TRIAL_REMINDER_DAYS:
        reminders |= Q(trial_ends_at__lte=now + timedelta(days=days)) & ~Q(reminders_sent__contains=[f"trial_{days}d"])
    not_claimed = Q(next_autopay_at__isnull=True) | Q(next_autopay_at__lte=now)
    return Subscription.objects.filter(
        Q(status=Status.TRIALING) & (Q(trial_ends_at__lte=now) | reminders)
        | Q(status=Status.ACTIVE, current_period_end__lte=now) & not_claimed
        | Q(status=Status.PAST_DUE, next_autopay_at__lte=now)
        | Q(status=Status.GRACE, grace_ends_at__lte=now)
    )


def advance(account_id: int, now: datetime) -> str:
    """One step for one subscription; returns what was done ("" when nothing was due or it is busy)."""
    with transaction.atomic():
        subscription = (Subscription.objects.select_for_update(skip_locked=True).select_related("plan", "account")
                        .filter(account_id=account_id).first())
        if subscription is None:
            return ""
        if subscription.status == Status.TRIALING:
            return _trial(subscription, now)
        if subscription.status in (Status.ACTIVE, Status.PAST_DUE):
            return _renewal(subscription, now)
        if subscription.status == Status.GRACE and subscription.grace_ends_at and subscription.grace_ends_at <= now:
            lifecycle.apply(subscription, Event.GRACE_EXPIRED, now=now)
            notifications.blocked(subscription)
            return "blocked"
    return ""


def _trial(subscription: Subscription, now: datetime) -> str:
    ends = subscription.trial_ends_at
    if ends is None:
        return ""
    if ends <= now:
        lifecycle.apply(subscription, Event.TRIAL_EXPIRED, now=now)
        notifications.trial_ended(subscription)
        return "trial_expired"
    for days in sorted(TRIAL_REMINDER_DAYS):
        key = f"trial_{days}d"
        if ends - now <= timedelta(days=days) and key not in subscription.reminders_sent:
            # The 1-day reminder also covers the 3-day one when the clock jumped past both.
            subscription.reminders_sent = [*subscription.reminders_sent,
                                           *(f"trial_{d}d" for d in TRIAL_REMINDER_DAYS if d >= days)]
            subscription.save(update_fields=["reminders_sent"])
            notifications.trial_ending(subscription, days_left=days)
            return "trial_reminder"
    return ""


def _renewal(subscription: Subscription, now: datetime) -> str:
    if subscription.status == Status.ACTIVE:
        if not subscription.current_period_end or subscription.current_period_end > now:
            return ""
        if subscription.cancel_at_period_end:
            lifecycle.apply(subscription, Event.PERIOD_ENDED_CANCELED, now=now)
            return "canceled"
    if subscription.next_autopay_at and subscription.next_autopay_at > now:
        return ""
    renewals = Payment.objects.filter(account_id=subscription.account_id, purpose=Payment.Purpose.RENEWAL)
    if renewals.filter(status=Payment.Status.PENDING).exists():
        return ""  # the provider has not decided yet; reconciliation will
    unanswered = renewals.filter(status=Payment.Status.CREATED, failure_reason="provider_unavailable",
                                 created_at__gte=now - UNANSWERED_RETRY_WITHIN).first()
    method = PaymentMethod.objects.filter(account_id=subscription.account_id, is_active=True).first()
    plan = subscription.scheduled_plan or subscription.plan
    if method is None or plan.price_kopecks is None:
        if lifecycle.apply(subscription, Event.PERIOD_ENDED_UNPAID, now=now) or lifecycle.apply(
            subscription, Event.DUNNING_EXHAUSTED, now=now
        ):
            notifications.grace_started(subscription, reason="payment")
            return "grace"
        return ""
    # Claim this attempt before calling the provider, so a run that overlaps cannot charge twice.
    subscription.next_autopay_at = now + timedelta(days=1)
    subscription.save(update_fields=["next_autopay_at"])
    try:
        if unanswered:  # the provider never answered: the same order and key again, never a second charge
            payments.send(unanswered)
        else:
            charge = payments.Charge(plan=plan, purpose=Payment.Purpose.RENEWAL, amount_kopecks=plan.price_kopecks)
            payments.start(subscription.account, charge, method.provider, method=method,
                           return_url=notifications.billing_url(subscription))
    except payments.ProviderDown:
        subscription.next_autopay_at = now + PROVIDER_DOWN_RETRY
        subscription.save(update_fields=["next_autopay_at"])
        return "autopay_deferred"
    return "autopay"


def reconcile(now: datetime) -> int:
    """Ask the provider about payments still pending after a while (a lost or late notification)."""
    stale = Payment.objects.filter(status=Payment.Status.PENDING, created_at__lte=now - RECONCILE_AFTER,
                                   created_at__gte=now - RECONCILE_WITHIN).exclude(provider_payment_id="")
    changed = 0
    for payment in stale[:200]:
        if payments.refresh(payment).is_final:
            changed += 1
    return changed
