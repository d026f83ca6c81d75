from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join

from .display import detail_lines
from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The whole platform's journal for staff: read only, whoever looks (the table itself refuses changes too)."""

    list_display = ("created_at", "action", "actor_label", "is_staff_action", "workspace_label", "account_id",
                    "target", "ip")
    list_filter = ("action", "is_staff_action", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_label", "target", "workspace_label")
    date_hierarchy = "created_at"
    list_per_page = 50
    fields = ("created_at", "action", "actor_label", "actor_id", "is_staff_action", "account_id", "workspace_label",
              "workspace_id", "target", "details_text", "ip", "request_id")
    readonly_fields = fields

    @admin.display(description="подробности")
    def details_text(self, entry: AuditEntry) -> str:
        return format_html_join("", "<div>{}: {}</div>", detail_lines(entry.details)) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
