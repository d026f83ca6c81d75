from collections.abc import Callable, Iterable
from typing import TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html_join

from core.text import quoted, rubles
from shared_apps.accounts.models import Account, User

from . import lifecycle, staff
from .models import Document, Payment, Plan, Subscription, SubscriptionEvent, moscow_date

T = TypeVar("T")


class RublesAmount:
    """The amount in rubles, as the cabinet shows it, not in kopecks."""

    @admin.display(description="сумма", ordering="amount_kopecks")
    def amount(self, obj: Payment | Document) -> str:
        return rubles(obj.amount_kopecks)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "price_kopecks", "leads_per_month", "max_tenants", "max_members", "is_active")


class HistoryInline(admin.TabularInline):
    model = SubscriptionEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "change", "reason_text", "plan", "payment")
    readonly_fields = fields

    @admin.display(description="статус")
    def change(self, event: SubscriptionEvent) -> str:
        return str(event)  # «Пробный период → Активна»

    @admin.display(description="причина")
    def reason_text(self, event: SubscriptionEvent) -> str:
        return lifecycle.reason_label(event.reason)


def _staff(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets no one else run an action)."""
    if not isinstance(request.user, User):
        raise PermissionError("an admin action without a signed-in staff member")
    return request.user


# --- account actions: on the accounts' list (backoffice) and on the subscriptions' ----------------------------------


def _apply_each(request: HttpRequest, items: Iterable[T], act: Callable[[T], str]) -> None:
    """A staff action on each chosen item: what it did, or why it was refused, in the admin's message bar."""
    for item in items:
        try:
            done = act(item)
        except (staff.StaffRefusal, staff.services.BillingError) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)


def _accounts(queryset: QuerySet) -> list[Account]:
    if queryset.model is Subscription:
        return [subscription.account for subscription in queryset.select_related("account__owner")]
    return list(queryset)


class ExtendTrialForm(forms.Form):
    days = forms.IntegerField(label="На сколько дней продлить", min_value=staff.TRIAL_EXTENSION_DAYS[0],
                              max_value=staff.TRIAL_EXTENSION_DAYS[1], initial=14,
                              error_messages={"required": "Укажите число дней.", "invalid": "Введите целое число.",
                                              "min_value": "Не меньше %(limit_value)s дня.",
                                              "max_value": "Не больше %(limit_value)s дней."})


@admin.action(description="Продлить пробный период…")
def extend_trial(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
    """An intermediate page asks for the number of days; its «Продлить» applies them to each chosen account."""
    accounts = _accounts(queryset)
    form = ExtendTrialForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        def extend(account: Account) -> str:
            subscription = staff.extend_trial(account, form.cleaned_data["days"], staff=_staff(request))
            return (f"{quoted(account.name)}: пробный период продлён до "
                    f"{moscow_date(subscription.trial_ends_at or timezone.now())}.")

        _apply_each(request, accounts, extend)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Продление пробного периода",
        "opts": modeladmin.model._meta,
        "accounts": accounts,
        "queryset": queryset,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "billing/admin/extend_trial.html", context)


def _confirmation(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, *, title: str,
                  explanation: str, items: list[str]) -> TemplateResponse | None:
    """The intermediate page that lists what an action is about to change; None once «Подтвердить» was pressed."""
    if "confirm" in request.POST:
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "explanation": explanation,
        "items": items,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "billing/admin/confirm_action.html", context)


def _listed(accounts: list[Account]) -> list[str]:
    return [f"{account.name} — {account.owner.email}" for account in accounts]


