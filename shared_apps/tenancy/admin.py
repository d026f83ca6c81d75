from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .models import Domain, Membership, Tenant


class DomainForm(forms.ModelForm):
    class Meta:
        model = Domain
        fields = ("domain", "is_primary")
        labels = {"domain": "домен", "is_primary": "основной"}  # django-tenants' fields carry English names


class DomainInline(admin.TabularInline):
    model = Domain
    form = DomainForm
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Customers' workspaces (the system schemas are not listed). Created by sign-up and the cabinet only: a schema,
    its host and its owner's membership come together, so neither added nor deleted here."""

    list_display: tuple[str, ...] = ("name", "cabinet_link", "account", "members", "created_at")
    list_select_related = ("account",)
    search_fields = ("name", "slug", "schema_name", "account__name", "account__owner__email")
    readonly_fields = ("slug", "schema", "kind", "account", "created_at")
    fields = ("name", "slug", "schema", "kind", "account", "description", "site_domains", "timezone", "created_at")
    date_hierarchy = "created_at"
    inlines = [DomainInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        return (super().get_queryset(request).filter(kind=Tenant.Kind.CLIENT)
                .annotate(members_count=Count("memberships", distinct=True)))

    @admin.display(description="схема в базе данных")
    def schema(self, tenant: Tenant) -> str:
        return tenant.schema_name

    @admin.display(description="поддомен", ordering="slug")
    def cabinet_link(self, tenant: Tenant) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', tenant.url, tenant.slug)

    @admin.display(description="участников", ordering="members_count")
    def members(self, tenant: Tenant) -> int:
        return tenant.members_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Tenant | None = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "tenant")
