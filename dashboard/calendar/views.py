"""Cal.com on «Каналы» (the section is ``dashboard/channels/_calendar.html``): an admin types the API key, picks
one of its event types, and gets the webhook's address and secret to paste into Cal.com.

Two POST steps: the key is checked live and its event types are listed on their own page (the key travels on in
a hidden field of that form, never stored before Cal.com accepted it); connecting redirects back with a message.
Every refusal returns to «Каналы» with the reason (PRG); the key is never echoed into the section's form.
"""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import DomainError
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.channels import booking


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("dashboard:channels") + "#calendar")


def _refused(request: WorkspaceRequest, exc: DomainError) -> HttpResponseRedirect:
    messages.error(request, "Cal.com: " + (" ".join(exc.fields.values()) if exc.fields else exc.message))
    return _back()


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
        calendar = booking.connect(request.POST.get("api_key", "")[:1000], request.POST.get("event_type_id", ""))
    except DomainError as exc:
        return _refused(request, exc)
    messages.success(request, f"Cal.com подключен: «{calendar.event_type_title}». Осталось добавить вебхук в Cal.com "
                              "— адрес и секрет ниже.")
    return _back()


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def disconnect(request: WorkspaceRequest) -> HttpResponse:
    booking.disconnect()
    messages.success(request, "Cal.com отключен: ключ и секрет вебхука стёрты, записи остались в карточках лидов.")
    return _back()
