"""The attributes core's middleware adds to Django's request, for the type checker."""

from django.http import HttpRequest


class IdentifiedRequest(HttpRequest):
    """A request past :class:`core.middleware.RequestIdMiddleware`: ``request_id`` is its X-Request-ID."""

    request_id: str
