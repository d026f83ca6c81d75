"""Payments end to end against the local YooKassa/T-Bank sandbox: checkout, notifications, autopay, plan changes.

The sandbox is a real HTTP server on loopback; notifications are posted to our webhook views the way
the providers post them (YooKassa from an allow-listed address, T-Bank signed with the terminal password).
"""

from datetime import timedelta

import httpx
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import cycle
from billing.models import Document, Payment, PaymentMethod, Plan, Subscription, SubscriptionEvent
from billing.providers.tinkoff_token import tinkoff_token
from shared_apps.tenancy.models import Membership
from tenant_apps.leads.models import Lead

Status = Subscription.Status
YOOKASSA_CARD, YOOKASSA_NO_FUNDS = "5555555555554444", "5555555555554535"
TINKOFF_CARD = "2201382000000013"


def sandbox(payment_sandbox, method: str, path: str, body: dict | None = None) -> dict | list:
    response = httpx.request(method, f"{payment_sandbox.base_url}/_sandbox/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def pay(client, plan: str = "pro", provider: str = "yookassa") -> dict:
    response = client.post("/api/v1/billing/payments", {"planId": plan, "paymentMethod": provider},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def provider_id(order_id: str) -> str:
    return Payment.objects.get(order_id=order_id).provider_payment_id


def yookassa_notify(client, payment_id: str, *, ip: str = "127.0.0.1", status: str = "succeeded"):
    body = {"type": "notification", "event": f"payment.{status}", "object": {"id": payment_id, "status": status}}
    return client.post("/api/v1/billing/webhooks/yookassa", body, content_type="application/json", REMOTE_ADDR=ip)


def tinkoff_notification(payment: Payment, status: str = "CONFIRMED", **changes) -> dict:
    body = {"TerminalKey": settings.TINKOFF_TERMINAL_KEY, "OrderId": payment.order_id, "Success": True,
            "Status": status, "PaymentId": int(payment.provider_payment_id), "ErrorCode": "0",
            "Amount": payment.amount_kopecks, "CardId": 10452089, "Pan": "220138******0013", "ExpDate": "1230",
            "RebillId": 3207469334, **changes}
    body["Token"] = tinkoff_token(body, settings.TINKOFF_PASSWORD)
    return body


def subscription_of(tenant) -> Subscription:
    return Subscription.objects.select_related("plan").get(account=tenant.account)


def test_yookassa_checkout_activates_only_on_verified_state(workspace, client_for, payment_sandbox, send_mail_now):
    tenant, client = workspace
    started = pay(client)
    assert started["paymentUrl"].startswith(f"{payment_sandbox.base_url}/checkout/yookassa/")
    assert started["amountKopecks"] == 999_000
    sent = next(p for p in sandbox(payment_sandbox, "GET", "payments")["yookassa"]
                if p["id"] == provider_id(started["paymentId"]))
    assert sent["amount"] == {"value": "9990.00", "currency": "RUB"}

    # A notification that claims success while the provider still says "pending" changes nothing.
    assert yookassa_notify(client_for(), provider_id(started["paymentId"])).status_code == 200
    assert subscription_of(tenant).status == Status.TRIALING

    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_CARD})
    public = client_for()
    assert yookassa_notify(public, provider_id(started["paymentId"]), ip="203.0.113.7").status_code == 403
    assert subscription_of(tenant).status == Status.TRIALING  # a foreign sender is not believed

    with send_mail_now():
        assert yookassa_notify(public, provider_id(started["paymentId"])).status_code == 200
    assert yookassa_notify(public, provider_id(started["paymentId"])).status_code == 200  # duplicate: no-op
    subscription = subscription_of(tenant)
    assert subscription.status == Status.ACTIVE
    assert subscription.plan.code == "pro"
    assert subscription.current_period_end - subscription.current_period_start >= timedelta(days=28)
    assert SubscriptionEvent.objects.filter(subscription=subscription, reason="payment_succeeded").count() == 1
    method = PaymentMethod.objects.get(account=tenant.account)
    assert method.title.endswith("4444")
    invoice = Document.objects.get(account=tenant.account, kind="invoice")
    assert invoice.status == "paid"
    assert invoice.pdf.open("rb").read(4) == b"%PDF"
    paid_mail = next(m for m in mail.outbox if m.subject == "Оплата получена — спасибо!")
    assert paid_mail.attachments[0][0] == f"Счёт-{invoice.number}.pdf"
    assert client.get("/api/v1/billing/subscription").json()["status"] == "active"
    listed = client.get("/api/v1/billing/invoices").json()
    assert listed["total"] == 1
    assert listed["items"][0]["pdfUrl"] == f"/billing/documents/{invoice.pk}.pdf"


