"""YooKassa notifications we do not act on, and renewals YooKassa answers with ``pending``, through the sandbox.

The sandbox is the real HTTP emulator on loopback; what it would have POSTed (its recorded deliveries) is posted
to our webhook the way YooKassa posts it, from an allow-listed address.
"""

import logging
from datetime import timedelta

import httpx
import pytest
import time_machine

from billing import cycle
from billing.models import Document, Payment, PaymentMethod, Subscription, SubscriptionEvent
from billing.services import start_trial

Status = Subscription.Status
CARD = "5555555555554444"
WEBHOOK = "/api/v1/billing/webhooks/yookassa"


@pytest.fixture
def workspace(make_tenant, client_for, payment_sandbox):
    payment_sandbox.yookassa_webhook_url = "http://127.0.0.1:9/unreachable"  # deliveries are recorded, we post them
    tenant = make_tenant()
    start_trial(tenant.account)
    return tenant, client_for(tenant, tenant.account.owner)


def control(payment_sandbox, path: str, body: dict | None = None) -> dict:
    response = httpx.post(f"{payment_sandbox.base_url}/_sandbox/{path}", json=body or {}, timeout=10)
    response.raise_for_status()
    return response.json()


def sent(payment_sandbox, event: str) -> list[dict]:
    """The notifications the sandbox tried to deliver (first attempts, lost ones included), oldest first."""
    deliveries = httpx.get(f"{payment_sandbox.base_url}/_sandbox/deliveries", timeout=10).json()["deliveries"]
    return [d["payload"] for d in deliveries if d["provider"] == "yookassa" and d["event"] == event
            and d["attempt"] <= 1]


def post(client, body: dict, ip: str = "127.0.0.1"):
    return client.post(WEBHOOK, body, content_type="application/json", REMOTE_ADDR=ip)


def paid_pro(tenant, client, public, payment_sandbox) -> Subscription:
    started = client.post("/api/v1/billing/payments", {"planId": "pro", "paymentMethod": "yookassa"},
                          content_type="application/json").json()
    payment = Payment.objects.get(order_id=started["paymentId"])
    control(payment_sandbox, "complete", {"provider": "yookassa", "id": payment.provider_payment_id, "card": CARD})
    [notification] = [n for n in sent(payment_sandbox, "payment.succeeded")
                      if n["object"]["id"] == payment.provider_payment_id]
    assert post(public, notification).status_code == 200
    subscription = Subscription.objects.get(account=tenant.account)
    assert subscription.status == Status.ACTIVE
    return subscription


def snapshot(tenant) -> tuple:
    subscription = Subscription.objects.get(account=tenant.account)
    return (
        subscription.status, subscription.plan_id, subscription.current_period_end, subscription.autopay_failures,
        sorted(Payment.objects.filter(account=tenant.account).values_list("order_id", "status", "failure_reason")),
        SubscriptionEvent.objects.filter(subscription=subscription).count(),
        Document.objects.filter(account=tenant.account).count(),
        sorted(PaymentMethod.objects.filter(account=tenant.account).values_list("token", "is_active")),
    )


# --- defect 7: events we do not handle are acknowledged, not refused ----------------------------------------


def test_a_refund_notification_is_acknowledged_logged_and_changes_nothing(workspace, client_for, payment_sandbox,
                                                                         caplog):
    tenant, client = workspace
    public = client_for()
    paid_pro(tenant, client, public, payment_sandbox)
    payment = Payment.objects.get(account=tenant.account)
    # Staff refund part of it in the YooKassa dashboard: YooKassa then notifies refund.succeeded.
    refund = httpx.post(f"{payment_sandbox.base_url}/yookassa/v3/refunds", auth=("100500", "test_sandbox_secret"),
                        headers={"Idempotence-Key": "staff-refund-1"}, timeout=10, json={
                            "payment_id": payment.provider_payment_id,
                            "amount": {"value": "100.00", "currency": "RUB"},
                            "receipt": {"customer": {"email": "owner@example.ru"}, "items": [{
                                "description": "Возврат", "quantity": "1.00",
                                "amount": {"value": "100.00", "currency": "RUB"}, "vat_code": 1,
                                "payment_subject": "service", "payment_mode": "full_payment", "measure": "piece"}]},
                        })
    assert refund.status_code == 200, refund.text
    [notification] = sent(payment_sandbox, "refund.succeeded")
    before = snapshot(tenant)
    caplog.set_level(logging.INFO, logger="billing.api")

    answer = post(public, notification)

    assert answer.status_code == 200  # brief §1: anything but 200 is redelivered for 24 h
    assert snapshot(tenant) == before
    [line] = [r for r in caplog.records if r.getMessage() == "webhook_event_ignored"]
    assert (line.levelname, line.provider, line.event, line.objectId) == (
        "INFO", "yookassa", "refund.succeeded", refund.json()["id"])


