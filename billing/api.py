"""Billing API: plans (public), provider webhooks (public), and the workspace's subscription routes."""

import json
import logging
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from core.access import open_when_unpaid
from core.api_errors import ErrorOut
from core.api_schema import LinkPath, Url
from core.errors import DomainError, NotAllowed, NotFound
from core.metrics import counts_payment_webhook
from core.net import client_ip
from core.validation import MAX_PAGE
from shared_apps.flags import flags
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from . import entitlements, payments, selectors, services
from .models import Document, Payment, Provider, Subscription
from .providers import gateway
from .providers.base import NotificationRejected, ProviderRejected, ProviderUnavailable
from .providers.tinkoff import TinkoffGateway
from .providers.yookassa import is_trusted_sender, read_notification

logger = logging.getLogger(__name__)
router = Router(tags=["billing"])
# Every route of tenant_router is @open_when_unpaid: the customer can always see and pay the bill; and
# @behind_flag(flags.BILLING): while billing is off for the account, they are not there at all.
tenant_router = Router(tags=["billing"], auth=TENANT_AUTH)


class PlanOut(Schema):
    code: str
    name: str
    price_kopecks: int | None = Field(serialization_alias="priceKopecks")
    trial_days: int = Field(serialization_alias="trialDays")
    leads_per_month: int | None = Field(serialization_alias="leadsPerMonth")
    max_tenants: int | None = Field(serialization_alias="maxTenants")
    max_members: int | None = Field(serialization_alias="maxMembers")
    is_on_request: bool = Field(serialization_alias="isOnRequest")
    features: list[str]


@router.get("/billing/plans", response=list[PlanOut], by_alias=True, summary="listPlans")
def list_plans(request: HttpRequest):
    return list(selectors.pricing_plans())


# --- provider notifications ----------------------------------------------------------------------------


@router.post("/billing/webhooks/yookassa", auth=None, include_in_schema=False)
@counts_payment_webhook("yookassa")
def yookassa_webhook(request: HttpRequest):
    """Trusted sender, then the payment re-read from the API by id: the body itself is never believed.

    Events other than ``payment.*`` (refunds, payouts, deals, saved methods) change nothing here and are
    acknowledged with 200 and a log line: YooKassa redelivers anything but HTTP 200 for 24 hours (brief §1).
    """
    ip = client_ip(request)
    if not is_trusted_sender(ip):
        logger.warning("webhook_untrusted_sender", extra={"provider": "yookassa", "ip": ip})
        raise NotAllowed("Уведомление отклонено.")
    try:
        notification = read_notification(request.body)
    except NotificationRejected:
        raise DomainError("Некорректное уведомление.") from None
    if not notification.is_payment:
        logger.info("webhook_event_ignored", extra={"provider": "yookassa", "event": notification.event,
                                                    "objectId": notification.object_id})
        return HttpResponse(status=200)
    provider_id = notification.object_id
    try:
        state = gateway(Provider.YOOKASSA).fetch(provider_id)
    except ProviderUnavailable:
        raise DomainError("ЮKassa недоступна, повторите уведомление позже.", status=503,
                          code="service_unavailable") from None
    except ProviderRejected as exc:
        logger.error("webhook_payment_not_confirmed", extra={"provider": "yookassa", "code": exc.code})
        return HttpResponse(status=200)
    payment = payments.notified_payment(Provider.YOOKASSA, state)
    if payment is None:
        logger.warning("webhook_unknown_payment", extra={"provider": "yookassa"})
        return HttpResponse(status=200)
    payments.record_provider_state(payment.pk, state)
    return HttpResponse(status=200)


