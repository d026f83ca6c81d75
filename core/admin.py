from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: what waits, what was retried and what failed (the arguments may hold personal data: not shown)."""

    list_display = ("id", "handler", "schema_name", "created_at", "published_at", "attempts", "last_error",
                    "done_at", "failed_at")
    list_filter = ("handler", ("done_at", admin.EmptyFieldListFilter), ("failed_at", admin.EmptyFieldListFilter))
    fields = (*list_display, "request_id", "available_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
