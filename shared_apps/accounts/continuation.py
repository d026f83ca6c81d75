"""Where a fresh login goes on: accounts knows people, not workspaces, so the layer that does registers it.

tenancy registers its hand-off into the right workspace (``register`` in its AppConfig.ready); without one a
login lands on ``LOGIN_REDIRECT_URL``.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

Continuation = Callable[[HttpRequest, str, str], HttpResponse]
_registered: list[Continuation] = []


def register(continuation: Continuation) -> None:
    _registered[:] = [continuation]


def after_login(request: HttpRequest, next_url: str = "", *, workspace_path: str = "/") -> HttpResponse:
    """``next_url``: a public-host path or a workspace URL; without one, ``workspace_path`` (e.g. ``/onboarding``)
    in the person's workspace."""
    if _registered:
        return _registered[0](request, next_url, workspace_path)
    return redirect(settings.LOGIN_REDIRECT_URL)
