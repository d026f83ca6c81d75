"""The Billing page of the cabinet ("Оплата"): subscription, usage, plans, payments, documents, requisites.

Administrators only (``billing.view`` to see, ``billing.manage`` to act). Every action is its own POST
form, so the page works without JavaScript: success redirects back with a message (PRG) or, when a
payment has to be confirmed, to the provider's checkout page (303); a refusal renders the page again
with the status of the refusal (400, 402, 409, 503), the reason and what the user typed.

Access is never granted here: the return page asks the provider for the payment's state
(``payments.refresh``), and only that verified state changes the subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from billing import entitlements, payments, selectors, services
from billing.entitlements import Access, access_for_status
from billing.http import BillingRequest
from billing.invoicing import is_legal_entity
from billing.models import Document, Payment, Plan, Provider, Subscription
from core.access import open_when_unpaid
from core.text import NBSP, rubles, whole_rubles
from shared_apps.flags import flags
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission

SALES_EMAIL = "sales@fastlead.ru"
HISTORY_ROWS = 50
# Field names of services.update_requisites' errors → the form's field names.
REQUISITES_FIELDS = {"legalName": "legal_name", "inn": "inn", "kpp": "kpp", "legalAddress": "legal_address"}
DOCUMENT_FILE_PREFIX: dict[str, str] = {Document.Kind.INVOICE: "schet", Document.Kind.ACT: "akt"}


def number(value: int) -> str:
    """``2000`` → ``"2 000"`` (a no-break space between thousands, as Russian text writes it)."""
    return f"{value:,}".replace(",", NBSP)


@dataclass(frozen=True)
class Meter:
    """One usage bar: ``used`` of ``limit`` (None is unlimited).

    ``blocking``: reaching the limit stops something (leads), so a full bar is red; elsewhere a full
    bar is only a warning, and red means over the limit (after a downgrade, say).
    """

    label: str
    used: int
    limit: int | None
    hint: str = ""
    blocking: bool = False

    @property
    def percent(self) -> int:
        if not self.limit:
            return 0 if self.limit is None else 100
        return min(100, round(self.used * 100 / self.limit))

    @property
    def used_label(self) -> str:
        return number(self.used)

    @property
    def limit_label(self) -> str:
        return "" if self.limit is None else number(self.limit)

    @property
    def tone(self) -> str:
        """"ok", "warn" or "danger"."""
        if self.limit is None:
            return "ok"
        if self.used > self.limit or (self.blocking and self.used >= self.limit):
            return "danger"
        return "warn" if self.percent >= 80 else "ok"


@dataclass(frozen=True)
class PlanCard:
    """A plan in the picker and what its button does now."""

    plan: Plan
    price: str
    is_current: bool
    is_scheduled: bool
    action: str  # "pay" | "upgrade" | "downgrade" | "keep" | "current" | "scheduled"
    button: str
    note: str

    @property
    def is_enabled(self) -> bool:
        return self.action not in ("current", "scheduled")


def card_title(title: str) -> str:
    """The provider's title of a saved card in Russian: "Bank card *4444" → "Карта *4444"."""
    return "Карта " + title.removeprefix("Bank card ").strip() if title.startswith("Bank card") else title