@router.post("/billing/webhooks/tinkoff", auth=None, include_in_schema=False)
@counts_payment_webhook("tinkoff")
def tinkoff_webhook(request: HttpRequest):
    """Token checked in constant time, then TerminalKey, OrderId and Amount against our record; reply exactly OK."""
    refused = HttpResponse("REJECTED", status=400, content_type="text/plain")
    try:
        payload = json.loads(request.body)
        tinkoff = gateway(Provider.TINKOFF)
        if not isinstance(tinkoff, TinkoffGateway):
            raise ValueError("the tinkoff gateway is not TinkoffGateway")
        state = tinkoff.verify_notification(payload)
    except (ValueError, NotificationRejected):
        logger.warning("webhook_rejected", extra={"provider": "tinkoff"})
        return refused
    payment = payments.notified_payment(Provider.TINKOFF, state)
    if payment is None:
        logger.warning("webhook_unknown_payment", extra={"provider": "tinkoff"})
        return HttpResponse("OK", content_type="text/plain")
    if state.order_id != payment.order_id or state.amount_kopecks != payment.amount_kopecks:
        logger.error("payment_amount_mismatch", extra={"provider": "tinkoff", "orderId": payment.order_id,
                                                        "expected": payment.amount_kopecks,
                                                        "received": state.amount_kopecks})
        return refused
    payments.record_provider_state(payment.pk, state)
    return HttpResponse("OK", content_type="text/plain")


# --- the workspace's billing ---------------------------------------------------------------------------


class UsageOut(Schema):
    leads_this_month: int = Field(serialization_alias="leadsThisMonth")
    leads_limit: int | None = Field(serialization_alias="leadsLimit")
    tenants: int
    tenants_limit: int | None = Field(serialization_alias="tenantsLimit")
    members: int
    members_limit: int | None = Field(serialization_alias="membersLimit")


class SubscriptionOut(Schema):
    plan: PlanOut
    status: str
    status_label: str = Field(serialization_alias="statusLabel")
    trial_ends_at: datetime | None = Field(serialization_alias="trialEndsAt")
    current_period_end: datetime | None = Field(serialization_alias="currentPeriodEnd")
    renews_at: datetime | None = Field(serialization_alias="renewsAt")
    grace_ends_at: datetime | None = Field(serialization_alias="graceEndsAt")
    next_autopay_at: datetime | None = Field(serialization_alias="nextAutopayAt")
    cancel_at_period_end: bool = Field(serialization_alias="cancelAtPeriodEnd")
    scheduled_plan: str | None = Field(serialization_alias="scheduledPlanId")
    provider: str
    payment_method: str | None = Field(serialization_alias="paymentMethod")
    usage: UsageOut


def subscription_out(request: WorkspaceRequest, subscription: Subscription) -> dict:
    account = request.tenant.client_account
    current = entitlements.usage(account)
    method = selectors.saved_method(account)
    return {
        "plan": subscription.plan, "status": subscription.status, "status_label": subscription.get_status_display(),
        "trial_ends_at": subscription.trial_ends_at, "current_period_end": subscription.current_period_end,
        "renews_at": subscription.renews_at, "grace_ends_at": subscription.grace_ends_at,
        "next_autopay_at": subscription.next_autopay_at, "cancel_at_period_end": subscription.cancel_at_period_end,
        "scheduled_plan": subscription.scheduled_plan.code if subscription.scheduled_plan else None,
        "provider": subscription.provider, "payment_method": method.title if method else None,
        "usage": {
            "leads_this_month": current.leads_this_month, "leads_limit": subscription.plan.leads_per_month,
            "tenants": current.tenants, "tenants_limit": subscription.plan.max_tenants,
            "members": current.members.get(request.tenant.pk, 0),
            "members_limit": subscription.plan.max_members,
        },
    }


def _subscription(request: WorkspaceRequest) -> Subscription:
    subscription = selectors.subscription_of(request.tenant.client_account)
    if subscription is None:
        raise NotFound("Подписка не найдена.")
    return subscription


def _return_url(request: WorkspaceRequest) -> str:
    return f"{request.tenant.url}billing/return"


@tenant_router.get("/billing/subscription", response={200: SubscriptionOut, 404: ErrorOut}, by_alias=True,
                   summary="getSubscription")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_VIEW)
def get_subscription(request: WorkspaceRequest):
    return subscription_out(request, _subscription(request))


