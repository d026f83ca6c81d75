"""What the documents of a payment say and when they appear (issue 12, defects 5 and 6).

- A proration charge is sold as what it is — «Доплата за тариф «X» за период …» — on the 54-FZ receipt
  sent to the provider, on the invoice and on the act, never as «Подписка «X», 1 мес.».
- An act closes a period that has been rendered: Celery beat issues it after the period ends, dated the
  period's end, and e-mails it; the payment day brings only the paid invoice.
"""

import subprocess
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from billing import tasks
from billing.models import Document, Payment, Subscription

YOOKASSA_CARD = "5555555555554444"
REQUISITES = {"legalName": "ООО «Ромашка»", "inn": "7707083893", "kpp": "770701001",
              "legalAddress": "101000, г. Москва, ул. Мясницкая, д. 1"}


@pytest.fixture
def legal_entity(workspace):
    _, client = workspace
    response = client.put("/api/v1/billing/requisites", REQUISITES, content_type="application/json")
    assert response.status_code == 200, response.content
    return workspace


@pytest.fixture
def sent_to_yookassa(payment_sandbox, monkeypatch) -> list[dict]:
    """Every body of POST /v3/payments exactly as the sandbox received it (receipt included)."""
    bodies: list[dict] = []
    create = payment_sandbox.yookassa._create

    def recording(body: dict):
        bodies.append(body)
        return create(body)

    monkeypatch.setattr(payment_sandbox.yookassa, "_create", recording)
    return bodies


def pay_by_card(workspace, client_for, payment_sandbox, plan: str = "pro") -> Payment:
    """A checkout paid with the sandbox's card and confirmed by a YooKassa notification."""
    _, client = workspace
    started = client.post("/api/v1/billing/payments", {"planId": plan, "paymentMethod": "yookassa"},
                          content_type="application/json")
    assert started.status_code == 201, started.content
    payment = Payment.objects.get(order_id=started.json()["paymentId"])
    httpx.post(f"{payment_sandbox.base_url}/_sandbox/complete", timeout=10,
               json={"provider": "yookassa", "id": payment.provider_payment_id, "card": YOOKASSA_CARD}
               ).raise_for_status()
    body = {"type": "notification", "event": "payment.succeeded",
            "object": {"id": payment.provider_payment_id, "status": "succeeded"}}
    notified = client_for().post("/api/v1/billing/webhooks/yookassa", body, content_type="application/json",
                                 REMOTE_ADDR="127.0.0.1")
    assert notified.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def pdf_text(document: Document, tmp_path) -> str:
    """The document's stored PDF as text (poppler), every run of whitespace made one space."""
    path = tmp_path / f"{document.kind}-{document.pk}.pdf"
    with document.pdf.open("rb") as stored:
        path.write_bytes(stored.read())
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(text.split())


