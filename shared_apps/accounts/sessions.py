"""Browser logins we can list and end: one root per login on the public host, a child per hand-off."""

from importlib import import_module

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import LoginSession, User

_SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def record_login(request: HttpRequest, user: User, parent: LoginSession | None = None) -> LoginSession:
    return LoginSession.objects.create(
        session_key=request.session.session_key,
        user=user,
        parent=parent,
        host=request.META.get("HTTP_HOST", "")[:253],
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def end_login_sessions(roots: QuerySet[LoginSession]) -> int:
    """End each login: its session on the public host and on every workspace it was handed to."""
    ended = 0
    for root in roots.prefetch_related("children"):
        for login in [root, *root.children.all()]:
            _SessionStore(session_key=login.session_key).delete()
            ended += 1
        root.delete()  # children cascade
    return ended


def end_login_of(session_key: str | None) -> None:
    """Logging out on any host ends the whole login it belongs to."""
    login = LoginSession.objects.filter(session_key=session_key).first() if session_key else None
    if login is not None:
        end_login_sessions(LoginSession.objects.filter(pk=login.parent_id or login.pk))