def test_unknown_yookassa_payment_is_acknowledged_and_ignored(workspace, client_for):
    assert yookassa_notify(client_for(), "2f1a0000-000f-5000-8000-000000000000").status_code == 200
    assert Payment.objects.count() == 0


def test_declined_card_leaves_the_subscription_as_it_was(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    started = pay(client)
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_NO_FUNDS})
    assert yookassa_notify(client_for(), provider_id(started["paymentId"]), status="canceled").status_code == 200
    payment = Payment.objects.get(order_id=started["paymentId"])
    assert payment.status == "failed"
    assert payment.failure_reason == "insufficient_funds"
    assert subscription_of(tenant).status == Status.TRIALING
    shown = client.get(f"/api/v1/billing/payments/{started['paymentId']}").json()
    assert shown["failure"] == "недостаточно средств на карте"


def test_the_return_page_asks_the_provider_instead_of_trusting_the_browser(workspace, payment_sandbox):
    tenant, client = workspace
    started = pay(client)
    assert client.get(f"/api/v1/billing/payments/{started['paymentId']}").json()["status"] == "pending"
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_CARD})
    assert client.get(f"/api/v1/billing/payments/{started['paymentId']}").json()["status"] == "succeeded"
    assert subscription_of(tenant).status == Status.ACTIVE


def test_tinkoff_checkout_with_signed_notifications(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    started = pay(client, provider="tinkoff")
    assert started["paymentUrl"].startswith(f"{payment_sandbox.base_url}/checkout/tinkoff/")
    payment = Payment.objects.get(order_id=started["paymentId"])
    public = client_for()

    def notify(body: dict):
        return public.post("/api/v1/billing/webhooks/tinkoff", body, content_type="application/json")

    forged = tinkoff_notification(payment)
    forged["Token"] = "0" * 64
    assert notify(forged).content != b"OK"
    tampered = tinkoff_notification(payment)
    tampered["Amount"] = 100  # changed after signing
    assert notify(tampered).status_code == 400
    resigned = tinkoff_notification(payment, Amount=100)  # signed, but not what we asked for
    assert notify(resigned).status_code == 400
    as_python_bool = {**tinkoff_notification(payment)}
    as_python_bool["Token"] = tinkoff_token({**as_python_bool, "Success": "True"}, settings.TINKOFF_PASSWORD)
    assert notify(as_python_bool).status_code == 400
    assert subscription_of(tenant).status == Status.TRIALING

    # Out of order: CONFIRMED first, then the late AUTHORIZED — active once, never back to pending.
    confirmed = notify(tinkoff_notification(payment, "CONFIRMED"))
    assert confirmed.status_code == 200
    assert confirmed.content == b"OK"
    assert notify(tinkoff_notification(payment, "AUTHORIZED")).content == b"OK"
    assert notify(tinkoff_notification(payment, "CONFIRMED")).content == b"OK"
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert subscription_of(tenant).status == Status.ACTIVE
    assert SubscriptionEvent.objects.filter(reason="payment_succeeded").count() == 1
    assert PaymentMethod.objects.get(account=tenant.account).token == "3207469334"


def test_without_a_tinkoff_password_no_notification_is_accepted(workspace, client_for, payment_sandbox, settings):
    tenant, client = workspace
    payment = Payment.objects.get(order_id=pay(client, provider="tinkoff")["paymentId"])
    settings.TINKOFF_PASSWORD = ""  # misconfigured (production settings refuse to start like this)
    forged = tinkoff_notification(payment, "CONFIRMED")  # signed with the empty password
    answer = client_for().post("/api/v1/billing/webhooks/tinkoff", forged, content_type="application/json")
    assert (answer.status_code, answer.content) == (400, b"REJECTED")
    assert subscription_of(tenant).status == Status.TRIALING


def test_provider_down_offers_the_other_one(workspace, payment_sandbox):
    _, client = workspace
    sandbox(payment_sandbox, "POST", "faults", {"provider": "yookassa", "mode": "http_500", "times": 10})
    refused = client.post("/api/v1/billing/payments", {"planId": "pro", "paymentMethod": "yookassa"},
                          content_type="application/json")
    assert refused.status_code == 503
    error = refused.json()["error"]
    assert error["code"] == "provider_unavailable"
    assert error["fields"]["alternativePaymentMethod"] == "tinkoff"
    assert "T-Bank" in error["message"]
    assert pay(client, provider="tinkoff")["provider"] == "tinkoff"


def test_a_retried_yookassa_request_makes_one_payment(workspace, payment_sandbox):
    _, client = workspace
    sandbox(payment_sandbox, "POST", "faults", {"provider": "yookassa", "mode": "http_500", "times": 2})
    started = pay(client)
    at_provider = sandbox(payment_sandbox, "GET", "payments")["yookassa"]
    assert [p["id"] for p in at_provider] == [provider_id(started["paymentId"])]


def _paid_pro(workspace, client_for, payment_sandbox, plan: str = "pro") -> Subscription:
    tenant, client = workspace
    started = pay(client, plan=plan)
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_CARD})
    assert yookassa_notify(client_for(), provider_id(started["paymentId"])).status_code == 200
    return subscription_of(tenant)


