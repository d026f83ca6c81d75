"""The subscription state machine and the billing clock, each transition with a frozen clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from billing import cycle, lifecycle
from billing.entitlements import Access, access_of
from billing.lifecycle import Event, add_month
from billing.models import Payment, Plan, Subscription, SubscriptionEvent
from billing.services import start_trial

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 1, 12, 0, tzinfo=MSK)
Status = Subscription.Status


@pytest.fixture
def trial(make_tenant):
    with time_machine.travel(START, tick=False):
        tenant = make_tenant()
        subscription = start_trial(tenant.account)
    return subscription


def history(subscription: Subscription) -> list[tuple[str, str, str]]:
    return list(SubscriptionEvent.objects.filter(subscription=subscription)
                .values_list("from_status", "to_status", "reason"))


def run_at(moment: datetime, send_mail_now) -> None:
    with time_machine.travel(moment, tick=False), send_mail_now():
        cycle.run()


def test_every_event_only_moves_from_its_allowed_statuses():
    assert set(lifecycle.TRANSITIONS[Event.PAYMENT_SUCCEEDED]) == set(Status)
    assert lifecycle.TRANSITIONS[Event.TRIAL_EXPIRED] == {Status.TRIALING: Status.GRACE}
    assert lifecycle.TRANSITIONS[Event.GRACE_EXPIRED] == {Status.GRACE: Status.BLOCKED}
    assert lifecycle.TRANSITIONS[Event.AUTOPAY_FAILED] == {Status.ACTIVE: Status.PAST_DUE,
                                                           Status.PAST_DUE: Status.PAST_DUE}
    assert lifecycle.TRANSITIONS[Event.PERIOD_ENDED_CANCELED] == {Status.ACTIVE: Status.CANCELED}



@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 1, 31, tzinfo=MSK), datetime(2026, 2, 28, tzinfo=MSK)),
    (datetime(2028, 1, 31, tzinfo=MSK), datetime(2028, 2, 29, tzinfo=MSK)),
    (datetime(2026, 12, 15, tzinfo=MSK), datetime(2027, 1, 15, tzinfo=MSK)),
    (datetime(2026, 3, 31, tzinfo=MSK), datetime(2026, 4, 30, tzinfo=MSK)),
])
def test_a_month_is_a_calendar_month_clamped(moment, expected):
    assert add_month(moment) == expected


def test_trial_reminders_then_grace_then_blocked_with_data_kept(trial, send_mail_now):
    ends = trial.trial_ends_at
    assert ends == START + timedelta(days=14)
    run_at(ends - timedelta(days=3, minutes=-1), send_mail_now)
    assert [m.subject for m in mail.outbox] == ["Пробный период Fast Lead скоро закончится"]
    assert "3 дня" in mail.outbox[0].body
    run_at(ends - timedelta(days=2), send_mail_now)  # the same reminder is not sent twice
    assert len(mail.outbox) == 1
    run_at(ends - timedelta(hours=23), send_mail_now)
    assert len(mail.outbox) == 2
    assert "1 день" in mail.outbox[1].body

    run_at(ends + timedelta(minutes=1), send_mail_now)
    trial.refresh_from_db()
    assert trial.status == Status.GRACE
    assert trial.grace_ends_at == ends + timedelta(minutes=1) + timedelta(days=7)
    assert access_of(trial.account) is Access.READ_ONLY
    assert mail.outbox[-1].subject == "Пробный период Fast Lead закончился — выберите тариф"

    run_at(ends + timedelta(days=3), send_mail_now)  # still in grace: nothing happens
    trial.refresh_from_db()
    assert trial.status == Status.GRACE

    run_at(trial.grace_ends_at + timedelta(seconds=1), send_mail_now)
    trial.refresh_from_db()
    assert trial.status == Status.BLOCKED
    assert access_of(trial.account) is Access.BILLING_ONLY
    assert mail.outbox[-1].subject == "Доступ к Fast Lead приостановлен — данные сохранены"
    assert history(trial) == [("", "trialing", "subscription_created"),
                              ("trialing", "grace", "trial_expired"),
                              ("grace", "blocked", "grace_expired")]
    assert trial.account.tenants.count() == 1  # blocking keeps the workspaces and their data


def test_the_clock_is_idempotent(trial, send_mail_now):
    moment = trial.trial_ends_at + timedelta(minutes=5)
    run_at(moment, send_mail_now)
    run_at(moment, send_mail_now)
    assert [h[2] for h in history(trial)] == ["subscription_created", "trial_expired"]
    assert sum(m.subject.startswith("Пробный период Fast Lead закончился") for m in mail.outbox) == 1


def _active(subscription: Subscription, plan_code: str = "pro") -> Subscription:
    subscription.plan = Plan.objects.get(code=plan_code)
    subscription.status = Status.ACTIVE
    subscription.current_period_start = START
    subscription.current_period_end = add_month(START)
    subscription.save()
    return subscription


def test_period_end_without_a_saved_card_enters_grace(trial, send_mail_now):
    subscription = _active(trial)
    run_at(subscription.current_period_end + timedelta(minutes=1), send_mail_now)
    subscription.refresh_from_db()
    assert subscription.status == Status.GRACE
    assert history(subscription)[-1] == ("active", "grace", "period_ended_unpaid")
    assert mail.outbox[-1].subject == "Кабинет Fast Lead перешёл в режим чтения"


def test_cancel_at_period_end_cancels_and_leaves_only_billing(trial, send_mail_now):
    subscription = _active(trial)
    subscription.cancel_at_period_end = True
    subscription.save()
    run_at(subscription.current_period_end - timedelta(minutes=1), send_mail_now)
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    run_at(subscription.current_period_end + timedelta(minutes=1), send_mail_now)
    subscription.refresh_from_db()
    assert subscription.status == Status.CANCELED
    assert access_of(subscription.account) is Access.BILLING_ONLY
    assert Payment.objects.count() == 0  # a canceled subscription is never charged


def test_payment_success_is_allowed_from_every_status(trial):
    for status in Status:
        trial.status = status
        trial.save()
        with transaction.atomic():
            locked = lifecycle.locked(trial.account_id)
            assert lifecycle.apply(locked, Event.PAYMENT_SUCCEEDED, now=START)
        trial.refresh_from_db()
        assert trial.status == Status.ACTIVE
        assert trial.grace_ends_at is None


def test_a_transition_not_allowed_from_the_status_writes_nothing(trial):
    before = history(trial)
    with transaction.atomic():
        locked = lifecycle.locked(trial.account_id)
        assert not lifecycle.apply(locked, Event.GRACE_EXPIRED, now=START)
        assert not lifecycle.apply(locked, Event.AUTOPAY_FAILED, now=START)
    trial.refresh_from_db()
    assert trial.status == Status.TRIALING
    assert history(trial) == before


def test_only_subscriptions_with_something_to_do_are_picked_up(trial, send_mail_now):
    ends = trial.trial_ends_at
    assert not cycle.due(ends - timedelta(days=4)).exists()
    assert cycle.due(ends - timedelta(days=2)).exists()  # the 3-day reminder is due
    run_at(ends - timedelta(days=2), send_mail_now)
    assert not cycle.due(ends - timedelta(days=2)).exists()  # sent: nothing until the 1-day one
    assert cycle.due(ends - timedelta(hours=12)).exists()
    subscription = _active(trial)
    subscription.next_autopay_at = subscription.current_period_end + timedelta(days=1)  # an attempt in flight
    subscription.save()
    assert not cycle.due(subscription.current_period_end + timedelta(hours=1)).exists()
    assert cycle.due(subscription.current_period_end + timedelta(days=1)).exists()
