"""Widget logo and operator avatar: ``POST|DELETE /api/v1/widget/logo`` and ``/api/v1/widget/avatar``.

Uploads are multipart with one field, ``file``. Each answers with the whole new widget config
(the same shape as ``GET /api/v1/widget``), so the editor picks up the new version.
"""

from ninja import Router

from billing import entitlements
from core.images import ImageRejected, too_big_message
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm

from .api import WidgetOut
from .models import MediaFile
from .selectors import widget_out
from .uploads import MAX_UPLOAD_BYTES, remove_widget_image, store_widget_image

router = Router(tags=["widget"], auth=TENANT_AUTH)

# Multipart overhead (boundaries, headers) on top of the file itself.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024

UPLOAD_DOCS = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "PNG, JPEG или WebP до 2 МБ"}},
        }}},
    }
}


def _upload(request: WorkspaceRequest, kind: str) -> dict:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_REQUEST_BYTES:  # refuse before reading (and spooling) the body
        raise ImageRejected(too_big_message(MAX_UPLOAD_BYTES), "file_too_large")
    widget = store_widget_image(request.tenant, request.user, kind, request.FILES.get("file"))
    return widget_out(widget, request.tenant.site_domains)


def _remove(request: WorkspaceRequest, kind: str) -> dict:
    return widget_out(remove_widget_image(request.tenant, request.user, kind), request.tenant.site_domains)


@router.post("/widget/logo", response=WidgetOut, by_alias=True, summary="uploadWidgetLogo",
             openapi_extra=UPLOAD_DOCS)
@requires(Perm.WIDGET_EDIT)
def upload_logo(request: WorkspaceRequest):
    """Логотип: PNG, JPEG или WebP до 2 МБ; сохраняется как WebP не больше 400×160."""
    entitlements.check_feature(request.tenant.client_account, entitlements.Feature.CUSTOM_LOGO)
    return _upload(request, MediaFile.Kind.LOGO)


@router.delete("/widget/logo", response=WidgetOut, by_alias=True, summary="deleteWidgetLogo")
@requires(Perm.WIDGET_EDIT)
def delete_logo(request: WorkspaceRequest):
    return _remove(request, MediaFile.Kind.LOGO)


@router.post("/widget/avatar", response=WidgetOut, by_alias=True, summary="uploadWidgetAvatar",
             openapi_extra=UPLOAD_DOCS)
@requires(Perm.WIDGET_EDIT)
def upload_avatar(request: WorkspaceRequest):
    """Аватар оператора: PNG, JPEG или WebP до 2 МБ; сохраняется как WebP 256×256."""
    return _upload(request, MediaFile.Kind.AVATAR)


@router.delete("/widget/avatar", response=WidgetOut, by_alias=True, summary="deleteWidgetAvatar")
@requires(Perm.WIDGET_EDIT)
def delete_avatar(request: WorkspaceRequest):
    return _remove(request, MediaFile.Kind.AVATAR)
