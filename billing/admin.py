from django.contrib import admin

from .models import Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "price_kopecks", "leads_per_month", "max_tenants", "max_members", "is_active")
    ordering = ("sort_order",)
