from django.http import HttpRequest, HttpResponse

from .api_errors import error_response
from .context import accept_or_new_request_id, request_id_var
from .views import healthz


class RequestIdMiddleware:
    """Accept or mint ``X-Request-ID``, expose it to logs and Celery, return it.

    It also gives errors Django itself produces under ``/api/`` (an unknown
    route's 404, a wrong method's 405) the API's JSON envelope.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_or_new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405, 500)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            response = error_response(response.status_code, headers=_allow_header(response))
        response["X-Request-ID"] = request_id
        return response


def _allow_header(response: HttpResponse) -> dict | None:
    allow = response.get("Allow")
    return {"Allow": allow} if allow else None


class HealthzMiddleware:
    """Answer ``/healthz`` before host routing, which itself needs the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)
