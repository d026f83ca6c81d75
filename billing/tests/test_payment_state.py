"""Issue 12, payment state: saved T-Bank cards, renewals that stay pending, internal errors on Charge and
payments the provider cannot find — end to end through the local sandbox over HTTP.

The sandbox's T-Bank notifications go to an address nobody listens on; a test forwards the ones it wants
to our webhook (``forward``), the way T-Bank would deliver them. Each test names the defect it guards.
"""

from datetime import timedelta

import httpx
import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from billing import cycle
from billing.models import Payment, PaymentMethod, Subscription
from billing.providers.tinkoff_token import tinkoff_token

Status = Subscription.Status
TINKOFF_CARD = "2201382000000013"


def control(payment_sandbox, path: str, body: dict | None = None) -> dict | list:
    response = httpx.request("POST" if body is not None else "GET", f"{payment_sandbox.base_url}/_sandbox/{path}",
                             json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def at_tinkoff(payment_sandbox, payment: Payment) -> list[dict]:
    """The sandbox's T-Bank payments of our order (T-Bank does not enforce unique OrderIds)."""
    return [p for p in control(payment_sandbox, "payments")["tinkoff"] if p["OrderId"] == payment.order_id]


def pay(client, plan: str = "pro", provider: str = "tinkoff") -> Payment:
    response = client.post("/api/v1/billing/payments", {"planId": plan, "paymentMethod": provider},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    return Payment.objects.get(order_id=response.json()["paymentId"])


def forward(client_for, payment_sandbox, payment: Payment) -> list[str]:
    """Post the T-Bank notifications the sandbox sent about ``payment`` to our webhook, in their order."""
    assert payment_sandbox.wait_idle()
    sent = [d["payload"] for d in payment_sandbox.deliveries()
            if d["provider"] == "tinkoff" and d["attempt"] == 1 and d["payment_id"] == payment.provider_payment_id]
    public = client_for()
    for payload in sent:
        answer = public.post("/api/v1/billing/webhooks/tinkoff", payload, content_type="application/json")
        assert answer.content == b"OK", answer.content
    return [payload["Status"] for payload in sent]


def signed(payment: Payment, status: str, **extra) -> dict:
    body = {"TerminalKey": settings.TINKOFF_TERMINAL_KEY, "OrderId": payment.order_id, "Success": True,
            "Status": status, "PaymentId": int(payment.provider_payment_id), "ErrorCode": "0",
            "Amount": payment.amount_kopecks, **extra}
    body["Token"] = tinkoff_token(body, settings.TINKOFF_PASSWORD)
    return body


def tinkoff_paid(workspace, client_for, payment_sandbox) -> tuple[Subscription, Payment]:
    tenant, client = workspace
    first = pay(client)
    control(payment_sandbox, "complete", {"provider": "tinkoff", "id": first.provider_payment_id,
                                          "card": TINKOFF_CARD})
    assert forward(client_for, payment_sandbox, first) == ["AUTHORIZED", "CONFIRMED"]
    subscription = Subscription.objects.get(account=tenant.account)
    assert subscription.status == Status.ACTIVE
    return subscription, first


def renew(subscription: Subscription, after: timedelta = timedelta(minutes=1)) -> Payment:
    with time_machine.travel(subscription.current_period_end + after, tick=False):
        cycle.run()
    return Payment.objects.get(account=subscription.account, purpose=Payment.Purpose.RENEWAL)


# --- defect 1: the T-Bank card is saved, so renewals are charged ---------------------------------------------


def test_tinkoff_card_from_the_authorized_notification_pays_the_renewal(workspace, client_for, payment_sandbox):
    """RebillId comes only in the AUTHORIZED notification (a pending state): it must still be saved."""
    subscription, first = tinkoff_paid(workspace, client_for, payment_sandbox)
    [at_provider] = at_tinkoff(payment_sandbox, first)
    method = PaymentMethod.objects.get(account=subscription.account, is_active=True)
    assert (method.provider, method.token) == ("tinkoff", at_provider["RebillId"])
    assert method.title == "220138******0013"
    first.refresh_from_db()
    assert first.payment_method == method
    old_end = subscription.current_period_end

    renewal = renew(subscription)

    assert (renewal.status, renewal.payment_method) == ("succeeded", method)
    [charged] = at_tinkoff(payment_sandbox, renewal)
    assert (charged["Status"], charged["RebillId"]) == ("CONFIRMED", method.token)  # charged with the saved card
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert subscription.current_period_start == old_end


def test_tinkoff_card_is_kept_when_confirmed_arrives_before_authorized(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    control(payment_sandbox, "notifications", {"out_of_order": True})
    first = pay(client)
    control(payment_sandbox, "complete", {"provider": "tinkoff", "id": first.provider_payment_id,
                                          "card": TINKOFF_CARD})
    assert forward(client_for, payment_sandbox, first) == ["CONFIRMED", "AUTHORIZED"]
    [at_provider] = at_tinkoff(payment_sandbox, first)
    method = PaymentMethod.objects.get(account=tenant.account, is_active=True)
    assert method.token == at_provider["RebillId"]
    first.refresh_from_db()
    assert (first.status, first.payment_method) == ("succeeded", method)


def test_tinkoff_card_is_recovered_with_get_card_list_when_the_notifications_are_lost(
    workspace, client_for, payment_sandbox
):
    tenant, client = workspace
    control(payment_sandbox, "notifications", {"lost": True})
    first = pay(client)
    control(payment_sandbox, "complete", {"provider": "tinkoff", "id": first.provider_payment_id,
                                          "card": TINKOFF_CARD})
    assert forward(client_for, payment_sandbox, first) == []  # nothing reached us

    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        assert cycle.run()["reconciled"] == 1  # GetState: CONFIRMED, but no RebillId there

    first.refresh_from_db()
    assert first.status == "succeeded"
    [at_provider] = at_tinkoff(payment_sandbox, first)
    method = PaymentMethod.objects.get(account=tenant.account, is_active=True)
    assert method.token == at_provider["RebillId"]  # from GetCardList(CustomerKey)
    assert first.payment_method == method
    control(payment_sandbox, "notifications", {"lost": False})
    subscription = Subscription.objects.get(account=tenant.account)
    assert renew(subscription).status == "succeeded"


def test_tinkoff_card_is_recovered_at_renewal_when_only_authorized_was_lost(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    first = pay(client)
    control(payment_sandbox, "complete", {"provider": "tinkoff", "id": first.provider_payment_id,
                                          "card": TINKOFF_CARD})
    assert payment_sandbox.wait_idle()
    [confirmed] = [d["payload"] for d in payment_sandbox.deliveries()
                   if d["event"] == "CONFIRMED" and d["attempt"] == 1]
    assert client_for().post("/api/v1/billing/webhooks/tinkoff", confirmed,
                             content_type="application/json").content == b"OK"
    subscription = Subscription.objects.get(account=tenant.account)
    assert subscription.status == Status.ACTIVE
    assert not PaymentMethod.objects.filter(account=tenant.account).exists()  # AUTHORIZED never came

    renewal = renew(subscription)  # the clock asks GetCardList before giving up on the card

    [at_provider] = at_tinkoff(payment_sandbox, first)
    assert renewal.status == "succeeded"
    assert renewal.payment_method.token == at_provider["RebillId"]


# --- defect 2: a renewal that stays pending --------------------------------------------------------------------


def test_two_stage_terminal_gets_pay_type_o_and_the_renewal_resolves(workspace, client_for, payment_sandbox):
    assert control(payment_sandbox, "tinkoff", {"two_stage": True})["tinkoff"]["two_stage"] is True
    subscription, first = tinkoff_paid(workspace, client_for, payment_sandbox)
    assert at_tinkoff(payment_sandbox, first)[0]["PayType"] == "O"

    renewal = renew(subscription)

    [charged] = at_tinkoff(payment_sandbox, renewal)
    assert (charged["PayType"], charged["Status"]) == ("O", "CONFIRMED")
    assert renewal.status == "succeeded"
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE


def test_a_pending_renewal_past_its_deadline_starts_dunning_and_grants_nothing(
    workspace, client_for, payment_sandbox, caplog
):
    subscription, _ = tinkoff_paid(workspace, client_for, payment_sandbox)
    old_end = subscription.current_period_end
    # The Charge is answered with an internal error and the payment stays AUTHORIZING at T-Bank.
    control(payment_sandbox, "tinkoff", {"charge_error": "9999", "times": 1, "settle_after_reads": 1000})

    renewal = renew(subscription)
    assert renewal.status == "pending"  # the outcome is unknown: neither declined nor paid
    for hours in (6, 20):  # still asked about, still nothing granted
        with time_machine.travel(old_end + timedelta(hours=hours), tick=False):
            cycle.run()
        renewal.refresh_from_db()
        subscription.refresh_from_db()
        assert renewal.status == "pending"
        assert subscription.current_period_end == old_end

    with time_machine.travel(old_end + cycle.RENEWAL_PENDING_DEADLINE + timedelta(minutes=2), tick=False):
        cycle.run()
    renewal.refresh_from_db()
    subscription.refresh_from_db()
    assert (renewal.status, renewal.failure_reason) == ("failed", "pending_timeout")
    assert subscription.status == Status.PAST_DUE
    assert subscription.autopay_failures == 1
    assert subscription.current_period_end == old_end  # no free period
    assert Payment.objects.filter(purpose=Payment.Purpose.RENEWAL).count() == 1

    # The provider confirms it after all: the money was taken, so the period is granted — never dropped.
    answer = client_for().post("/api/v1/billing/webhooks/tinkoff", signed(renewal, "CONFIRMED"),
                               content_type="application/json")
    assert answer.content == b"OK"
    renewal.refresh_from_db()
    subscription.refresh_from_db()
    assert renewal.status == "succeeded"
    assert (subscription.status, subscription.autopay_failures) == (Status.ACTIVE, 0)
    assert subscription.current_period_start == old_end
    assert any(r.getMessage() == "payment_succeeded_after_failure" and r.levelname == "ERROR"
               for r in caplog.records)


# --- defect 3: an internal error on Charge is not a decline ------------------------------------------------------


@pytest.mark.parametrize(("code", "reads"), [("9999", 0), ("3", 0), ("9999", 2)])
def test_charge_answered_with_an_internal_error_then_confirmed_charges_once(
    workspace, client_for, payment_sandbox, code, reads
):
    subscription, _ = tinkoff_paid(workspace, client_for, payment_sandbox)
    old_end = subscription.current_period_end
    control(payment_sandbox, "tinkoff", {"charge_error": code, "times": 1, "settle_after_reads": reads})

    renewal = renew(subscription)
    assert renewal.status == ("succeeded" if reads == 0 else "pending")  # GetState asked, never "failed"
    with time_machine.travel(old_end + timedelta(minutes=15), tick=False):
        cycle.run()  # reconciliation; and the clock starts no second renewal
    with time_machine.travel(old_end + timedelta(days=4), tick=False):
        cycle.run()

    renewal.refresh_from_db()
    assert renewal.status == "succeeded"
    assert Payment.objects.filter(purpose=Payment.Purpose.RENEWAL).count() == 1
    charges = [p for p in control(payment_sandbox, "payments")["tinkoff"] if p["Status"] == "CONFIRMED"]
    assert len(charges) == 2  # the first payment and exactly one renewal
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert subscription.current_period_start == old_end


# --- defect 4: one unfetchable payment does not stop the others ----------------------------------------------------


def test_a_payment_the_provider_does_not_know_does_not_stop_reconciliation(
    workspace, client_for, payment_sandbox, caplog
):
    _, client = workspace
    good = pay(client)
    control(payment_sandbox, "complete", {"provider": "tinkoff", "id": good.provider_payment_id,
                                          "card": TINKOFF_CARD})  # its notifications never reach us
    unknown = pay(client)  # the newer one: reconciled first
    Payment.objects.filter(pk=unknown.pk).update(provider_payment_id="1")  # T-Bank: 255 "Платёж не найден"

    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        done = cycle.run()
    assert done["reconciled"] == 1
    good.refresh_from_db()
    unknown.refresh_from_db()
    assert (good.status, unknown.status) == ("succeeded", "pending")
    assert any(r.getMessage() == "payment_refresh_failed" for r in caplog.records)

    page = client.get(f"/billing/return?order={unknown.order_id}")
    assert page.status_code == 200
    assert client.get(f"/api/v1/billing/payments/{unknown.order_id}").json()["status"] == "pending"


# --- a pending YooKassa autopayment goes through the same clock ------------------------------------------------


def yookassa_paid(workspace, client_for, payment_sandbox) -> Subscription:
    tenant, client = workspace
    first = pay(client, provider="yookassa")
    control(payment_sandbox, "complete", {"provider": "yookassa", "id": first.provider_payment_id,
                                          "card": "5555555555554444"})
    body = {"type": "notification", "event": "payment.succeeded",
            "object": {"id": first.provider_payment_id, "status": "succeeded"}}
    answer = client_for().post("/api/v1/billing/webhooks/yookassa", body, content_type="application/json",
                               REMOTE_ADDR="127.0.0.1")
    assert answer.status_code == 200
    subscription = Subscription.objects.get(account=tenant.account)
    assert subscription.status == Status.ACTIVE
    return subscription


@pytest.mark.parametrize("settled", [True, False])
def test_a_pending_yookassa_renewal_is_reconciled_or_times_out_into_dunning(
    workspace, client_for, payment_sandbox, settled
):
    subscription = yookassa_paid(workspace, client_for, payment_sandbox)
    old_end = subscription.current_period_end
    control(payment_sandbox, "autopay", {"pending": True})

    renewal = renew(subscription)
    assert renewal.status == "pending"  # brief §1: an autopayment may still be pending when created
    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_end) == (Status.ACTIVE, old_end)
    if settled:
        control(payment_sandbox, "settle", {"id": renewal.provider_payment_id})  # its notification is lost
        with time_machine.travel(old_end + timedelta(minutes=15), tick=False):
            assert cycle.run()["reconciled"] == 1
        renewal.refresh_from_db()
        subscription.refresh_from_db()
        assert renewal.status == "succeeded"
        assert (subscription.status, subscription.current_period_start) == (Status.ACTIVE, old_end)
        return
    with time_machine.travel(old_end + cycle.RENEWAL_PENDING_DEADLINE + timedelta(minutes=2), tick=False):
        cycle.run()
    renewal.refresh_from_db()
    subscription.refresh_from_db()
    assert (renewal.status, renewal.failure_reason) == ("failed", "pending_timeout")
    assert (subscription.status, subscription.autopay_failures) == (Status.PAST_DUE, 1)
    assert subscription.current_period_end == old_end  # no free period
