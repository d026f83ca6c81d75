"""Answers of the widget's public addresses from the entries in Redis (``edge``), before the rest of the stack."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve

from core.noindex import is_platform_host

from .edge import peek, respond
from .script import loader_entry


def _no_view(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("only process_response of these middlewares is used")


class WidgetEdgeMiddleware:
    """GET/HEAD of ``/w/<key>.js``, ``/w/<key>/config.json`` and ``/w/<key>/config/<n>.json`` on the platform
    host, answered from a stored entry with the headers the rest of the stack would add (Django's security
    headers, X-Frame-Options); a miss goes on to the view, which fills the entry."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.security = SecurityMiddleware(_no_view)
        self.frame_options = XFrameOptionsMiddleware(_no_view)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        answer = self._from_store(request) if request.path.startswith("/w/") else None
        if answer is None:
            return self.get_response(request)
        return self.frame_options.process_response(request, self.security.process_response(request, answer))

    def _from_store(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING") or not is_platform_host(request):
            return None
        try:
            match = resolve(request.path_info, settings.PUBLIC_SCHEMA_URLCONF)
        except Resolver404:
            return None
        if match.app_name != "widget_cdn":
            return None
        public_key = match.kwargs["public_key"]
        if match.url_name == "script":
            config = peek(public_key, "config")
            answer = respond(request, loader_entry(public_key)) if config is not None else None
        elif match.url_name in ("config", "config_version"):
            part = "config" if match.url_name == "config" else f"v{match.kwargs['version']}"
            entry = peek(public_key, part)
            answer = respond(request, entry) if entry is not None else None
        else:
            return None
        if answer is not None:
            request.resolver_match = match  # the request metrics label the route
        return answer
