"""The invitation link on the public host: see who invites you where, then join the workspace.

One page, four situations:
- logged in with the invited e-mail (any letter case): "Присоединиться" → membership → hand-off to the workspace;
- logged in as someone else: say so, offer to log out and come back to the same link;
- not logged in, an account with that e-mail exists: log in first (``/login?next=/invite/<token>``
  brings the user back here);
- no account: a short registration form (the e-mail comes from the invitation and counts as confirmed).
A link that cannot be used (unknown, replaced by a resend, expired, revoked, already accepted) gets a
Russian explanation with status 400.
"""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from shared_apps.accounts.services import normalize_email
from shared_apps.accounts.sessions import sign_in
from shared_apps.tenancy.handoff import handoff_url
from shared_apps.tenancy.models import Invitation

from . import errors as team_errors
from . import selectors as team_selectors
from . import services as team_services


def _message(request: HttpRequest, exc: team_errors.TeamError, title: str = "Приглашение не работает") -> HttpResponse:
    link, label = reverse("public_site:landing"), "На главную Fast Lead"
    if isinstance(exc, team_errors.InvitationRejected) and exc.reason == "used":
        link, label = reverse("tenancy:continue"), "Войти"
    context = {"title": title, "text": exc.message, "link": link, "link_label": label}
    return render(request, "accounts/message.html", context, status=exc.status)


def _login_url(token: str) -> str:
    return f"{reverse('login')}?{urlencode({'next': reverse('invitations:invitation', args=[token])})}"


def _state(request: HttpRequest, invitation: Invitation) -> str:
    user = request.user
    if user.is_authenticated:
        return "join" if normalize_email(user.email) == normalize_email(invitation.email) else "other_user"
    return "login" if team_selectors.account_exists(invitation.email) else "register"


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = team_selectors.invitation_for(token)
    except team_errors.InvitationRejected as exc:
        return _message(request, exc)
    state = _state(request, found)
    values = {"name": ""}
    errors: dict[str, str] = {}
    error, status = "", 200

    if request.method == "POST":
        if state == "other_user" and request.POST.get("action") == "logout":
            logout(request)
            return redirect("invitations:invitation", token=token)
        if state == "join" and request.user.is_authenticated:  # "join": the invitee is the one logged in
            try:
                membership = team_services.accept_existing(token, request.user)
            except team_errors.TeamError as exc:
                return _message(request, exc, "Не удалось принять приглашение")
            return HttpResponseRedirect(handoff_url(request, request.user, membership.tenant, "/"))
        if state == "register":
            values["name"] = request.POST.get("name", "").strip()
            try:
                user, membership = team_services.accept_with_registration(token, values["name"],
                                                                 request.POST.get("password", ""))
            except team_errors.InvalidInput as exc:
                errors, status = exc.fields, 400
            except team_errors.AccountExists as exc:
                state, error, status = "login", exc.message, exc.status
            except team_errors.TeamError as exc:
                return _message(request, exc, "Не удалось принять приглашение")
            else:
                sign_in(request, user, method="invitation")
                return HttpResponseRedirect(handoff_url(request, user, membership.tenant, "/"))
        elif state in {"login", "other_user"}:
            status = 403

    inviter = found.invited_by
    context = {
        "invitation": found,
        "workspace": found.tenant.name,
        "inviter": inviter.get_full_name() if inviter else "",
        "role_label": found.get_role_display(),
        "role_description": team_selectors.ROLE_DESCRIPTIONS.get(found.role, ""),
        "state": state,
        "login_url": _login_url(token),
        "values": values,
        "errors": errors,
        "error": error,
    }
    return render(request, "accounts/invitation.html", context, status=status)