@tenant_router.get("/billing/plans", response=list[PlanOut], by_alias=True, summary="listPlans (workspace)")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_VIEW)
def workspace_plans(request: WorkspaceRequest):
    return list(selectors.pricing_plans())


class PaymentIn(Schema):
    plan_id: str = Field(alias="planId", max_length=32)
    payment_method: str = Field("yookassa", alias="paymentMethod", max_length=16)


class PaymentStartedOut(Schema):
    payment_url: Url = Field(serialization_alias="paymentUrl")
    payment_id: str = Field(serialization_alias="paymentId")
    provider: str
    amount_kopecks: int = Field(serialization_alias="amountKopecks")


@tenant_router.post("/billing/payments", response={201: PaymentStartedOut, 409: ErrorOut}, by_alias=True,
                    summary="createPayment")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_MANAGE)
def create_payment(request: WorkspaceRequest, body: PaymentIn):
    payment = services.create_payment(request.tenant.client_account, body.plan_id, body.payment_method,
                                      return_url=_return_url(request), actor=request.user)
    return Status(201, {"payment_url": payment.payment_url, "payment_id": payment.order_id,
                        "provider": payment.provider, "amount_kopecks": payment.amount_kopecks})


class PaymentOut(Schema):
    payment_id: str = Field(serialization_alias="paymentId")
    status: str
    status_label: str = Field(serialization_alias="statusLabel")
    purpose: str
    plan: str
    provider: str
    amount_kopecks: int = Field(serialization_alias="amountKopecks")
    failure: str = ""
    created_at: datetime = Field(serialization_alias="createdAt")
    paid_at: datetime | None = Field(serialization_alias="paidAt")


def payment_out(payment: Payment) -> dict:
    return {"payment_id": payment.order_id, "status": payment.status, "status_label": payment.get_status_display(),
            "purpose": payment.purpose, "plan": payment.plan.code, "provider": payment.provider,
            "amount_kopecks": payment.amount_kopecks,
            "failure": payment.failure_text if payment.status == Payment.Status.FAILED else "",
            "created_at": payment.created_at, "paid_at": payment.paid_at}


@tenant_router.get("/billing/payments", response=list[PaymentOut], by_alias=True, summary="listPayments")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_VIEW)
def list_payments(request: WorkspaceRequest):
    return [payment_out(p) for p in selectors.payment_history(request.tenant.client_account)[:100]]


@tenant_router.get("/billing/payments/{payment_id}", response=PaymentOut, by_alias=True, summary="getPayment")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_VIEW)
def get_payment(request: WorkspaceRequest, payment_id: str):
    """The payment's state, asked from the provider while it is pending (what the return page polls)."""
    payment = Payment.objects.filter(account=request.tenant.client_account, order_id=payment_id).first()
    if payment is None:
        raise NotFound("Платёж не найден.")
    return payment_out(payments.refresh(payment))


class PlanChangeIn(Schema):
    plan_id: str = Field(alias="planId", max_length=32)
    prorated: bool = True
    payment_method: str = Field("", alias="paymentMethod", max_length=16)


class PlanChangeOut(Schema):
    subscription: SubscriptionOut
    amount_due_kopecks: int = Field(serialization_alias="amountDueKopecks")
    effective_at: datetime | None = Field(serialization_alias="effectiveAt")
    scheduled: bool
    payment_url: Url | None = Field(serialization_alias="paymentUrl")
    payment_id: str | None = Field(serialization_alias="paymentId")


@tenant_router.post("/billing/plan", response={200: PlanChangeOut, 402: ErrorOut}, by_alias=True, summary="changePlan")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_MANAGE)
def change_plan(request: WorkspaceRequest, body: PlanChangeIn):
    change = services.change_plan(request.tenant.client_account, body.plan_id, body.payment_method,
                                  return_url=_return_url(request), actor=request.user)
    checkout = change.payment if change.payment and change.payment.status == Payment.Status.PENDING else None
    return {
        "subscription": subscription_out(request, _subscription(request)),
        "amount_due_kopecks": change.amount_kopecks, "effective_at": change.effective_at,
        "scheduled": change.scheduled, "payment_url": checkout.payment_url if checkout else None,
        "payment_id": change.payment.order_id if change.payment else None,
    }


