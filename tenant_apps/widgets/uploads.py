"""The widget's logo and operator avatar: checked by content, re-encoded, stored, counted against the quota.

Accepted: PNG, JPEG and WebP, recognised by their bytes (never by the file name or the browser's
content type). Everything else (SVG with or without scripts, GIF, text renamed to .png, ...) is
refused, and so are files over 2 MB, damaged files and decompression bombs. What is stored is
always a fresh WebP canvas without metadata: a logo fitted within 400×160, an avatar cropped to
256×256 around its centre.

Files go to ``default_storage`` (the local disk by default, an S3-compatible bucket when
``S3_BUCKET`` is set) under ``tenants/<schema>/widget/``. Each stored file has a ``MediaFile`` row,
and their sizes together may not exceed ``TENANT_MEDIA_QUOTA_BYTES`` (100 MB) per workspace.
An upload is a save of the widget: the version grows and the new config is published at once.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Sum

from core import images
from core.images import MB, ImageRejected
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Tenant

from .models import MediaFile, WidgetConfig
from .publishing import publish
from .services import get_widget

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 2 * MB
LOGO_BOX = (400, 160)
AVATAR_SIZE = 256
KINDS = (MediaFile.Kind.LOGO, MediaFile.Kind.AVATAR)


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    width: int
    height: int


def quota_bytes() -> int:
    return getattr(settings, "TENANT_MEDIA_QUOTA_BYTES", 100 * MB)


def quota_message() -> str:
    return f"Превышен лимит хранилища: {quota_bytes() / MB:g} МБ на рабочее пространство"


def read_upload(upload) -> bytes:
    return images.read_upload(upload, MAX_UPLOAD_BYTES)


def process_image(data: bytes, kind: str) -> ProcessedImage:
    """A logo fitted within 400×160, an avatar cropped to 256×256 around its centre, as clean WebP."""
    if kind == MediaFile.Kind.LOGO:
        return ProcessedImage(*images.to_webp(data, LOGO_BOX, crop=False))
    return ProcessedImage(*images.to_webp(data, (AVATAR_SIZE, AVATAR_SIZE), crop=True))


def media_usage() -> int:
    """Bytes this workspace (the current schema) keeps in the media storage."""
    return MediaFile.objects.aggregate(total=Sum("size"))["total"] or 0


def storage_dir(tenant: Tenant) -> str:
    return f"tenants/{tenant.schema_name}/widget"


def _locked_widget() -> WidgetConfig:
    return WidgetConfig.objects.select_for_update().get(pk=get_widget().pk)


def _delete_file(path: str) -> None:
    try:
        default_storage.delete(path)
    except Exception:  # the row is gone already; a leftover file only wastes space, it must not fail the save
        logger.exception("widget_media_delete_failed", extra={"path": path})


def _saved_by(widget: WidgetConfig, user: User) -> None:
    widget.version += 1
    widget.updated_by_id = user.pk
    widget.updated_by_name = user.get_full_name()


def store_widget_image(tenant: Tenant, user: User, kind: str, upload) -> WidgetConfig:
    """Check, re-encode and store a logo or avatar; it replaces the previous one, whose file is deleted."""
    if kind not in KINDS:
        raise ValueError(kind)
    image = process_image(read_upload(upload), kind)
    with transaction.atomic():
        widget = _locked_widget()  # also serialises uploads, so two at once cannot both squeeze under the quota
        old_path = getattr(widget, kind)
        old_size = MediaFile.objects.filter(path=old_path).values_list("size", flat=True).first() if old_path else 0
        if media_usage() - (old_size or 0) + len(image.data) > quota_bytes():
            raise ImageRejected(quota_message(), "media_quota_exceeded")
        name = f"{storage_dir(tenant)}/{kind}-{uuid.uuid4().hex}.webp"
        path = default_storage.save(name, ContentFile(image.data, name=name))
        try:
            MediaFile.objects.create(kind=kind, path=path, size=len(image.data))
            if old_path:
                MediaFile.objects.filter(path=old_path).delete()
                transaction.on_commit(lambda: _delete_file(old_path))
            setattr(widget, kind, path)
            _saved_by(widget, user)
            widget.save()
            publish(tenant, widget)
        except Exception:
            _delete_file(path)
            raise
    logger.info("widget_media_uploaded", extra={"kind": kind, "bytes": len(image.data), "version": widget.version})
    return widget


def remove_widget_image(tenant: Tenant, user: User, kind: str) -> WidgetConfig:
    """Take the logo or avatar off the widget and delete its file; nothing to remove changes nothing."""
    if kind not in KINDS:
        raise ValueError(kind)
    with transaction.atomic():
        widget = _locked_widget()
        old_path = getattr(widget, kind)
        if not old_path:
            return widget
        MediaFile.objects.filter(path=old_path).delete()
        setattr(widget, kind, "")
        _saved_by(widget, user)
        widget.save()
        publish(tenant, widget)
        transaction.on_commit(lambda: _delete_file(old_path))
    return widget


def media_path_for(tenant: Tenant, file_name: str) -> str | None:
    """The storage path of this workspace's file ``file_name`` (``logo-<hex>.webp``), if it keeps one."""
    path = f"{storage_dir(tenant)}/{file_name}"
    schema = cast("DatabaseWrapper", connection).schema_name
    if schema != tenant.schema_name or not MediaFile.objects.filter(path=path).exists():
        return None
    return path
