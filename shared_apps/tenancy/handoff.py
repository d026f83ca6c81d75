"""Moving a login from the public host to a workspace host: a signed, single-use, 60-second token.

Session cookies are host-only, so each workspace host gets its own session,
created from the public login and tied to it (logging out anywhere ends both).
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from shared_apps.accounts import one_time_tokens
from shared_apps.accounts.models import LoginSession, OneTimeToken, User

from .models import Tenant


def safe_next_path(next_path: str | None) -> str:
    """Only same-host paths survive (no scheme, no host, no //evil.example)."""
    if next_path and next_path.startswith("/") and url_has_allowed_host_and_scheme(next_path, allowed_hosts=None):
        return next_path
    return "/"


def handoff_url(request: HttpRequest, user: User, tenant: Tenant, next_path: str = "/") -> str:
    raw = one_time_tokens.issue(
        user,
        OneTimeToken.Purpose.HANDOFF,
        timedelta(seconds=settings.HANDOFF_TTL_SECONDS),
        {"tenant": tenant.slug, "next": safe_next_path(next_path), "parent": request.session.session_key},
    )
    return f"{tenant.url}auth/handoff?token={raw}"


def accept_handoff(raw: str, tenant: Tenant) -> tuple[User, LoginSession, str]:
    """Check a hand-off token on the workspace host; returns the user, the public login and the next path."""
    token = one_time_tokens.consume(raw, OneTimeToken.Purpose.HANDOFF)
    parent = LoginSession.objects.filter(session_key=token.payload.get("parent"), user=token.user).first()
    if token.payload.get("tenant") != tenant.slug or parent is None or not token.user.is_active:
        raise one_time_tokens.TokenRejected("invalid")
    return token.user, parent, safe_next_path(token.payload.get("next"))
