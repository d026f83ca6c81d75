from django.contrib import admin

from .models import WidgetPublication


@admin.register(WidgetPublication)
class WidgetPublicationAdmin(admin.ModelAdmin):
    list_display = ("tenant", "public_key", "version", "published_at")
    readonly_fields = ("public_key",)
