"""Sign-ins and sign-outs in the audit log (the journal's «Входы»).

A sign-in on the public host names no workspace: staff see it. Entering a workspace (the hand-off after a sign-in,
or an API login, whose tokens are issued for one workspace) is recorded into that workspace, where its admins see
it. A failed password sign-in names the person whose e-mail was typed, when there is one; never what was typed.
"""

from typing import Any

from shared_apps.audit import services as audit
from shared_apps.audit.services import Workspace

from .models import User

VIA_PASSWORD = "e-mail и пароль"  # noqa: S105  (how one signed in, not a password)
VIA_API = "API"
VIA_WORKSPACE = "вход в рабочее пространство"  # the hand-off from the public host's sign-in into a workspace


def signed_in(user: User, via: str = "", *, workspace: Workspace | None = None) -> None:
    audit.record("auth.login", actor=user, workspace=workspace, details={"via": via} if via else None)


def sign_in_failed(email: str, via: str, *, staff: bool = False) -> None:
    """``email`` normalised; the attempt is someone's only when an account has it. ``staff``: at the platform
    admin's sign-in."""
    person: Any = User.objects.filter(email__iexact=email).first() if email else None
    audit.record("auth.login_failed", actor=person or audit.UNKNOWN, details={"via": via}, staff=staff)


def signed_out(user: User, via: str = "", *, workspace: Workspace | None = None) -> None:
    audit.record("auth.logout", actor=user, workspace=workspace, details={"via": via} if via else None)
