"""The widget editor in the cabinet: form, live preview with the real widget, snippet; and its images.

The page itself is thin: it hands the current config to ``dashboard/widget_editor.js`` (Alpine), which
saves through the workspace API (``PUT /api/v1/widget``, ``POST|DELETE /api/v1/widget/logo|avatar``).
Uploaded images are shown in the editor through ``widget/media/<name>``, from our own origin whatever
the storage is, so the cabinet's Content-Security-Policy (images from 'self' only) holds.
"""

import re
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.images import ACCEPT_ATTRIBUTE
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.widgets.models import WidgetConfig
from tenant_apps.widgets.selectors import widget_out
from tenant_apps.widgets.services import CHANNEL_LABELS, MAX_QUICK_REPLIES, connected_channels, get_widget
from tenant_apps.widgets.snippet import snippet_for
from tenant_apps.widgets.uploads import MAX_UPLOAD_BYTES, media_path_for

MEDIA_NAME = re.compile(r"^(logo|avatar)-[0-9a-f]{32}\.webp$")

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


@require_GET
@permission_required(Perm.WIDGET_VIEW)
def widget_editor(request: WorkspaceRequest) -> HttpResponse:
    tenant = request.tenant
    can_edit = has_permission(request.membership, Perm.WIDGET_EDIT)
    available = connected_channels()
    config = widget_out(get_widget(), tenant.site_domains)
    editor_data: dict[str, Any] = {
        "config": config,
        "canEdit": can_edit,
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
    snippet = snippet_for(tenant)
    channels = editor_data["channels"]
    context = {
        "section": "widget",
        "editor_data": editor_data,
        "can_edit": can_edit,
        "snippet": snippet,
        "install_tabs": [(key, label, snippet["instructions"][key]) for key, label in INSTALL_TABS],
        "channels": editor_data["channels"],
        "channels_to_connect": [channel["label"] for channel in channels
                                if not channel["available"] and not channel["chosen"]],
        "text_fields": TEXT_FIELDS,
        "themes": WidgetConfig.Theme.choices,
        "positions": WidgetConfig.Position.choices,
        "upload_accept": ACCEPT_ATTRIBUTE,
    }
    return render(request, "dashboard/widget.html", context)


@require_GET
@permission_required(Perm.WIDGET_VIEW)
def widget_media(request: WorkspaceRequest, name: str) -> FileResponse:
    """One of this workspace's widget images, from whichever storage holds it (names are never reused)."""
    path = media_path_for(request.tenant, name) if MEDIA_NAME.match(name) else None
    if path is None:
        raise Http404("Файл не найден")
    try:
        stored = default_storage.open(path, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("Файл не найден") from exc
    response = FileResponse(stored, content_type="image/webp")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