def moscow_date(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y")


# --- defect 5: what a proration charge is called ----------------------------------------------------------


def test_a_proration_charge_is_named_as_such_on_the_receipt_the_invoice_and_the_act(
    legal_entity, client_for, payment_sandbox, sent_to_yookassa, tmp_path
):
    tenant, client = legal_entity
    pay_by_card(legal_entity, client_for, payment_sandbox, plan="start")
    subscription = Subscription.objects.get(account=tenant.account)
    halfway = subscription.current_period_start + (subscription.current_period_end
                                                   - subscription.current_period_start) / 2
    with time_machine.travel(halfway, tick=False):
        response = client.post("/api/v1/billing/plan", {"planId": "pro"}, content_type="application/json")
    assert response.status_code == 200, response.content
    upgrade = Payment.objects.get(purpose=Payment.Purpose.UPGRADE)
    assert upgrade.status == Payment.Status.SUCCEEDED
    line = (f"Доплата за тариф «Про» за период {moscow_date(halfway)}–"
            f"{moscow_date(subscription.current_period_end)}")

    # the receipt (and the payment's description) the provider got
    sent = next(body for body in sent_to_yookassa if body.get("payment_method_id"))
    assert [item["description"] for item in sent["receipt"]["items"]] == [line]
    assert sent["receipt"]["items"][0]["amount"]["value"] == "2500.00"
    assert sent["description"] == line
    # the month of «Старт» bought first keeps its own line
    first = next(body for body in sent_to_yookassa if not body.get("payment_method_id"))
    assert first["receipt"]["items"][0]["description"] == "Подписка «Старт», 1 мес."

    invoice = Document.objects.get(payment=upgrade, kind=Document.Kind.INVOICE)
    assert invoice.description == line
    invoice_text = pdf_text(invoice, tmp_path)
    assert line in invoice_text
    assert "Подписка «Про», 1 мес." not in invoice_text

    with time_machine.travel(subscription.current_period_end + timedelta(hours=1), tick=False):
        tasks.issue_due_acts()
    act = Document.objects.get(payment=upgrade, kind=Document.Kind.ACT)
    assert act.description == line
    act_text = pdf_text(act, tmp_path)
    assert line in act_text
    assert "2 500,00" in act_text
    assert "Подписка «Про», 1 мес." not in act_text


# --- defect 6: the act comes at the end of the period it closes ------------------------------------------


def test_the_act_is_issued_dated_and_mailed_when_the_period_ends_once(
    legal_entity, client_for, payment_sandbox, send_mail_now, tmp_path
):
    tenant, _ = legal_entity
    with send_mail_now():
        payment = pay_by_card(legal_entity, client_for, payment_sandbox)
    # the payment day: the paid invoice only, no act stating the month was rendered
    assert list(Document.objects.filter(account=tenant.account).values_list("kind", flat=True)) == ["invoice"]
    paid_mail = next(m for m in mail.outbox if m.subject == "Оплата получена — спасибо!")
    assert [name for name, *_ in paid_mail.attachments] == [
        f"Счёт-{Document.objects.get(kind='invoice').number}.pdf"]

    with time_machine.travel(payment.period_end - timedelta(minutes=1), tick=False), send_mail_now():
        tasks.issue_due_acts()
    assert not Document.objects.filter(kind=Document.Kind.ACT).exists()

    mail.outbox.clear()
    with time_machine.travel(payment.period_end + timedelta(hours=3), tick=False), send_mail_now():
        tasks.issue_due_acts()
        tasks.issue_due_acts()  # beat runs it again (or twice at once): still one act
    act = Document.objects.get(kind=Document.Kind.ACT)
    assert act.payment == payment
    assert act.issued_at == payment.period_end
    assert (act.period_start, act.period_end) == (payment.period_start, payment.period_end)
    assert act.year == timezone.localtime(payment.period_end).year
    assert act.buyer["inn"] == REQUISITES["inn"]
    text = pdf_text(act, tmp_path)
    local_end = timezone.localtime(payment.period_end)
    assert f"Акт № {act.number} от {local_end.day} " in text
    assert "Подписка «Про», 1 мес." in text
    assert "9 990,00" in text
    assert [m.subject for m in mail.outbox] == [f"Акт № {act.number} за период "
                                                f"{moscow_date(payment.period_start)}–{moscow_date(payment.period_end)}"]
    assert mail.outbox[0].to == [tenant.account.owner.email]
    assert [name for name, *_ in mail.outbox[0].attachments] == [f"Акт-{act.number}.pdf"]

    mail.outbox.clear()
    with time_machine.travel(payment.period_end + timedelta(days=1), tick=False), send_mail_now():
        tasks.issue_due_acts()  # the next day's run
    assert Document.objects.filter(kind=Document.Kind.ACT).count() == 1
    assert mail.outbox == []


def test_an_individual_gets_no_act(workspace, client_for, payment_sandbox, send_mail_now):
    payment = pay_by_card(workspace, client_for, payment_sandbox)
    with time_machine.travel(payment.period_end + timedelta(hours=1), tick=False), send_mail_now():
        tasks.issue_due_acts()
    assert not Document.objects.filter(kind=Document.Kind.ACT).exists()
    assert not any(m.subject.startswith("Акт") for m in mail.outbox)


def test_celery_beat_issues_the_acts_daily():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "billing.tasks.issue_due_acts")
    schedule = entry["schedule"]
    assert (schedule.hour, schedule.minute) == ({0}, {15})  # crontab in CELERY_TIMEZONE (Moscow)
