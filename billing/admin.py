from django.contrib import admin, messages

from . import services
from .models import Document, Payment, Plan, Subscription, SubscriptionEvent


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "price_kopecks", "leads_per_month", "max_tenants", "max_members", "is_active")


class HistoryInline(admin.TabularInline):
    model = SubscriptionEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "reason", "plan", "payment")
    readonly_fields = fields


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only here: statuses change only through billing.lifecycle (payments and the billing clock)."""

    list_display = ("account", "plan", "status", "trial_ends_at", "current_period_end", "grace_ends_at")
    list_filter = ("status", "plan")
    search_fields = ("account__name", "account__owner__email")
    readonly_fields = [f.name for f in Subscription._meta.fields]
    inlines = [HistoryInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("order_id", "account", "plan", "purpose", "provider", "amount_kopecks", "status", "created_at")
    list_filter = ("status", "provider", "purpose")
    search_fields = ("order_id", "provider_payment_id", "account__name")
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.action(description="Отметить оплату по счёту (деньги поступили на расчётный счёт)")
def mark_paid(modeladmin, request, queryset) -> None:
    for document in queryset:
        try:
            services.record_bank_transfer(document)
        except services.BillingError as exc:
            messages.error(request, f"{document}: {exc.message}")
        else:
            messages.success(request, f"{document}: оплата учтена, подписка продлена.")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "account", "amount_kopecks", "status", "issued_at")
    list_filter = ("kind", "status")
    search_fields = ("account__name", "account__inn")
    readonly_fields = [f.name for f in Document._meta.fields]
    actions = [mark_paid]

    def has_add_permission(self, request) -> bool:
        return False
