"""Where a fresh login goes on: accounts knows people, not workspaces, so the layer that does registers it.

tenancy registers its hand-off into the right workspace (``register`` in its AppConfig.ready); without one a
login lands on ``LOGIN_REDIRECT_URL``.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

Continuation = Callable[[HttpRequest, str], HttpResponse]
_registered: list[Continuation] = []


def register(continuation: Continuation) -> None:
    _registered[:] = [continuation]


def after_login(request: HttpRequest, next_url: str = "") -> HttpResponse:
    """``next_url``: a public-host path, a workspace URL, or a workspace path such as ``/onboarding``."""
    if _registered:
        return _registered[0](request, next_url)
    return redirect(settings.LOGIN_REDIRECT_URL)
