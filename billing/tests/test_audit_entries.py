"""Billing changes in the audit log, account-wide (no workspace): what the customer did (checkout, plan changes,
cancel and resume, requisites, a bank invoice) with who did it, and what payments did by themselves (the platform)."""

import time_machine

from billing.models import Document, Payment, moscow_date
from shared_apps.audit.models import AuditEntry
from shared_apps.audit.services import SYSTEM

from .test_payments import YOOKASSA_CARD, YOOKASSA_NO_FUNDS, _paid_pro, pay, provider_id, sandbox, yookassa_notify


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_a_checkout_and_its_payment(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    owner = tenant.account.owner
    started = pay(client)
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_CARD})
    assert yookassa_notify(client_for(), provider_id(started["paymentId"])).status_code == 200

    [checkout] = entries("billing.checkout_started")
    assert (checkout.actor_id, checkout.actor_label, checkout.account_id, checkout.workspace_id) == (
        owner.pk, owner.email, tenant.account_id, None)
    assert checkout.target == f"Платёж {started['paymentId']}"
    assert checkout.details == {"plan": "Про", "amount": "9\u00a0990,00\u00a0₽", "provider": "ЮKassa",
                                "purpose": "Оплата тарифа"}
    assert checkout.ip == "127.0.0.1"
    [paid] = entries("billing.payment_succeeded")
    assert (paid.actor_id, paid.actor_label, paid.account_id, paid.workspace_id) == (
        None, SYSTEM, tenant.account_id, None)
    assert paid.details["plan"] == "Про"
    assert YOOKASSA_CARD[-4:] not in str(paid.details)


def test_a_declined_payment(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    started = pay(client)
    sandbox(payment_sandbox, "POST", "complete",
            {"provider": "yookassa", "id": provider_id(started["paymentId"]), "card": YOOKASSA_NO_FUNDS})
    yookassa_notify(client_for(), provider_id(started["paymentId"]), status="canceled")
    [failed] = entries("billing.payment_failed")
    assert (failed.actor_id, failed.account_id) == (None, tenant.account_id)
    assert failed.details["reason"] == "недостаточно средств на карте"
    assert not entries("billing.payment_succeeded")


def test_plan_changes_up_now_down_at_period_end_and_the_change_withdrawn(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    owner = tenant.account.owner
    subscription = _paid_pro(workspace, client_for, payment_sandbox, plan="start")
    halfway = subscription.current_period_start + (subscription.current_period_end
                                                   - subscription.current_period_start) / 2
    def change(plan: str) -> dict:
        response = client.post("/api/v1/billing/plan", {"planId": plan}, content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    with time_machine.travel(halfway, tick=False):
        change("pro")
    assert change("start")["scheduled"]
    change("pro")

    upgrade, downgrade, withdrawn = entries("billing.plan_changed")
    assert all((e.actor_id, e.account_id, e.workspace_id) == (owner.pk, tenant.account_id, None)
               for e in (upgrade, downgrade, withdrawn))
    assert upgrade.details == {"fromPlan": "Старт", "toPlan": "Про", "amount": "2\u00a0500,00\u00a0₽"}
    assert downgrade.details == {"fromPlan": "Про", "toPlan": "Старт",
                                 "effectiveFrom": moscow_date(subscription.current_period_end)}
    assert withdrawn.details == {"fromPlan": "Старт", "toPlan": "Про", "note": "запланированный переход отменён"}
    upgrade_paid = entries("billing.payment_succeeded")[-1]
    assert upgrade_paid.details["purpose"] == "Доплата за смену тарифа"
    assert upgrade_paid.target == f"Платёж {Payment.objects.get(purpose='upgrade').order_id}"


def test_cancel_and_resume(workspace, client_for, payment_sandbox):
    tenant, client = workspace
    subscription = _paid_pro(workspace, client_for, payment_sandbox)
    client.post("/api/v1/billing/cancel")
    client.post("/api/v1/billing/cancel")  # already canceled: nothing new happened, nothing new recorded
    client.post("/api/v1/billing/resume")
    [canceled] = entries("billing.canceled")
    assert canceled.details == {"plan": "Про", "until": moscow_date(subscription.current_period_end)}
    assert canceled.actor_id == tenant.account.owner.pk
    [resumed] = entries("billing.resumed")
    assert (resumed.actor_id, resumed.account_id, resumed.details) == (
        tenant.account.owner.pk, tenant.account_id, {"plan": "Про"})


def test_requisites_and_a_bank_invoice(workspace, send_mail_now):
    tenant, client = workspace
    requisites = {"legalName": "ООО «Тест»", "inn": "7707083893", "kpp": "770701001", "legalAddress": "г. Москва"}
    assert client.put("/api/v1/billing/requisites", requisites, content_type="application/json").status_code == 200
    client.put("/api/v1/billing/requisites", requisites, content_type="application/json")  # the same again
    client.put("/api/v1/billing/requisites", {**requisites, "legalAddress": "г. Москва, ул. Тверская, 1"},
               content_type="application/json")
    with send_mail_now():
        issued = client.post("/api/v1/billing/invoices", {"planId": "pro"}, content_type="application/json")

    first, address = entries("billing.requisites_changed")
    assert first.details == {"fields": ["название", "ИНН", "КПП", "юридический адрес"]}
    assert address.details == {"fields": ["юридический адрес"]}
    assert "7707083893" not in str(first.details)
    [invoice] = entries("billing.invoice_issued")
    document = Document.objects.get(pk=issued.json()["id"])
    assert (invoice.actor_id, invoice.account_id, invoice.target) == (
        tenant.account.owner.pk, tenant.account_id, f"Счёт № {document.number}")
    assert invoice.details == {"plan": "Про", "amount": "9\u00a0990,00\u00a0₽"}
