"""Wizard step 4 «Календарь»: Cal.com as on «Каналы» — the API key checked live, then one of its event types chosen;
the key travels on in a hidden field and is saved only with the event type. Skippable.

A refusal renders the step again with its status: the key's problem at its field, the rest above the form.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from dashboard.calendar.views import calendar_error
from shared_apps.flags import flags
from shared_apps.onboarding.wizard import complete_step
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.channels import booking

from .flow import advance, step_context

SLUG = "calendar"
NOT_CONNECTED = "Подключите Cal.com — или нажмите «Пропустить»: онлайн-запись можно включить позже в разделе «Каналы»."


def _render(request: WorkspaceRequest, *, status: int = 200, **extra: object) -> HttpResponse:
    context = {**step_context(request, SLUG), "calendar": booking.connected_calendar(), "calendar_error": {},
               **extra}
    return render(request, "dashboard/onboarding/calendar.html", context, status=status)


def view(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        if booking.connected_calendar() is None:
            return _render(request, calendar_error={"form": NOT_CONNECTED}, status=409)
        return advance(request, SLUG)
    return _render(request)


@require_POST
@permission_required(Perm.TENANT_EDIT)
@flags.behind_flag(flags.ONBOARDING)
def event_types(request: WorkspaceRequest) -> HttpResponse:
    """The key checked with Cal.com: its event types to choose from (nothing is saved yet)."""
    try:
        checked = booking.check_key(request.POST.get("api_key", "")[:1000])
    except DomainError as exc:
        return _render(request, calendar_error=calendar_error(exc), status=exc.status)
    response = _render(request, api_key=checked.api_key, username=checked.username, event_types=checked.event_types)
    response["Cache-Control"] = "no-store"  # the page carries the key
    return response


@require_POST
@permission_required(Perm.TENANT_EDIT)
@flags.behind_flag(flags.ONBOARDING)
def connect(request: WorkspaceRequest) -> HttpResponse:
    try:
        calendar = booking.connect(request.POST.get("api_key", "")[:1000], request.POST.get("event_type_id", ""),
                                   actor=request.user)
    except DomainError as exc:
        return _render(request, calendar_error=calendar_error(exc), status=exc.status)
    complete_step(request.tenant, SLUG)
    messages.success(request, "Cal.com: Подключено — клиенты записываются на встречу "
                              f"«{calendar.event_type_title}».")
    return redirect("dashboard:onboarding_step", step=SLUG)
