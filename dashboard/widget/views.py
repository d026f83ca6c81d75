"""The widget editor in the cabinet: form, live preview with the real widget, snippet; and its images.

The page itself is thin: it hands the current config to ``dashboard/widget_editor.js`` (Alpine), which
saves through the workspace API (``PUT /api/v1/widget``, ``POST|DELETE /api/v1/widget/logo|avatar``).
Uploaded images are shown in the editor through ``widget/media/<name>``, from our own origin whatever
the storage is, so the cabinet's Content-Security-Policy (images from 'self' only) holds.
"""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.images import ACCEPT_ATTRIBUTE
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.widgets.models import WidgetConfig
from tenant_apps.widgets.uploads import media_path_for

from .editor import TEXT_FIELDS, editor_data, snippet_context

MEDIA_NAME = re.compile(r"^(logo|avatar)-[0-9a-f]{32}\.webp$")

@require_GET
@permission_required(Perm.WIDGET_VIEW)
def widget_editor(request: WorkspaceRequest) -> HttpResponse:
    data = editor_data(request)
    channels = data["channels"]
    context = {
        "section": "widget",
        "editor_data": data,
        "can_edit": data["canEdit"],
        **snippet_context(request),
        "channels": channels,
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