def _date(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y") if moment else ""


def _plan_cards(subscription: Subscription | None, has_paid: bool, method_title: str, now: datetime
                ) -> list[PlanCard]:
    current = subscription.plan if subscription else None
    scheduled = subscription.scheduled_plan if subscription else None
    paid = subscription if has_paid else None  # has_paid: there is a subscription, in a paid period
    cards = []
    for plan in selectors.purchasable_plans():
        is_current, is_scheduled = plan == current, plan == scheduled
        if paid is None:
            action, button = "pay", "Оплатить"
            note = "Оплата за месяц; дальше продлим автоматически — отключить можно в любой момент."
        elif is_current:
            if scheduled:
                action, button = "keep", f"Остаться на тарифе «{plan.name}»"
                note = f"Отменит переход на «{scheduled.name}» с {_date(paid.current_period_end)}."
            else:
                action, button, note = "current", "Ваш тариф", f"Оплачен до {_date(paid.current_period_end)}."
        elif is_scheduled:
            action, button = "scheduled", f"С {_date(paid.current_period_end)}"
            note = "Переход уже запланирован на конец оплаченного периода."
        elif plan.month_price_kopecks > (paid.plan.price_kopecks or 0):
            amount = max(services.MIN_CHARGE_KOPECKS, services.prorated_kopecks(
                paid.plan.price_kopecks or 0, plan.month_price_kopecks, paid.current_period_start or now,
                paid.paid_period_end, now,
            ))
            how = f"спишем с карты {method_title}" if method_title else "оплата на странице платёжной системы"
            action, button = "upgrade", "Перейти на тариф"
            note = f"Сразу, доплата за оставшиеся дни ≈ {rubles(amount)} — {how}."
        else:
            action, button = "downgrade", "Перейти на тариф"
            note = f"С {_date(paid.current_period_end)}, без доплаты; до тех пор действует текущий тариф."
        cards.append(PlanCard(plan=plan, price=whole_rubles(plan.month_price_kopecks), is_current=is_current,
                              is_scheduled=is_scheduled, action=action, button=button, note=note))
    return cards


def _default_provider(subscription: Subscription | None, enabled: list[str]) -> str:
    if subscription and subscription.provider in enabled:
        return subscription.provider
    return enabled[0] if enabled else ""


def _page(request: WorkspaceRequest, *, error: str = "", plan_error: str = "", provider_down: dict | None = None,
          requisites: dict | None = None, requisites_errors: dict | None = None, chosen: dict | None = None,
          status: int = 200) -> HttpResponse:
    tenant = request.tenant
    account = tenant.client_account
    now = timezone.now()
    subscription = selectors.subscription_of(account)
    plan = subscription.plan if subscription else selectors.plan_of(account)
    has_paid = subscription is not None and services.has_paid_period(subscription, now)
    method = selectors.saved_method(account)
    used = entitlements.usage(account)
    enabled = payments.enabled_providers()
    provider_names = dict(Provider.choices)
    chosen = chosen or {}
    history = [
        {"payment": p, "amount": rubles(p.amount_kopecks),
         "failure": p.failure_text if p.status == Payment.Status.FAILED else ""}
        for p in selectors.payment_history(account)[:HISTORY_ROWS]
    ]
    documents = [{"document": d, "amount": rubles(d.amount_kopecks)}
                 for d in selectors.documents_of(account)[:HISTORY_ROWS]]
    meters = [
        Meter("Лиды в этом месяце", used.leads_this_month, plan.leads_per_month,
              "во всех рабочих пространствах аккаунта", blocking=True),
        Meter("Рабочие пространства", used.tenants, plan.max_tenants),
        Meter("Участники команды", used.members.get(tenant.pk, 0), plan.max_members,
              f"в «{tenant.name}»"),
    ]
    on_request = [p for p in selectors.pricing_plans() if p.is_on_request]
    legal_values = requisites if requisites is not None else {
        "legal_name": account.legal_name, "inn": account.inn, "kpp": account.kpp,
        "legal_address": account.legal_address,
    }
    context = {
        "section": "billing",
        "subscription": subscription,
        "plan": plan,
        "plan_price": whole_rubles(plan.price_kopecks) if plan.price_kopecks else "",
        "has_paid_period": has_paid,
        "renews_at": subscription.renews_at if subscription else None,
        "method": method,
        "meters": meters,
        "method_title": (card_title(method.title) or "Банковская карта") if method else "",
        "plan_cards": _plan_cards(subscription, has_paid, card_title(method.title) if method else "", now),
        "on_request_plans": on_request,
        "sales_email": SALES_EMAIL,
        "providers": [{"value": code, "label": provider_names.get(code, code)} for code in enabled],
        "chosen_provider": chosen.get("provider") or _default_provider(subscription, enabled),
        "chosen_plan": chosen.get("plan", ""),
        "history": history,
        "documents": documents,
        "requisites": legal_values,
        "requisites_errors": requisites_errors or {},
        "is_legal_entity": is_legal_entity(account),
        "invoice_plans": [{"code": p.code, "name": p.name, "price": whole_rubles(p.month_price_kopecks)}
                          for p in selectors.purchasable_plans()],
        "error": error,
        "plan_error": plan_error,
        "provider_down": provider_down,
        # A block by platform staff is lifted by support, not by paying (billing.services.refuse_if_blocked_by_staff).
        "can_manage": has_permission(request.membership, Perm.BILLING_MANAGE)
        and not (subscription is not None and subscription.is_blocked_by_staff),
    }
    return render(request, "dashboard/billing.html", context, status=status)


def _refused(request: WorkspaceRequest, exc: services.BillingError, chosen: dict | None = None) -> HttpResponse:
    plan_error = exc.message if exc.field in ("planId", "paymentMethod") else ""
    return _page(request, error="" if plan_error else exc.message, plan_error=plan_error, chosen=chosen,
                 status=exc.status)


def _done(request: HttpRequest, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("dashboard:billing") + anchor)


def _return_url(request: WorkspaceRequest) -> str:
    return f"{request.tenant.url}billing/return"


def _to_checkout(payment: Payment) -> HttpResponse:
    """303 to the provider's checkout page (or straight to our return page when there is nothing to confirm)."""
    if payment.status == Payment.Status.PENDING and payment.payment_url:
        return HttpResponseRedirect(payment.payment_url, status=303)
    return HttpResponseRedirect(f"{reverse('dashboard:billing_return')}?order={payment.order_id}", status=303)


@open_when_unpaid
@require_GET
@permission_required(Perm.BILLING_VIEW)
@flags.behind_flag(flags.BILLING)
def billing_page(request: WorkspaceRequest) -> HttpResponse:
    return _page(request)


@open_when_unpaid
@require_POST
@permission_required(Perm.BILLING_MANAGE)
@flags.behind_flag(flags.BILLING)
def pay(request: WorkspaceRequest) -> HttpResponse:
    """One button per plan: pay for a month (nothing paid now) or change the paid plan (upgrade/downgrade)."""
    account = request.tenant.client_account
    chosen = {"plan": request.POST.get("plan", "").strip(), "provider": request.POST.get("provider", "").strip()}
    subscription = selectors.subscription_of(account)
    try:
        if subscription is None or not services.has_paid_period(subscription, timezone.now()):
            payment = services.create_payment(account, chosen["plan"], chosen["provider"],
                                              return_url=_return_url(request), actor=request.user)
            if payment.status == Payment.Status.FAILED:
                raise services.BillingError(f"Платёж не прошёл: {payment.failure_text}.",
                                            status=402, code="payment_failed")
            return _to_checkout(payment)
        change = services.change_plan(account, chosen["plan"], chosen["provider"], return_url=_return_url(request),
                                      actor=request.user)
    except services.BillingError as exc:
        return _refused(request, exc, chosen)
    except payments.ProviderDown as exc:
        names = dict(Provider.choices)
        down = {"message": exc.message, "alternative": exc.alternative,
                "alternative_label": names.get(exc.alternative, exc.alternative) if exc.alternative else "",
                "plan": chosen["plan"]}
        return _page(request, provider_down=down, chosen=chosen, status=503)
    scheduled_plan = change.subscription.scheduled_plan
    if change.scheduled and scheduled_plan is not None:  # a scheduled change always names its plan
        return _done(request, f"Тариф «{scheduled_plan.name}» начнёт действовать "
                              f"с {_date(change.effective_at)}. До этого дня остаётся текущий тариф.")
    if change.payment is None:
        return _done(request, f"Переход отменён: остаётесь на тарифе «{change.subscription.plan.name}».")
    if change.payment.status == Payment.Status.SUCCEEDED:
        return _done(request, f"Тариф «{change.payment.plan.name}» подключён. Списано "
                              f"{rubles(change.payment.amount_kopecks)} за оставшиеся дни оплаченного периода.")
    return _to_checkout(change.payment)


@open_when_unpaid
@require_POST
@permission_required(Perm.BILLING_MANAGE)
@flags.behind_flag(flags.BILLING)
def cancel(request: WorkspaceRequest) -> HttpResponse:
    try:
        subscription = services.cancel(request.tenant.client_account, actor=request.user)
    except services.BillingError as exc:
        return _refused(request, exc)
    return _done(request, f"Автопродление отключено. Тариф «{subscription.plan.name}» действует до "
                          f"{_date(subscription.current_period_end)}, потом подписка закончится.")


@open_when_unpaid
@require_POST
@permission_required(Perm.BILLING_MANAGE)
@flags.behind_flag(flags.BILLING)
def resume(request: WorkspaceRequest) -> HttpResponse:
    try:
        subscription = services.resume(request.tenant.client_account, actor=request.user)
    except services.BillingError as exc:
        return _refused(request, exc)
    return _done(request, f"Подписка возобновлена: продлим {_date(subscription.current_period_end)} автоматически.")


@open_when_unpaid
@require_POST
@permission_required(Perm.BILLING_MANAGE)
@flags.behind_flag(flags.BILLING)
def requisites(request: WorkspaceRequest) -> HttpResponse:
    values = {name: request.POST.get(name, "") for name in REQUISITES_FIELDS.values()}
    try:
        services.update_requisites(request.tenant.client_account, legal_name=values["legal_name"], inn=values["inn"],
                                   kpp=values["kpp"], legal_address=values["legal_address"], actor=request.user)
    except services.RequisitesInvalid as exc:
        errors = {REQUISITES_FIELDS.get(key, key): message for key, message in exc.fields.items()}
        return _page(request, error=exc.message, requisites=values, requisites_errors=errors, status=exc.status)
    except services.BillingError as exc:
        return _page(request, error=exc.message, requisites=values, status=exc.status)
    return _done(request, "Реквизиты сохранены: они будут в новых счетах и актах.", "#requisites")


@open_when_unpaid
@require_POST
@permission_required(Perm.BILLING_MANAGE)
@flags.behind_flag(flags.BILLING)
def bank_invoice(request: WorkspaceRequest) -> HttpResponse:
    try:
        document = services.request_bank_invoice(request.tenant.client_account, request.POST.get("plan", "").strip(),
                                                 actor=request.user)
    except services.BillingError as exc:
        return _page(request, error=exc.message, status=exc.status)
    return _done(request, f"Счёт № {document.number} на {rubles(document.amount_kopecks)} выставлен и отправлен "
                          "на e-mail владельца аккаунта. Доступ продлим, как только деньги поступят.", "#documents")


@open_when_unpaid
@require_GET
@vary_on_headers("HX-Request")
@permission_required(Perm.BILLING_VIEW)
@flags.behind_flag(flags.BILLING)
def payment_return(request: WorkspaceRequest) -> HttpResponse:
    """Back from the checkout: ask the provider (never trust this URL), show the result, poll while pending."""
    account = request.tenant.client_account
    order = request.GET.get("order", "")[:36]
    payment = Payment.objects.filter(account=account, order_id=order).select_related("plan").first() if order else None
    if payment is None:
        raise Http404("Платёж не найден")
    payment = payments.refresh(payment)
    subscription = selectors.subscription_of(account)
    # The banner follows the state just confirmed, not the one read before the provider was asked.
    billing_request = cast(BillingRequest, request)
    billing_request.billing_subscription = subscription
    billing_request.billing_access = access_for_status(subscription.status) if subscription else Access.FULL
    if payment.failure_reason == "amount_mismatch":
        state = "review"
    else:
        state = payment.status if payment.is_final else "pending"
    context = {
        "section": "billing",
        "payment": payment,
        "state": state,
        "amount": rubles(payment.amount_kopecks),
        "failure": payment.failure_text,
        "subscription": subscription,
        "provider_label": payment.get_provider_display(),
        "can_manage": has_permission(request.membership, Perm.BILLING_MANAGE),
    }
    if request.headers.get("HX-Request"):
        response = render(request, "dashboard/_billing_return_status.html", context)
        if state != "pending":
            response["HX-Refresh"] = "true"  # the whole page again: banner and navigation follow the new status
        return response
    return render(request, "dashboard/billing_return.html", context)


@open_when_unpaid
@require_GET
@permission_required(Perm.BILLING_VIEW)
@flags.behind_flag(flags.BILLING)
def document_pdf(request: WorkspaceRequest, document_id: int) -> FileResponse:
    document = selectors.documents_of(request.tenant.client_account).filter(pk=document_id).first()
    if document is None or not document.pdf:
        raise Http404("Документ не найден")
    try:
        handle = document.pdf.open("rb")
    except FileNotFoundError:
        raise Http404("Документ не найден") from None
    response = FileResponse(handle, content_type="application/pdf")
    filename = f"{DOCUMENT_FILE_PREFIX.get(document.kind, document.kind)}-{document.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
