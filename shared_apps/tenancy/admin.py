from django.contrib import admin

from .models import Domain, Membership, Tenant


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "schema_name", "kind", "account", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "schema_name")
    readonly_fields = ("schema_name",)
    inlines = [DomainInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "tenant")