def test_autopay_failure_dunning_grace_blocked_then_payment_restores_everything(
    workspace, client_for, payment_sandbox, send_mail_now
):
    tenant, client = workspace
    subscription = _paid_pro(workspace, client_for, payment_sandbox)
    with tenant_context(tenant):
        Lead.objects.create(name="Иван", phone="+79161234567", created_at=timezone.now())
    sandbox(payment_sandbox, "POST", "autopay", {"outcome": "insufficient_funds"})
    moment = subscription.current_period_end + timedelta(minutes=1)
    for attempt in (1, 2, 3):
        with time_machine.travel(moment, tick=False), send_mail_now():
            cycle.run()
        subscription.refresh_from_db()
        assert subscription.autopay_failures == attempt
        assert mail.outbox[-1 if attempt < 3 else -2].subject == "Не удалось списать оплату за Fast Lead"
        if attempt < 3:
            assert subscription.status == Status.PAST_DUE
            assert subscription.next_autopay_at == moment + timedelta(days=3)
            with time_machine.travel(moment + timedelta(days=1), tick=False):
                cycle.run()  # between attempts nothing is charged
            moment += timedelta(days=3)
    assert subscription.status == Status.GRACE
    assert mail.outbox[-1].subject == "Кабинет Fast Lead перешёл в режим чтения"
    renewals = Payment.objects.filter(purpose="renewal")
    assert renewals.count() == 3
    assert set(renewals.values_list("status", flat=True)) == {"failed"}
    with time_machine.travel(subscription.grace_ends_at + timedelta(minutes=1), tick=False):
        cycle.run()
    subscription.refresh_from_db()
    assert subscription.status == Status.BLOCKED
    assert client.get("/api/v1/leads").status_code == 402

    sandbox(payment_sandbox, "POST", "autopay", {"outcome": "card"})
    restored = _paid_pro(workspace, client_for, payment_sandbox)
    assert restored.status == Status.ACTIVE
    assert client.get("/api/v1/leads").json()["total"] == 1  # the data survived the block
    assert [e.to_status for e in restored.history.order_by("id")][-6:] == [
        "active", "past_due", "past_due", "grace", "blocked", "active"]


def test_successful_autopay_renews_for_another_month(workspace, client_for, payment_sandbox):
    subscription = _paid_pro(workspace, client_for, payment_sandbox)
    old_end = subscription.current_period_end
    with time_machine.travel(old_end + timedelta(minutes=1), tick=False):
        cycle.run()
        cycle.run()  # a second run in the same minute charges nothing more
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE
    assert subscription.current_period_start == old_end
    assert subscription.current_period_end > old_end + timedelta(days=27)
    renewal = Payment.objects.get(purpose="renewal")
    assert renewal.is_autopay
    assert renewal.status == "succeeded"
    assert Document.objects.filter(kind="invoice").count() == 2


