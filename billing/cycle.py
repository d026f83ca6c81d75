"""The billing clock, run by Celery beat: reminders, trial end, renewals with dunning, grace end, reconciliation.

Each subscription is handled in its own transaction under a row lock taken with SKIP LOCKED, and
every step checks the state it starts from, so overlapping or repeated runs change nothing twice. Accounts with
the ``billing`` flag off are left alone (nobody can pay them meanwhile); payments already sent are still reconciled.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shared_apps.flags import flags

from . import lifecycle, notifications, payments
from .lifecycle import Event
from .models import Payment, PaymentMethod, Provider, Subscription

logger = logging.getLogger(__name__)
Status = Subscription.Status
TRIAL_REMINDER_DAYS = (3, 1)
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_WITHIN = timedelta(days=2)  # checkouts; charges of a saved card are reconciled until decided
# A renewal still undecided a day after it was sent is failed on our side and enters dunning: the period it
# would pay for is not granted meanwhile (a late confirmation is still applied, see payments.give_up).
RENEWAL_PENDING_DEADLINE = timedelta(days=1)
PROVIDER_DOWN_RETRY = timedelta(hours=1)
UNANSWERED_RETRY_WITHIN = timedelta(hours=23)  # YooKassa keeps an idempotence key for 24 hours


def run(now: datetime | None = None) -> Counter:
    now = now or timezone.now()
    done: Counter = Counter()
    for account_id in due(now).values_list("account_id", flat=True):
        if not flags.is_on(flags.BILLING, account_id):
            continue  # nobody can pay while billing is off: no reminders, no trial end, no renewals, no grace
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
    pending = renewals.filter(status=Payment.Status.PENDING).order_by("created_at").first()
    if pending is not None:
        # The provider has not decided yet: reconciliation asks it, and fails the renewal at its deadline
        # (dunning then schedules the next attempt). Until then nothing more is charged — or granted.
        subscription.next_autopay_at = max(pending.created_at + RENEWAL_PENDING_DEADLINE, now + RECONCILE_AFTER)
        subscription.save(update_fields=["next_autopay_at"])
        return ""
    unanswered = renewals.filter(status=Payment.Status.CREATED, failure_reason="provider_unavailable",
                                 created_at__gte=now - UNANSWERED_RETRY_WITHIN).first()
    method = PaymentMethod.objects.filter(account_id=subscription.account_id, is_active=True).first()
    if method is None:
        method = _recovered_method(subscription)
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


def _recovered_method(subscription: Subscription) -> PaymentMethod | None:
    """The card of the account's last paid checkout, asked from the provider when no notification brought it."""
    last = (Payment.objects.filter(account_id=subscription.account_id, provider=Provider.TINKOFF,
                                   status=Payment.Status.SUCCEEDED, is_autopay=False, payment_method__isnull=True)
            .order_by("-paid_at").first())
    return payments.recover_saved_method(last) if last is not None else None


def reconcile(now: datetime) -> int:
    """Ask the provider about payments still pending after a while (a lost or late notification).

    Checkouts are asked about for two days; charges of a saved card until they are decided, and a renewal
    undecided at :data:`RENEWAL_PENDING_DEADLINE` is failed into dunning. Each payment on its own: one the
    provider cannot find (or a surprise) is logged and the others are still reconciled.
    """
    stale = (Payment.objects.filter(status=Payment.Status.PENDING, created_at__lte=now - RECONCILE_AFTER)
             .filter(Q(is_autopay=True) | Q(created_at__gte=now - RECONCILE_WITHIN))
             .exclude(provider_payment_id="").order_by("created_at"))
    changed = 0
    for payment in stale[:200]:
        try:
            if payments.refresh(payment).is_final:
                changed += 1
            elif payment.purpose == Payment.Purpose.RENEWAL and payment.created_at <= now - RENEWAL_PENDING_DEADLINE:
                payments.give_up(payment, now)
                changed += 1
        except Exception:
            logger.exception("payment_reconcile_failed", extra={"orderId": payment.order_id,
                                                                "provider": payment.provider})
    return changed
