from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.views.decorators.http import require_GET

from shared_apps.ops.api_errors import error_response

from .models import WidgetPublication


@require_GET
def published_config(request: HttpRequest, public_key: str) -> HttpResponse:
    """The widget's published config: public schema only, cacheable, revalidated by ETag."""
    publication = (
        WidgetPublication.objects.filter(public_key=public_key).only("public_key", "version", "config").first()
    )
    if publication is None:
        return error_response(404, "widget_not_found", "Виджет не найден.")
    if request.headers.get("If-None-Match") == publication.etag:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse({"version": publication.version, **publication.config})
    response["ETag"] = publication.etag
    response["Cache-Control"] = "public, max-age=60, stale-while-revalidate=600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
