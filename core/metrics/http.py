"""Requests as metrics, and ``/metrics`` itself: never on a workspace host, behind ``METRICS_TOKEN``."""

import hmac
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram

from ..noindex import is_platform_host
from .registry import OWN, exposition

METRICS_PATH = "/metrics"
# Scrapes and the load balancer's checks would drown the traffic they watch.
UNCOUNTED = frozenset({METRICS_PATH, "/healthz"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "fastlead_http_request_duration_seconds", "Time to answer a request, by route pattern",
    ["route", "method", "host", "status_class"], registry=OWN,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter("fastlead_http_requests", "Requests answered, by route pattern and status code",
                   ["route", "method", "host", "status"], registry=OWN)


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (``api/v1/leads/<lead_id>``), never the path: bounded label values."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.route or "/"  # the site's root has an empty pattern
    if request.path.startswith(settings.STATIC_URL):
        return "static"  # WhiteNoise answers before any URLconf
    return "unmatched"  # an unknown address or host, or a middleware's own answer


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in UNCOUNTED:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        labels = {"route": route_of(request),
                  "method": request.method if request.method in METHODS else "other",
                  "host": "public" if is_platform_host(request) else "workspace"}
        REQUEST_SECONDS.labels(**labels, status_class=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
        REQUESTS.labels(**labels, status=str(response.status_code)).inc()
        return response


def _is_workspace_host(request: HttpRequest) -> bool:
    host, _port = split_domain_port(request.META.get("HTTP_HOST", ""))
    return host.endswith(f".{settings.PLATFORM_DOMAIN}")


def _refusal(request: HttpRequest) -> str:
    """Why the scrape is refused ("" when it is not): no bearer token at all, or a wrong one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "Нужен токен доступа к метрикам: заголовок Authorization: Bearer <METRICS_TOKEN>.\n"
    expected = settings.METRICS_TOKEN.encode()
    if not expected or not hmac.compare_digest(token.strip().encode(), expected):
        return "Неверный токен доступа к метрикам.\n"
    return ""


class MetricsEndpointMiddleware:
    """Answer ``/metrics`` before sessions, tenancy and billing: on the public host and on the web process's own
    address (``web:8000``, a pod's IP: Prometheus scrapes each instance), never on a workspace host (its 404).

    Prometheus sends ``Authorization: Bearer <METRICS_TOKEN>``; anything else is a 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != METRICS_PATH or _is_workspace_host(request):
            return self.get_response(request)
        if reason := _refusal(request):
            refused = HttpResponse(reason, status=401, content_type="text/plain; charset=utf-8")
            refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return refused
        if request.method not in {"GET", "HEAD"}:
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
        response["Cache-Control"] = "no-store"
        return response
