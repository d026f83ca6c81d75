"""The Team page of the cabinet: members and their roles, invitations, the plan's seat limit.

Administrators only (``team.view`` to see, ``team.manage`` to change). Every action is its own POST
form: success redirects back with a message (PRG); a refusal renders the page again with the
status of the refusal (400, 403, 404, 409), the reason and what the user typed.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from billing.selectors import plan_of
from core.links import platform_url
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.models import Membership
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.team import errors as team_errors
from tenant_apps.team import selectors as team_selectors
from tenant_apps.team import services as team_services

ROLE_OPTIONS = [
    {"value": value, "label": label, "description": team_selectors.ROLE_DESCRIPTIONS[value]}
    for value, label in Membership.Role.choices
]


def _page(request: WorkspaceRequest, *, values: dict | None = None, errors: dict | None = None, error: str = "",
          status: int = 200) -> HttpResponse:
    tenant = request.tenant
    seats = team_selectors.seats(tenant)
    context = {
        "section": "team",
        "members": team_selectors.members(tenant),
        "invitations": team_selectors.pending_invitations(tenant),
        "seats": seats,
        "limit_message": team_services.limit_message(plan_of(tenant.client_account)) if seats.is_full else "",
        "roles": ROLE_OPTIONS,
        "values": {"email": "", "role": Membership.Role.OPERATOR, **(values or {})},
        "errors": errors or {},
        "error": error,
        "can_manage": has_permission(request.membership, Perm.TEAM_MANAGE),
    }
    return render(request, "dashboard/team.html", context, status=status)


def _refused(request: WorkspaceRequest, exc: team_errors.TeamError, values: dict | None = None) -> HttpResponse:
    if isinstance(exc, team_errors.NotFound):
        raise Http404(exc.message)
    return _page(request, values=values, errors=exc.fields, error=exc.message, status=exc.status)


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("dashboard:team")


@require_GET
@permission_required(Perm.TEAM_VIEW)
def team_page(request: WorkspaceRequest) -> HttpResponse:
    return _page(request)


@require_POST
@permission_required(Perm.TEAM_MANAGE)
def invite(request: WorkspaceRequest) -> HttpResponse:
    values = {"email": request.POST.get("email", "").strip(), "role": request.POST.get("role", "")}
    try:
        invitation = team_services.invite(request.tenant, request.user, values["email"], values["role"])
    except team_errors.TeamError as exc:
        return _refused(request, exc, values)
    return _done(request, f"Приглашение отправлено на {invitation.email}. Ссылка действует 7 дней.")


@require_POST
@permission_required(Perm.TEAM_MANAGE)
def change_role(request: WorkspaceRequest, user_id: int) -> HttpResponse:
    role = request.POST.get("role", "")
    try:
        membership = team_services.change_role(request.tenant, request.user, user_id, role)
    except team_errors.TeamError as exc:
        return _refused(request, exc)
    if membership.user_id == request.user.pk and membership.role != Membership.Role.ADMIN:
        messages.success(request, f"Ваша роль теперь «{membership.get_role_display()}».")
        return redirect("dashboard:home")  # the team page is for administrators only
    who = membership.user.full_name or membership.user.email
    return _done(request, f"Роль участника {who}: «{membership.get_role_display()}».")


@require_POST
@permission_required(Perm.TEAM_MANAGE)
def remove(request: WorkspaceRequest, user_id: int) -> HttpResponse:
    target = next((member for member in team_selectors.members(request.tenant) if member.user_id == user_id), None)
    try:
        team_services.remove_member(request.tenant, request.user, user_id)
    except team_errors.TeamError as exc:
        return _refused(request, exc)
    if user_id == request.user.pk:  # left the workspace: on to another one, if any
        return HttpResponseRedirect(platform_url("/login/continue"))
    who = (target.name or target.email) if target else "Участник"  # remove_member has found them: always there
    return _done(request, f"{who} больше не в команде.")


@require_POST
@permission_required(Perm.TEAM_MANAGE)
def resend(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = team_services.resend(team_selectors.invitation_in(request.tenant, invitation_id))
    except team_errors.TeamError as exc:
        return _refused(request, exc)
    return _done(request, f"Отправили новое приглашение на {invitation.email}. Прежняя ссылка больше не работает.")


@require_POST
@permission_required(Perm.TEAM_MANAGE)
def revoke(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = team_services.revoke(team_selectors.invitation_in(request.tenant, invitation_id), request.user)
    except team_errors.TeamError as exc:
        return _refused(request, exc)
    return _done(request, f"Приглашение для {invitation.email} отозвано.")
