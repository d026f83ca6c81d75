"""Failed autopayments: three attempts three days apart, an e-mail after each, then the grace period."""

from datetime import datetime, timedelta

from django.conf import settings

from . import lifecycle, notifications
from .lifecycle import Event
from .models import Payment, Subscription


def autopay_failed(subscription: Subscription, payment: Payment, now: datetime) -> None:
    """Count the failed renewal; schedule the next attempt or, after the last one, enter grace."""
    if not (lifecycle.can(subscription, Event.AUTOPAY_FAILED) or lifecycle.can(subscription, Event.DUNNING_EXHAUSTED)):
        return  # paid meanwhile (or already in grace): a late failure changes nothing
    subscription.autopay_failures += 1
    attempts_left = settings.BILLING_AUTOPAY_ATTEMPTS - subscription.autopay_failures
    details = {"attempt": subscription.autopay_failures, "reason": payment.failure_reason}
    if attempts_left > 0:
        subscription.next_autopay_at = now + timedelta(days=settings.BILLING_AUTOPAY_INTERVAL_DAYS)
        lifecycle.apply(subscription, Event.AUTOPAY_FAILED, now=now, payment=payment, details=details)
        notifications.payment_failed(subscription, payment, next_attempt_at=subscription.next_autopay_at,
                                     attempts_left=attempts_left)
        return
    lifecycle.apply(subscription, Event.DUNNING_EXHAUSTED, now=now, payment=payment, details=details)
    notifications.payment_failed(subscription, payment, next_attempt_at=None, attempts_left=0)
    notifications.grace_started(subscription, reason="payment")
