"""The profile page's notifications: the weekly report (each member's choice), the workspace's alert settings
(admins), and the report's unsubscribe link, which works without logging in (a signed token)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from core.access import open_when_unpaid
from core.errors import Conflict, InvalidInput
from shared_apps.tenancy.decorators import member_required, permission_required
from shared_apps.tenancy.http import TenantRequest, WorkspaceRequest
from shared_apps.tenancy.models import Membership
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.channels.staff import staff_link, staff_telegram, unlink
from tenant_apps.reports.models import DEFAULT_WAITING_MINUTES
from tenant_apps.reports.selectors import alert_settings, wants_weekly_report
from tenant_apps.reports.services import (
    WAITING_MINUTES_RANGE,
    set_weekly_report,
    update_alert_settings,
    user_of_unsubscribe_token,
)


def notifications_context(request: WorkspaceRequest) -> dict:
    """What the notifications section of the profile page shows (added to the page's context)."""
    is_admin = request.membership.role == Membership.Role.ADMIN
    gets_alerts = has_permission(request.membership, Perm.LEADS_ACT)  # admins and the leads' assignees
    return {
        "telegram_shown": gets_alerts, "telegram": staff_telegram(request.user) if gets_alerts else None,
        "weekly_report_shown": is_admin,
        "weekly_report_wanted": wants_weekly_report(request.user.pk),
        "can_edit_alerts": has_permission(request.membership, Perm.TENANT_EDIT),
        "alerts": alert_settings(),
        "waiting_minutes_min": WAITING_MINUTES_RANGE[0], "waiting_minutes_max": WAITING_MINUTES_RANGE[1],
        "waiting_minutes_default": DEFAULT_WAITING_MINUTES,
    }


@open_when_unpaid
@require_POST
@member_required
def weekly_report(request: WorkspaceRequest) -> HttpResponse:
    wanted = request.POST.get("weekly_report") == "on"
    set_weekly_report(request.user.pk, wanted)
    messages.success(request, "Еженедельный отчёт включён." if wanted else "Еженедельный отчёт отключён.")
    return redirect("dashboard:settings")


@require_POST
@permission_required(Perm.TENANT_EDIT)
def alerts(request: WorkspaceRequest) -> HttpResponse:
    typed = request.POST.get("waiting_minutes", "")
    try:
        update_alert_settings(
            waiting_enabled=request.POST.get("waiting_enabled") == "on", waiting_minutes=typed,
            escalation_enabled=request.POST.get("escalation_enabled") == "on",
            limit_enabled=request.POST.get("limit_enabled") == "on",
        )
    except InvalidInput as exc:
        from .views import _page  # the page's renderer imports this module

        return _page(request, values={"waiting_minutes": typed}, errors=exc.fields, status=400)
    messages.success(request, "Настройки оповещений сохранены.")
    return redirect("dashboard:settings")


@require_POST
@permission_required(Perm.LEADS_ACT)
def telegram_link(request: WorkspaceRequest) -> HttpResponse:
    """To the workspace's bot with a one-time ``/start staff-…``: opening it links the chat to this member."""
    try:
        url = staff_link(request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:settings")
    return redirect(url)


@require_POST
@permission_required(Perm.LEADS_ACT)
def telegram_unlink(request: WorkspaceRequest) -> HttpResponse:
    unlink(request.user)
    messages.success(request, "Оповещения в Telegram отключены.")
    return redirect("dashboard:settings")


@open_when_unpaid
@require_http_methods(["GET", "POST"])
def unsubscribe(request: TenantRequest, token: str) -> HttpResponse:
    """The e-mail's link: a page with one button (mail scanners open links; only the button unsubscribes)."""
    tenant = request.tenant
    user_id = user_of_unsubscribe_token(tenant, token)
    if user_id is None:
        return TemplateResponse(request, "accounts/message.html", {
            "title": "Ссылка недействительна",
            "text": "Ссылка для отписки повреждена или относится к другому рабочему пространству. "
                    "Отключить отчёт можно в настройках профиля.",
        }, status=404)
    if request.method == "POST":
        set_weekly_report(user_id, False)
        return TemplateResponse(request, "accounts/message.html", {
            "title": "Вы отписались",
            "text": f"Еженедельный отчёт рабочего пространства «{tenant.name}» больше не придёт. "
                    "Включить его снова можно в настройках профиля.",
        })
    return TemplateResponse(request, "dashboard/report_unsubscribe.html", {"tenant": tenant, "token": token})
