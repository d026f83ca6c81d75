"""The public host's URLconf plus one page that crashes (tests point PUBLIC_SCHEMA_URLCONF here)."""

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls_public import handler404, handler500
from config.urls_public import urlpatterns as public_urlpatterns

CRASH_PATH = "/test/crash"

logger = logging.getLogger(__name__)


@csrf_exempt  # posted straight to the WSGI handler too, without the test client's CSRF exemption
def crash(request: HttpRequest) -> HttpResponse:
    contact = request.POST.get("contact", "")
    logger.info("Заявка от %s", contact)  # deliberately personal: what the error tracker must not receive
    raise RuntimeError(f"Заявка не обработана: {contact}")


urlpatterns = [path(CRASH_PATH.lstrip("/"), crash), *public_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
