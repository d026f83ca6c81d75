"""Invoices (счета) and closing acts (акты): numbered per kind and year, rendered to PDF, kept in private storage."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from shared_apps.accounts.models import Account

from . import notifications
from .documents import render_pdf
from .models import Document, DocumentCounter, Payment, Plan, Subscription

logger = logging.getLogger(__name__)


def seller() -> dict:
    return {"name": settings.SELLER_NAME, "inn": settings.SELLER_INN, "kpp": settings.SELLER_KPP,
            "ogrn": settings.SELLER_OGRN, "address": settings.SELLER_ADDRESS, "bank": settings.SELLER_BANK,
            "bik": settings.SELLER_BIK, "account": settings.SELLER_ACCOUNT,
            "corr_account": settings.SELLER_CORR_ACCOUNT, "director": settings.SELLER_DIRECTOR}


def is_legal_entity(account: Account) -> bool:
    return bool(account.inn and account.legal_name)


def buyer(account: Account) -> dict:
    if is_legal_entity(account):
        return {"name": account.legal_name, "inn": account.inn, "kpp": account.kpp,
                "address": account.legal_address, "email": account.owner.email}
    name = account.owner.get_full_name() or account.name
    return {"name": name, "inn": "", "kpp": "", "address": "", "email": account.owner.email}


def _next_sequence(kind: str, year: int) -> int:
    DocumentCounter.objects.get_or_create(kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def render_and_store(document: Document) -> None:
    name = f"{document.account_id}/{document.kind}-{document.number}.pdf"
    if document.pdf:
        document.pdf.delete(save=False)
    document.pdf.save(name, ContentFile(render_pdf(document)), save=True)


@transaction.atomic
def issue(account: Account, kind: str, plan: Plan, amount_kopecks: int, *, payment: Payment | None = None,
          status: str = Document.Status.PAID, period: tuple | None = None, description: str = "",
          issued_at: datetime | None = None, buyer_party: dict | None = None) -> Document:
    """A numbered document, dated ``issued_at`` (now by default) and numbered in that date's year."""
    issued_at = issued_at or timezone.now()
    year = timezone.localtime(issued_at).year
    document = Document.objects.create(
        account=account, kind=kind, year=year, sequence=_next_sequence(kind, year), status=status, payment=payment,
        plan=plan, description=description or plan.line_item, amount_kopecks=amount_kopecks,
        vat_code=settings.BILLING_VAT_CODE, period_start=period[0] if period else None,
        period_end=period[1] if period else None, seller=seller(), buyer=buyer_party or buyer(account),
        issued_at=issued_at,
    )
    render_and_store(document)
    return document


def issue_payment_documents(payment: Payment) -> list[Document]:
    """The paid invoice of a payment, on the day it is paid. The act comes when the period ends (issue_due_acts)."""
    period = (payment.period_start, payment.period_end)
    invoice = payment.documents.filter(kind=Document.Kind.INVOICE).first()
    if invoice is None:
        invoice = issue(payment.account, Document.Kind.INVOICE, payment.plan, payment.amount_kopecks,
                        payment=payment, period=period, description=payment.line_item)
    else:  # a bank-transfer invoice, now paid
        invoice.status, invoice.period_start, invoice.period_end = Document.Status.PAID, *period
        invoice.save(update_fields=["status", "period_start", "period_end"])
        render_and_store(invoice)
    return [invoice]


# --- closing acts -------------------------------------------------------------------------------------------


def payments_due_an_act(now: datetime) -> QuerySet[Payment]:
    """Paid periods that have ended, paid by a legal entity (its paid invoice names one), with no act yet.

    Whether a payment gets an act is decided by its invoice: who paid is who the act is with — requisites
    entered after the payment do not turn an individual's month into a company's.
    """
    invoiced_to_entity = Document.objects.filter(payment=OuterRef("pk"), kind=Document.Kind.INVOICE,
                                                 buyer__has_key="inn").exclude(buyer__inn="")
    act = Document.objects.filter(payment=OuterRef("pk"), kind=Document.Kind.ACT)
    return (Payment.objects.filter(status=Payment.Status.SUCCEEDED, period_end__lte=now)
            .filter(Exists(invoiced_to_entity)).exclude(Exists(act)).order_by("period_end", "pk"))


def issue_act(payment_id: int) -> Document | None:
    """The act closing one paid period: dated the period's end, with the invoice's buyer, e-mailed after commit.

    None when another run holds the payment or has already issued it (one act per payment, also by constraint).
    """
    with transaction.atomic():
        payment = (Payment.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("plan", "account__owner").filter(pk=payment_id).first())
        if payment is None or payment.period_end is None or payment.documents.filter(kind=Document.Kind.ACT).exists():
            return None
        invoice = payment.documents.get(kind=Document.Kind.INVOICE)
        act = issue(payment.account, Document.Kind.ACT, payment.plan, payment.amount_kopecks, payment=payment,
                    period=(payment.period_start, payment.period_end), description=payment.line_item,
                    issued_at=payment.period_end, buyer_party=invoice.buyer)
        subscription = Subscription.objects.select_related("plan", "account__owner").get(account=payment.account)
        notifications.act_issued(subscription, act)
    logger.info("act_issued", extra={"accountId": payment.account_id, "orderId": payment.order_id,
                                     "document": act.number})
    return act


def issue_due_acts(now: datetime | None = None) -> int:
    """Celery beat, daily: an act for every paid period of a legal entity that has ended. Idempotent."""
    now = now or timezone.now()
    issued = 0
    for payment_id in list(payments_due_an_act(now).values_list("pk", flat=True)):
        try:
            issued += issue_act(payment_id) is not None
        except Exception:
            # One payment's surprise must not hold up the others' acts; it is tried again on the next run.
            logger.exception("act_issue_failed", extra={"paymentId": payment_id})
    return issued
