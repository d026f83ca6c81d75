"""What the widget editor's Alpine component and the snippet block need; shared by the widget page and the
onboarding wizard (its widget and snippet steps)."""

from typing import Any

from django.middleware.csrf import get_token
from django.urls import reverse

from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.widgets.selectors import widget_out
from tenant_apps.widgets.services import CHANNEL_LABELS, MAX_QUICK_REPLIES, connected_channels, get_widget
from tenant_apps.widgets.snippet import snippet_for
from tenant_apps.widgets.uploads import MAX_UPLOAD_BYTES

# (field path in the editor's form, label, element, max length, required, hint)
TEXT_FIELDS = [
    ("texts.title", "Заголовок окна", "input", 80, False,
     "Если оставить пустым, будет название рабочего пространства."),
    ("texts.greeting", "Приветствие", "textarea", 300, True, "Первое, что посетитель прочитает в окне виджета."),
    ("texts.successMessage", "Сообщение после отправки", "textarea", 300, True, ""),
    ("texts.offHoursMessage", "Сообщение в нерабочее время", "textarea", 300, True,
     "Показывается, когда включены часы работы и сейчас нерабочее время."),
]
INSTALL_TABS = [("html", "HTML"), ("tilda", "Tilda"), ("wordpress", "WordPress"), ("bitrix", "1С-Битрикс")]


def editor_data(request: WorkspaceRequest) -> dict[str, Any]:
    """The boot data of ``dashboard/widget_editor.js`` (rendered with ``json_script`` as «widget-editor-data»)."""
    tenant = request.tenant
    available = connected_channels()
    config = widget_out(get_widget(), tenant.site_domains)
    return {
        "config": config,
        "canEdit": has_permission(request.membership, Perm.WIDGET_EDIT),
        "csrfToken": get_token(request),
        "tenantName": tenant.name,
        "timezone": tenant.timezone,
        "api": {"widget": "/api/v1/widget", "logo": "/api/v1/widget/logo", "avatar": "/api/v1/widget/avatar"},
        "mediaBase": reverse("dashboard:widget_media", args=["x"])[:-1],
        # A channel chosen earlier and disabled since stays listed, so that it can be unticked.
        "channels": [{"code": code, "label": label, "available": code in available,
                      "chosen": code in config["channels"]} for code, label in CHANNEL_LABELS.items()],
        "maxQuickReplies": MAX_QUICK_REPLIES,
        "maxUploadBytes": MAX_UPLOAD_BYTES,
    }


def snippet_context(request: WorkspaceRequest) -> dict[str, Any]:
    """``dashboard/_snippet.html``'s context: the code and where to paste it on each site builder."""
    snippet = snippet_for(request.tenant)
    return {"snippet": snippet,
            "install_tabs": [(key, label, snippet["steps"][key]) for key, label in INSTALL_TABS]}
