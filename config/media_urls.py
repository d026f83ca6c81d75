"""Uploaded media (widget logos, avatars) served by Django itself outside production.

Production keeps them in the S3 bucket / CDN or behind the web server. Django's ``static()`` helper
serves only with DEBUG on, and development runs with DEBUG off (the Russian error pages).
"""

import re

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, re_path
from django.views.static import serve

from core.access import open_when_unpaid


@open_when_unpaid  # avatars and logos appear on the pages that stay open while unpaid (billing, profile)
def serve_media(request: HttpRequest, path: str, document_root: str) -> HttpResponseBase:
    return serve(request, path, document_root=document_root)


def local_media_urlpatterns() -> list[URLPattern]:
    if settings.APP_ENV == "production" or settings.S3_BUCKET:
        return []
    prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    return [re_path(rf"^{prefix}(?P<path>.*)$", serve_media, {"document_root": settings.MEDIA_ROOT})]