@pytest.mark.parametrize("body", [
    {"type": "notification", "event": "payout.succeeded",
     "object": {"id": "po-28559c6e-000f-5000-a000-1d9aa8cc1f1c", "status": "succeeded"}},
    {"type": "notification", "event": "payout.canceled", "object": {"id": "po-1", "status": "canceled"}},
    {"type": "notification", "event": "deal.closed", "object": {"id": "dl-2d14a5e1-0015-5000-9000-1e3ff7e33e9b"}},
    {"type": "notification", "event": "payment_method.active",
     "object": {"id": "2f1a0c3e-000f-5000-8000-1a2b3c4d5e6f", "type": "bank_card", "saved": True}},
    {"type": "notification", "event": "refund.succeeded", "object": {}},
])
def test_other_yookassa_events_are_acknowledged_and_ignored(workspace, client_for, payment_sandbox, caplog, body):
    tenant, _ = workspace
    before = snapshot(tenant)
    caplog.set_level(logging.INFO, logger="billing.api")

    assert post(client_for(), body).status_code == 200

    assert snapshot(tenant) == before
    assert [r.event for r in caplog.records if r.getMessage() == "webhook_event_ignored"] == [body["event"]]


def test_unhandled_events_are_still_checked_for_the_sender_and_the_shape(workspace, client_for):
    public = client_for()
    refund = {"type": "notification", "event": "refund.succeeded", "object": {"id": "2f1a-refund"}}
    assert post(public, refund, ip="203.0.113.7").status_code == 403
    for malformed in ({"type": "notification", "object": {"id": "x"}}, {"event": "refund.succeeded", "object": {}},
                      {"type": "notification", "event": "refund.succeeded"},
                      {"type": "notification", "event": "payment.succeeded", "object": {"id": "../x"}}):
        assert post(public, malformed).status_code == 400, malformed


# --- pending autopayments -----------------------------------------------------------------------------------


def test_a_pending_renewal_is_decided_by_its_notification(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    public = client_for()
    subscription = paid_pro(tenant, client, public, payment_sandbox)
    old_end = subscription.current_period_end
    control(payment_sandbox, "autopay", {"pending": True})

    with time_machine.travel(old_end + timedelta(minutes=1), tick=False):
        assert cycle.run()["autopay"] == 1
    renewal = Payment.objects.get(purpose="renewal")
    assert (renewal.status, renewal.provider_status) == ("pending", "pending")
    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_end) == (Status.ACTIVE, old_end)

    control(payment_sandbox, "settle", {"id": renewal.provider_payment_id})
    [notification] = [n for n in sent(payment_sandbox, "payment.succeeded")
                      if n["object"]["id"] == renewal.provider_payment_id]
    with time_machine.travel(old_end + timedelta(minutes=3), tick=False):
        assert post(public, notification).status_code == 200
        assert post(public, notification).status_code == 200  # redelivered: once

    renewal.refresh_from_db()
    assert renewal.status == "succeeded"
    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_start) == (Status.ACTIVE, old_end)
    assert subscription.current_period_end > old_end + timedelta(days=27)
    assert Payment.objects.filter(purpose="renewal").count() == 1


def test_a_pending_renewal_whose_notification_is_lost_is_reconciled(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    subscription = paid_pro(tenant, client, client_for(), payment_sandbox)
    old_end = subscription.current_period_end
    control(payment_sandbox, "autopay", {"pending": True})
    control(payment_sandbox, "notifications", {"lost": True})
    moment = old_end + timedelta(minutes=1)

    with time_machine.travel(moment, tick=False):
        cycle.run()
    renewal = Payment.objects.get(purpose="renewal")
    assert renewal.status == "pending"
    control(payment_sandbox, "settle")
    assert sent(payment_sandbox, "payment.succeeded")[-1]["object"]["id"] == renewal.provider_payment_id  # lost

    with time_machine.travel(moment + cycle.RECONCILE_AFTER + timedelta(minutes=1), tick=False):
        assert cycle.run()["reconciled"] == 1

    renewal.refresh_from_db()
    assert renewal.status == "succeeded"
    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_start) == (Status.ACTIVE, old_end)
    assert subscription.current_period_end > old_end + timedelta(days=27)


def test_a_pending_renewal_that_ends_declined_goes_to_dunning(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    subscription = paid_pro(tenant, client, client_for(), payment_sandbox)
    control(payment_sandbox, "autopay", {"pending": True, "outcome": "insufficient_funds"})
    moment = subscription.current_period_end + timedelta(minutes=1)

    with time_machine.travel(moment, tick=False):
        cycle.run()
    assert Payment.objects.get(purpose="renewal").status == "pending"
    control(payment_sandbox, "settle")
    with time_machine.travel(moment + cycle.RECONCILE_AFTER + timedelta(minutes=1), tick=False):
        cycle.run()

    renewal = Payment.objects.get(purpose="renewal")
    assert (renewal.status, renewal.failure_reason) == ("failed", "insufficient_funds")
    subscription.refresh_from_db()
    assert (subscription.status, subscription.autopay_failures) == (Status.PAST_DUE, 1)
