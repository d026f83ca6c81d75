"""Cal.com on «Каналы» (the section is ``dashboard/channels/_calendar.html``): an admin types the API key, picks
one of its event types, and gets the webhook's address and secret to paste into Cal.com.

Two POST steps: the key is checked live and its event types are listed on their own page (the key travels on in
a hidden field of that form, never stored before Cal.com accepted it); connecting redirects back with a message
shown in the section. A refusal renders «Каналы» again with its status and the reason in the section (a key's
problem at its field); the key is never echoed into the section's form.
"""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from dashboard.channels.views import flash, page
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.channels import booking


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("dashboard:channels") + "#calendar")


def calendar_error(exc: DomainError) -> dict[str, str]:
    """The key's own problems (empty, malformed, rejected) at its field (``api_key``); the rest (Cal.com down, no
    event types, already connected) above the form (``form``). The onboarding wizard's calendar step shows them too."""
    if "apiKey" in exc.fields or exc.code == "credentials_rejected":
        return {"api_key": exc.fields.get("apiKey", exc.message)}
    return {"form": " ".join(exc.fields.values()) if exc.fields else exc.message}


def _refused(request: WorkspaceRequest, exc: DomainError) -> HttpResponse:
    return page(request, status=exc.status, calendar_error=calendar_error(exc))


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def event_types(request: WorkspaceRequest) -> HttpResponse:
    try:
        checked = booking.check_key(request.POST.get("api_key", "")[:1000])
    except DomainError as exc:
        return _refused(request, exc)
    context = {"section": "channels", "api_key": checked.api_key, "username": checked.username,
               "event_types": checked.event_types}
    response = render(request, "dashboard/channels/calendar_event_types.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def connect(request: WorkspaceRequest) -> HttpResponse:
    try:
        calendar = booking.connect(request.POST.get("api_key", "")[:1000], request.POST.get("event_type_id", ""),
                                   actor=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    flash(request, messages.SUCCESS, f"Cal.com подключен: «{calendar.event_type_title}». Осталось добавить вебхук "
                                     "в Cal.com — адрес и секрет ниже.", "calendar")
    return _back()


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def disconnect(request: WorkspaceRequest) -> HttpResponse:
    booking.disconnect(actor=request.user)
    flash(request, messages.SUCCESS, "Cal.com отключен: ключ и секрет вебхука стёрты, записи остались в карточках "
                                     "лидов.", "calendar")
    return _back()
