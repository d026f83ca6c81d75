"""Search engines index the public site only: every answer of a workspace host says ``noindex``."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port

X_ROBOTS_TAG = "noindex, nofollow"


def is_platform_host(request: HttpRequest) -> bool:
    """The bare platform domain (the public site); any other host is a workspace's or unknown.

    Reads the raw Host header: ``get_host()`` raises for a disallowed host, and this runs on every response.
    """
    host, _port = split_domain_port(request.META.get("HTTP_HOST", ""))
    return host == settings.PLATFORM_DOMAIN


class NoIndexWorkspaceHostsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_platform_host(request):
            response["X-Robots-Tag"] = X_ROBOTS_TAG
        return response
