"""Billing e-mails to the account owner (the payer), with the invoice PDF attached where there is one."""

from __future__ import annotations

from datetime import datetime

from core import email as emails
from core.links import platform_url
from core.text import rubles
from shared_apps.tenancy.models import Tenant

from .models import Document, Payment, Plan, Subscription, moscow_date


def billing_url(subscription: Subscription) -> str:
    tenant = (Tenant.objects.filter(account_id=subscription.account_id, kind=Tenant.Kind.CLIENT)
              .order_by("created_at", "pk").first())
    return f"{tenant.url}billing" if tenant else platform_url("/login")


def _send(subscription: Subscription, template: str, subject: str, attachments: list | tuple = (),
          **context) -> None:
    account = subscription.account
    base = {"account": account, "plan": subscription.plan, "subscription": subscription,
            "billing_url": billing_url(subscription)}
    emails.send(template, account.owner.email, subject, {**base, **context}, attachments=list(attachments))


def pdf_attachment(document: Document) -> tuple[str, str, str]:
    if not document.pdf.name:
        raise ValueError(f"{document} has no PDF yet")
    return ("documents", document.pdf.name, f"{document.get_kind_display()}-{document.number}.pdf")


def trial_ending(subscription: Subscription, days_left: int) -> None:
    _send(subscription, "billing_trial_ending", "Пробный период Fast Lead скоро закончится", days_left=days_left)


def trial_ended(subscription: Subscription) -> None:
    _send(subscription, "billing_trial_ended", "Пробный период Fast Lead закончился — выберите тариф")


def payment_succeeded(subscription: Subscription, payment: Payment, documents: list[Document]) -> None:
    invoice = next((d for d in documents if d.kind == Document.Kind.INVOICE), None)
    _send(subscription, "billing_payment_succeeded", "Оплата получена — спасибо!",
          attachments=[pdf_attachment(d) for d in documents if d.pdf],
          payment=payment, amount=rubles(payment.amount_kopecks), period_end=subscription.current_period_end,
          document_number=invoice.number if invoice else "")


def payment_failed(subscription: Subscription, payment: Payment, *, next_attempt_at: datetime | None,
                   attempts_left: int) -> None:
    _send(subscription, "billing_payment_failed", "Не удалось списать оплату за Fast Lead",
          payment=payment, amount=rubles(payment.amount_kopecks), reason_text=payment.failure_text,
          next_attempt_at=next_attempt_at, attempts_left=attempts_left, pay_url=billing_url(subscription))


def grace_started(subscription: Subscription, reason: str) -> None:
    _send(subscription, "billing_grace_started", "Кабинет Fast Lead перешёл в режим чтения", reason=reason)


def blocked(subscription: Subscription) -> None:
    _send(subscription, "billing_blocked", "Доступ к Fast Lead приостановлен — данные сохранены")


def plan_changed(subscription: Subscription, old_plan: Plan, new_plan: Plan, *, effective_at: datetime,
                 payment: Payment | None = None) -> None:
    is_upgrade = (new_plan.price_kopecks or 0) > (old_plan.price_kopecks or 0)
    _send(subscription, "billing_plan_changed", f"Тариф изменён: «{new_plan.name}»",
          old_plan=old_plan, new_plan=new_plan, effective_at=effective_at, is_upgrade=is_upgrade,
          amount=rubles(payment.amount_kopecks) if payment else "")


def act_issued(subscription: Subscription, document: Document) -> None:
    """The act closing a paid period, sent when the period has ended."""
    period = ""
    if document.period_start and document.period_end:
        period = f"{moscow_date(document.period_start)}–{moscow_date(document.period_end)}"
    _send(subscription, "billing_act_issued", f"Акт № {document.number}" + (f" за период {period}" if period else ""),
          attachments=[pdf_attachment(document)], document_number=document.number,
          document_date=moscow_date(document.issued_at), period=period, line_item=document.description,
          amount=rubles(document.amount_kopecks))


def invoice_issued(subscription: Subscription, document: Document) -> None:
    _send(subscription, "billing_invoice_issued", f"Счёт на оплату № {document.number}",
          attachments=[pdf_attachment(document)], document_number=document.number,
          amount=rubles(document.amount_kopecks))
