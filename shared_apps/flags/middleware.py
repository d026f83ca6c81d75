from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .flags import _request_memo


class FlagStatesPerRequest:
    """Read the flags' states at most once per request, however many places ask (see ``flags._states``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)