@admin.action(description="Заблокировать аккаунт (кабинет и виджет остановятся, данные сохранятся)")
def block(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
    accounts = _accounts(queryset)
    if page := _confirmation(modeladmin, request, queryset, title="Блокировка аккаунтов", items=_listed(accounts),
                             explanation="Кабинет и виджет этих аккаунтов остановятся (останется только раздел "
                                         "оплаты), данные сохранятся."):
        return page
    def block_one(account: Account) -> str:
        staff.block(account, staff=_staff(request))
        return f"{quoted(account.name)}: аккаунт заблокирован."

    _apply_each(request, accounts, block_one)
    return None


@admin.action(description="Разблокировать аккаунт")
def unblock(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
    accounts = _accounts(queryset)
    if page := _confirmation(modeladmin, request, queryset, title="Разблокировка аккаунтов", items=_listed(accounts),
                             explanation="Подписка вернётся в статус, который позволяют её даты: оплаченный период "
                                         "или пробный период, а если оба закончились — неделя льготного периода "
                                         "на оплату."):
        return page
    def unblock_one(account: Account) -> str:
        subscription = staff.unblock(account, staff=_staff(request))
        return (f"{quoted(account.name)}: аккаунт разблокирован, статус подписки — "
                f"«{subscription.get_status_display()}».")

    _apply_each(request, accounts, unblock_one)
    return None


ACCOUNT_ACTIONS = [extend_trial, block, unblock]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only here: statuses change only through billing.lifecycle (payments, the billing clock and the staff's
    actions below, each kept in the history)."""

    list_display = ("account", "plan", "status", "trial_ends_at", "current_period_end", "grace_ends_at")
    list_filter = ("status", "plan")
    list_select_related = ("account", "plan")
    search_fields = ("account__name", "account__owner__email", "account__inn")
    readonly_fields = [f.name for f in Subscription._meta.fields]
    inlines = [HistoryInline]
    actions = ACCOUNT_ACTIONS

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(RublesAmount, admin.ModelAdmin):
    list_display = ("order_id", "account", "plan", "purpose", "provider", "amount", "status", "created_at")
    list_filter = ("status", "provider", "purpose")
    search_fields = ("order_id", "provider_payment_id", "account__name", "account__owner__email", "account__inn")
    list_select_related = ("account", "plan")
    readonly_fields = tuple("amount" if f.name == "amount_kopecks" else f.name for f in Payment._meta.fields)
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.action(description="Отметить оплату по счёту (деньги поступили на расчётный счёт)")
def mark_paid(modeladmin: admin.ModelAdmin, request: HttpRequest,
              queryset: QuerySet[Document]) -> TemplateResponse | None:
    documents = list(queryset.select_related("account"))
    items = [f"{document} — {document.account.name}, {rubles(document.amount_kopecks)}" for document in documents]
    if page := _confirmation(modeladmin, request, queryset, title="Оплата по счёту", items=items,
                             explanation="Отметьте оплату, только когда деньги поступили на расчётный счёт: "
                                         "подписка аккаунта будет продлена, как после оплаты картой."):
        return page
    def mark_one(document: Document) -> str:
        staff.mark_bank_transfer_paid(document, staff=_staff(request))
        return f"{document}: оплата учтена, подписка продлена."

    _apply_each(request, documents, mark_one)
    return None


@admin.action(description="Отправить документ повторно на e-mail владельца аккаунта")
def resend(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Document]) -> None:
    def resend_one(document: Document) -> str:
        staff.resend_document(document, staff=_staff(request))
        return f"{document}: отправлен повторно на {document.account.owner.email}."

    _apply_each(request, queryset.select_related("account__owner"), resend_one)


REQUISITE_LABELS = {"name": "Наименование", "inn": "ИНН", "kpp": "КПП", "ogrn": "ОГРН", "address": "Адрес",
                    "bank": "Банк", "bik": "БИК", "account": "Расчётный счёт", "corr_account": "Корр. счёт",
                    "director": "Руководитель", "email": "E-mail"}


def _requisites(party: dict) -> str:
    """A document's seller or buyer as labelled lines; keys without a value are left out."""
    rows = [(REQUISITE_LABELS.get(key, key), value) for key, value in party.items() if value]
    return format_html_join("", "<div><strong>{}:</strong> {}</div>", rows) or "—"


@admin.register(Document)
class DocumentAdmin(RublesAmount, admin.ModelAdmin):
    list_display = ("__str__", "account", "amount", "status", "payment", "issued_at")
    list_filter = ("kind", "status")
    list_select_related = ("account", "payment")
    search_fields = ("account__name", "account__inn", "account__owner__email")
    readonly_fields = tuple({"amount_kopecks": "amount", "seller": "seller_requisites", "buyer": "buyer_requisites"}
                            .get(f.name, f.name) for f in Document._meta.fields)
    fields = readonly_fields
    actions = [mark_paid, resend]

    @admin.display(description="продавец")
    def seller_requisites(self, document: Document) -> str:
        return _requisites(document.seller)

    @admin.display(description="покупатель")
    def buyer_requisites(self, document: Document) -> str:
        return _requisites(document.buyer)

    def has_add_permission(self, request) -> bool:
        return False