@tenant_router.post("/billing/cancel", response={200: SubscriptionOut, 409: ErrorOut}, by_alias=True,
                    summary="cancelSubscription")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_MANAGE)
def cancel_subscription(request: WorkspaceRequest):
    services.cancel(request.tenant.client_account, actor=request.user)
    return subscription_out(request, _subscription(request))


@tenant_router.post("/billing/resume", response={200: SubscriptionOut, 409: ErrorOut}, by_alias=True,
                    summary="resumeSubscription")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_MANAGE)
def resume_subscription(request: WorkspaceRequest):
    services.resume(request.tenant.client_account, actor=request.user)
    return subscription_out(request, _subscription(request))


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(serialization_alias="kindLabel")
    number: str
    status: str
    status_label: str = Field(serialization_alias="statusLabel")
    amount_kopecks: int = Field(serialization_alias="amountKopecks")
    issued_at: datetime = Field(serialization_alias="issuedAt")
    pdf_url: LinkPath = Field(serialization_alias="pdfUrl")


class DocumentPage(Schema):
    items: list[DocumentOut]
    total: int
    page: int
    page_size: int = Field(serialization_alias="pageSize")


class DocumentQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=100, alias="pageSize")


def document_out(document: Document) -> dict:
    return {"id": document.pk, "kind": document.kind, "kind_label": document.get_kind_display(),
            "number": document.number, "status": document.status, "status_label": document.get_status_display(),
            "amount_kopecks": document.amount_kopecks, "issued_at": document.issued_at,
            "pdf_url": f"/billing/documents/{document.pk}.pdf"}


@tenant_router.get("/billing/invoices", response=DocumentPage, by_alias=True, summary="getInvoices")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_VIEW)
def get_invoices(request: WorkspaceRequest, query: Query[DocumentQuery]):
    documents = selectors.documents_of(request.tenant.client_account)
    start = (query.page - 1) * query.page_size
    return {"items": [document_out(d) for d in documents[start:start + query.page_size]],
            "total": documents.count(), "page": query.page, "page_size": query.page_size}


class BankInvoiceIn(Schema):
    plan_id: str = Field(alias="planId", max_length=32)


@tenant_router.post("/billing/invoices", response={201: DocumentOut}, by_alias=True, summary="requestBankInvoice")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_MANAGE)
def request_bank_invoice(request: WorkspaceRequest, body: BankInvoiceIn):
    document = services.request_bank_invoice(request.tenant.client_account, body.plan_id, actor=request.user)
    return Status(201, document_out(document))


class RequisitesIn(Schema):
    legal_name: str = Field("", alias="legalName", max_length=300)
    inn: str = Field("", max_length=12)
    kpp: str = Field("", max_length=9)
    legal_address: str = Field("", alias="legalAddress", max_length=500)


class RequisitesOut(Schema):
    legal_name: str = Field(serialization_alias="legalName")
    inn: str
    kpp: str
    legal_address: str = Field(serialization_alias="legalAddress")


@tenant_router.get("/billing/requisites", response=RequisitesOut, by_alias=True, summary="getRequisites")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_VIEW)
def get_requisites(request: WorkspaceRequest):
    return request.tenant.client_account


@tenant_router.put("/billing/requisites", response=RequisitesOut, by_alias=True, summary="updateRequisites")
@flags.behind_flag(flags.BILLING)
@open_when_unpaid
@requires(Perm.BILLING_MANAGE)
def update_requisites(request: WorkspaceRequest, body: RequisitesIn):
    return services.update_requisites(request.tenant.client_account, legal_name=body.legal_name, inn=body.inn,
                                      kpp=body.kpp, legal_address=body.legal_address, actor=request.user)
