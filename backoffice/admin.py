"""The platform admin's screens of accounts and workspaces: the lower apps' admins (accounts, tenancy) with what
only the platform sees across them — each account's workspaces and subscription with the staff's actions (billing),
each workspace's leads this month (billing's usage counter)."""

from typing import ClassVar

from django.contrib import admin
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django_otp.plugins.otp_totp.models import TOTPDevice

from billing import usage
from billing.admin import ACCOUNT_ACTIONS
from billing.models import LeadUsage, Plan, Subscription
from shared_apps.accounts.admin import AccountAdmin
from shared_apps.accounts.models import Account
from shared_apps.tenancy.admin import TenantAdmin
from shared_apps.tenancy.models import Tenant

# A device's secret must not be shown to other staff: devices are enrolled at sign-in and reset by
# `manage.py staff_otp_reset`.
admin.site.unregister(TOTPDevice)


class SubscriptionStatusFilter(admin.SimpleListFilter):
    title = "статус подписки"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Subscription.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Account]) -> QuerySet[Account]:
        return queryset.filter(subscription__status=self.value()) if self.value() else queryset


class PlanFilter(admin.SimpleListFilter):
    title = "тариф"
    parameter_name = "plan"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Plan.objects.values_list("code", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Account]) -> QuerySet[Account]:
        return queryset.filter(subscription__plan__code=self.value()) if self.value() else queryset


class PlatformAccountAdmin(AccountAdmin):
    list_display: tuple[str, ...] = ("name", "owner_email", "inn", "workspaces", "subscription_status",
                                     "subscription_plan", "created_at")
    list_select_related: ClassVar[tuple[str, ...]] = ("owner", "subscription__plan")
    list_filter = (SubscriptionStatusFilter, PlanFilter)
    actions = ACCOUNT_ACTIONS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an account comes with its owner, workspace and trial: sign-up makes it

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).annotate(
            workspaces_count=Count("tenants", filter=Q(tenants__kind=Tenant.Kind.CLIENT), distinct=True))

    @admin.display(description="рабочих пространств", ordering="workspaces_count")
    def workspaces(self, account: Account) -> str:
        url = reverse("admin:tenancy_tenant_changelist") + f"?account__id__exact={account.pk}"
        return format_html('<a href="{}">{}</a>', url, account.workspaces_count)  # type: ignore[attr-defined]

    @admin.display(description="подписка", ordering="subscription__status")
    def subscription_status(self, account: Account) -> str:
        subscription = getattr(account, "subscription", None)
        if subscription is None:
            return "—"
        url = reverse("admin:billing_subscription_change", args=[subscription.pk])
        return format_html('<a href="{}">{}</a>', url, subscription.get_status_display())

    @admin.display(description="тариф", ordering="subscription__plan__sort_order")
    def subscription_plan(self, account: Account) -> str:
        subscription = getattr(account, "subscription", None)
        return subscription.plan.name if subscription is not None else "—"


class PlatformTenantAdmin(TenantAdmin):
    list_display: tuple[str, ...] = ("name", "cabinet_link", "account", "members", "leads_this_month", "created_at")
    list_filter = (("account", admin.RelatedOnlyFieldListFilter),)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        month = LeadUsage.objects.filter(account_id=OuterRef("account_id"), month=usage.month_of())
        return super().get_queryset(request).annotate(account_leads=Subquery(month.values("leads")[:1]))

    @admin.display(description="лидов аккаунта в этом месяце", ordering="account_leads")
    def leads_this_month(self, tenant: Tenant) -> int:
        return tenant.account_leads or 0  # type: ignore[attr-defined]  # annotated by get_queryset


admin.site.unregister(Account)
admin.site.register(Account, PlatformAccountAdmin)
admin.site.unregister(Tenant)
admin.site.register(Tenant, PlatformTenantAdmin)
