"""Invoices (счета) and closing acts (акты): numbered per kind and year, rendered to PDF, kept in private storage."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shared_apps.accounts.models import Account

from .documents import render_pdf
from .models import Document, DocumentCounter, Payment, Plan


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
          status: str = Document.Status.PAID, period: tuple | None = None) -> Document:
    now = timezone.now()
    year = timezone.localtime(now).year
    document = Document.objects.create(
        account=account, kind=kind, year=year, sequence=_next_sequence(kind, year), status=status, payment=payment,
        plan=plan, description=plan.line_item, amount_kopecks=amount_kopecks,
        vat_code=settings.BILLING_VAT_CODE, period_start=period[0] if period else None,
        period_end=period[1] if period else None, seller=seller(), buyer=buyer(account), issued_at=now,
    )
    render_and_store(document)
    return document


def issue_payment_documents(payment: Payment) -> list[Document]:
    """The paid invoice for every payment and, for legal entities, the act for the paid period."""
    period = (payment.period_start, payment.period_end)
    invoice = payment.documents.filter(kind=Document.Kind.INVOICE).first()
    if invoice is None:
        invoice = issue(payment.account, Document.Kind.INVOICE, payment.plan, payment.amount_kopecks,
                        payment=payment, period=period)
    else:  # a bank-transfer invoice, now paid
        invoice.status, invoice.period_start, invoice.period_end = Document.Status.PAID, *period
        invoice.save(update_fields=["status", "period_start", "period_end"])
        render_and_store(invoice)
    documents = [invoice]
    if is_legal_entity(payment.account):
        documents.append(issue(payment.account, Document.Kind.ACT, payment.plan, payment.amount_kopecks,
                               payment=payment, period=period))
    return documents
