"""Browser logins we can list and end: one root per login on the public host, a child per hand-off."""

from importlib import import_module
from typing import cast

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, update_session_auth_hash
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from core import events, net

from .http import SignInRequest
from .models import LoginSession, User

_SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def client_ip(request: HttpRequest) -> str | None:
    return net.client_ip(request) or None


def request_host(request: HttpRequest) -> str:
    """The host a request was made to, as a login records it: its session is valid there only."""
    return request.META.get("HTTP_HOST", "")[:253].lower()


def sign_in(request: HttpRequest, user: User, *, method: str) -> None:
    """Log in someone who proved who they are without their password here; ``method`` names how (the
    ``user_logged_in`` event's ``method``: signup, invitation, email_link)."""
    cast(SignInRequest, request).login_method = method
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")


def announce_login(user: User, ip: str | None, method: str) -> None:
    """The ``user_logged_in`` event (docs/EVENTS.md): every login but a hand-off, which continues one."""
    events.emit("user_logged_in", userId=user.pk, ipNetwork=events.ip_network(ip or ""), method=method)


def record_login(request: HttpRequest, user: User, parent: LoginSession | None = None) -> LoginSession:
    session_key = request.session.session_key
    if session_key is None:  # login() has just cycled the session's key: there always is one
        raise ValueError("a login without a session key cannot be recorded")
    return LoginSession.objects.create(
        session_key=session_key,
        user=user,
        parent=parent,
        host=request_host(request),
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


def keep_login_after_password_change(request: HttpRequest, user: User) -> None:
    """After a password change: keep this browser's login working on every host it reached.

    ``update_session_auth_hash`` gives this session a new key and the new password hash; the
    LoginSession row must follow the new key (else the middleware logs the session out), and the
    login's sessions on the public host and other workspaces need the new hash too (else Django
    flushes them on their next request).
    """
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        LoginSession.objects.filter(session_key=old_key, user=user).update(session_key=new_key)
    current = LoginSession.objects.filter(session_key=new_key, user=user).first() if new_key else None
    if current is None:
        return
    root_id = current.parent_id or current.pk
    siblings = LoginSession.objects.filter(Q(pk=root_id) | Q(parent_id=root_id), user=user).exclude(session_key=new_key)
    new_hash = user.get_session_auth_hash()
    for key in siblings.values_list("session_key", flat=True):
        store = _SessionStore(session_key=key)
        if store.get(SESSION_KEY) == str(user.pk):  # still alive and still this user's
            store[HASH_SESSION_KEY] = new_hash
            store.save()