def test_upgrade_charges_the_prorated_difference_now(workspace, client_for, payment_sandbox):
    _, client = workspace
    subscription = _paid_pro(workspace, client_for, payment_sandbox, plan="start")
    halfway = subscription.current_period_start + (subscription.current_period_end
                                                   - subscription.current_period_start) / 2
    with time_machine.travel(halfway, tick=False):
        response = client.post("/api/v1/billing/plan", {"planId": "pro"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["amountDueKopecks"] == 250_000  # half of (9 990 − 4 990) ₽
    assert body["subscription"]["plan"]["code"] == "pro"
    assert body["scheduled"] is False
    subscription.refresh_from_db()
    assert subscription.plan.code == "pro"
    assert Payment.objects.get(purpose="upgrade").amount_kopecks == 250_000


def test_failed_upgrade_charge_is_402_and_changes_nothing(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    _paid_pro(workspace, client_for, payment_sandbox, plan="start")
    sandbox(payment_sandbox, "POST", "autopay", {"outcome": "insufficient_funds"})
    response = client.post("/api/v1/billing/plan", {"planId": "business"}, content_type="application/json")
    assert response.status_code == 402
    assert "недостаточно средств" in response.json()["error"]["message"]
    assert subscription_of(tenant).plan.code == "start"


def test_plan_change_validation(workspace, client_for, payment_sandbox, make_user):
    tenant, client = workspace
    _paid_pro(workspace, client_for, payment_sandbox)
    for plan, message in (("gold", "Такого тарифа нет"), ("enterprise", "по запросу"), ("pro", "уже подключён")):
        response = client.post("/api/v1/billing/plan", {"planId": plan}, content_type="application/json")
        assert response.status_code == 400
        assert message in response.json()["error"]["message"]
    for _ in range(3):
        Membership.objects.create(tenant=tenant, user=make_user(), role="operator")
    refused = client.post("/api/v1/billing/plan", {"planId": "start"}, content_type="application/json")
    assert refused.status_code == 400
    assert "в команде 4 участников" in refused.json()["error"]["message"]
    assert subscription_of(tenant).scheduled_plan is None


def test_downgrade_takes_effect_at_period_end(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    subscription = _paid_pro(workspace, client_for, payment_sandbox)
    response = client.post("/api/v1/billing/plan", {"planId": "start"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["scheduled"] is True
    assert response.json()["amountDueKopecks"] == 0
    assert subscription_of(tenant).plan.code == "pro"  # until the period ends
    with time_machine.travel(subscription.current_period_end + timedelta(minutes=1), tick=False):
        cycle.run()
    subscription.refresh_from_db()
    assert subscription.plan.code == "start"
    assert Payment.objects.get(purpose="renewal").amount_kopecks == Plan.objects.get(code="start").price_kopecks


def test_cancel_and_resume(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    assert client.post("/api/v1/billing/cancel").status_code == 409  # nothing paid to cancel yet
    subscription = _paid_pro(workspace, client_for, payment_sandbox)
    assert client.post("/api/v1/billing/cancel").json()["cancelAtPeriodEnd"] is True
    assert client.post("/api/v1/billing/resume").json()["cancelAtPeriodEnd"] is False
    client.post("/api/v1/billing/cancel")
    with time_machine.travel(subscription.current_period_end + timedelta(minutes=1), tick=False):
        cycle.run()
    assert subscription_of(tenant).status == Status.CANCELED
    assert not Payment.objects.filter(purpose="renewal").exists()


def test_cancel_and_resume_of_an_account_without_a_subscription_are_refused(make_tenant, client_for):
    """An account made before billing existed has no subscription yet: 409 like any unpaid one, no server error."""
    tenant = make_tenant()
    client = client_for(tenant, tenant.account.owner)
    for action, code in (("cancel", "not_active"), ("resume", "not_canceled")):
        response = client.post(f"/api/v1/billing/{action}")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == code


def test_bank_transfer_invoice_for_a_legal_entity(workspace, send_mail_now):
    tenant, client = workspace
    refused = client.post("/api/v1/billing/invoices", {"planId": "pro"}, content_type="application/json")
    assert refused.status_code == 400
    assert "реквизиты" in refused.json()["error"]["message"]
    bad = client.put("/api/v1/billing/requisites", {"legalName": "ООО «Тест»", "inn": "123", "kpp": "",
                                                    "legalAddress": "Москва"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["inn"].startswith("ИНН")
    good = client.put("/api/v1/billing/requisites", {"legalName": "ООО «Тест»", "inn": "7707083893",
                                                     "kpp": "770701001", "legalAddress": "г. Москва"},
                      content_type="application/json")
    assert good.status_code == 200
    with send_mail_now():
        issued = client.post("/api/v1/billing/invoices", {"planId": "pro"}, content_type="application/json")
    assert issued.status_code == 201
    assert issued.json()["status"] == "unpaid"
    assert mail.outbox[-1].attachments
    from billing.services import record_bank_transfer

    record_bank_transfer(Document.objects.get(pk=issued.json()["id"]))
    assert subscription_of(tenant).status == Status.ACTIVE
    kinds = sorted(Document.objects.filter(account=tenant.account).values_list("kind", "status"))
    assert kinds == [("invoice", "paid")]  # the act comes when the paid period ends (test_closing_documents)


def test_amount_mismatch_grants_nothing_and_raises_an_alert(workspace, client_for, payment_sandbox, caplog):
    tenant, client = workspace
    started = pay(client)
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_CARD})
    Payment.objects.filter(order_id=started["paymentId"]).update(amount_kopecks=1_999_000)  # we expected more
    assert yookassa_notify(client_for(), provider_id(started["paymentId"])).status_code == 200
    payment = Payment.objects.get(order_id=started["paymentId"])
    assert payment.status == "failed"
    assert payment.failure_reason == "amount_mismatch"
    assert subscription_of(tenant).status == Status.TRIALING
    alert = next(r for r in caplog.records if r.getMessage() == "payment_amount_mismatch")
    assert alert.levelname == "ERROR"
    assert (alert.expected, alert.received) == (1_999_000, 999_000)


@pytest.mark.parametrize(("complete", "reason", "text"), [
    ({"abandon": True}, "expired_on_confirmation", "оплата не была завершена"),
    ({"card": "5555555555554477", "code": "00000"}, "3d_secure_failed", "не пройдена проверка 3-D Secure"),
])
def test_abandoned_or_failed_3ds_checkout_changes_nothing(workspace, client_for, payment_sandbox, complete, reason,
                                                          text):
    tenant, client = workspace
    started = pay(client)
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), **complete})
    assert yookassa_notify(client_for(), provider_id(started["paymentId"]), status="canceled").status_code == 200
    shown = client.get(f"/api/v1/billing/payments/{started['paymentId']}").json()
    assert shown["status"] == "failed"
    assert shown["failure"] == text
    assert Payment.objects.get(order_id=started["paymentId"]).failure_reason == reason
    assert subscription_of(tenant).status == Status.TRIALING
    assert not PaymentMethod.objects.filter(account=tenant.account).exists()


def test_yookassa_sender_is_checked_through_our_proxy(workspace, client_for, payment_sandbox, settings):
    tenant, client = workspace
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.YOOKASSA_TRUSTED_NETWORKS = ["185.71.76.0/27"]
    started = pay(client)
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_CARD})
    body = {"type": "notification", "event": "payment.succeeded", "object": {"id": provider_id(started["paymentId"])}}
    public = client_for()

    def notify(forwarded: str):
        return public.post("/api/v1/billing/webhooks/yookassa", body, content_type="application/json",
                           REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert notify("185.71.76.5, 203.0.113.9").status_code == 403  # a forged left-hand hop does not help
    assert subscription_of(tenant).status == Status.TRIALING
    assert notify("185.71.76.5").status_code == 200
    assert subscription_of(tenant).status == Status.ACTIVE


def test_a_payment_whose_start_answer_was_lost_is_found_by_its_order(workspace, client_for, payment_sandbox):
    """The provider created the payment but our process never stored its id (a crash or a timeout)."""
    tenant, client = workspace
    started = pay(client)
    pid = provider_id(started["paymentId"])
    Payment.objects.filter(order_id=started["paymentId"]).update(provider_payment_id="", status="created")
    sandbox(payment_sandbox, "POST", "complete", {"provider": "yookassa", "id": pid, "card": YOOKASSA_CARD})
    assert yookassa_notify(client_for(), pid).status_code == 200
    payment = Payment.objects.get(order_id=started["paymentId"])
    assert (payment.status, payment.provider_payment_id) == ("succeeded", pid)
    assert subscription_of(tenant).status == Status.ACTIVE


def test_autopay_the_provider_never_answered_is_retried_as_the_same_payment(
    workspace, client_for, payment_sandbox, settings
):
    subscription = _paid_pro(workspace, client_for, payment_sandbox)
    settings.PAYMENT_TIMEOUT_SECONDS = 1
    sandbox(payment_sandbox, "POST", "faults", {"provider": "yookassa", "mode": "timeout", "times": 3, "delay": 3})
    moment = subscription.current_period_end + timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        assert cycle.run()["autopay_deferred"] == 1
    subscription.refresh_from_db()
    assert subscription.status == Status.ACTIVE  # an unanswered provider is not a declined card
    assert subscription.next_autopay_at == moment + timedelta(hours=1)
    renewal = Payment.objects.get(purpose="renewal")
    assert (renewal.status, renewal.failure_reason) == ("created", "provider_unavailable")

    with time_machine.travel(moment + timedelta(hours=1, minutes=1), tick=False):
        assert cycle.run()["autopay"] == 1
    renewal.refresh_from_db()
    assert renewal.status == "succeeded"
    assert Payment.objects.filter(purpose="renewal").count() == 1
    at_provider = sandbox(payment_sandbox, "GET", "payments")["yookassa"]
    assert len(at_provider) == 2  # the first checkout and one renewal, however many times it was sent
    assert renewal.provider_payment_id in [p["id"] for p in at_provider]
    subscription.refresh_from_db()
    assert subscription.current_period_start == moment - timedelta(minutes=1)
