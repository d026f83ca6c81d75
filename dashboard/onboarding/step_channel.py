"""Wizard step 3 «Канал связи»: the web form is always on; the user connects a first messaging channel — SMS, e-mail
or a Telegram bot — with the provider's live check of «Каналы» (the same services and credential form).

A refusal renders the step again with its status, the provider's reason on the provider's card and the non-secret
values typed (nothing is saved); a connected channel makes the step done and the page says «Подключено».
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.channel_kinds import Kind
from core.errors import DomainError
from dashboard.channels.credentials import Form, credential_fields, refused_form, typed_credentials
from shared_apps.flags import flags
from shared_apps.onboarding.wizard import complete_step
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.channels import selectors, services
from tenant_apps.channels.kinds import BY_CODE, PROVIDERS
from tenant_apps.channels.models import Channel
from tenant_apps.channels.transport import transport_class

from .flow import advance, step_context

SLUG = "channel"
# The kinds offered for a first channel, each with what it does for a new lead.
KINDS: tuple[tuple[Kind, str], ...] = (
    (Kind.SMS, "Приветствие уходит на телефон из заявки сразу после неё."),
    (Kind.EMAIL, "Приветствие уходит на e-mail из заявки сразу после неё."),
    (Kind.TELEGRAM, "Бот отвечает клиентам, которые открыли его из виджета; первым написать по номеру телефона "
                    "Telegram не даёт — для приветствия подключите ещё SMS или e-mail."),
)
NOTHING_CONNECTED = "Подключите канал — или нажмите «Пропустить» и подключите его позже в разделе «Каналы»."


def _groups(connected: set[str], form_for: str = "", form: Form | None = None) -> list[dict[str, Any]]:
    """The providers that can be connected now, by kind; the refused one with its reason and typed values."""
    groups = []
    for kind, hint in KINDS:
        cards = []
        for provider in PROVIDERS:
            cls = transport_class(provider.code)
            if provider.kind != kind or cls is None or provider.code in connected:
                continue
            shown = form if form is not None and provider.code == form_for else Form()
            cards.append({"code": provider.code, "label": provider.label, "form": shown,
                          "fields": credential_fields(cls, provider.code, shown)})
        if cards:
            groups.append({"kind": kind.value, "label": kind.label, "hint": hint, "cards": cards})
    return groups


def _render(request: WorkspaceRequest, *, form_for: str = "", form: Form | None = None, error: str = "",
            status: int = 200) -> HttpResponse:
    channels = selectors.channels()
    context = {
        **step_context(request, SLUG),
        "channels": [{"channel": found, "label": BY_CODE[found.provider].label} for found in channels],
        "has_connected": any(found.status == Channel.Status.CONNECTED for found in channels),
        "groups": _groups({found.provider for found in channels}, form_for, form),
        "form_for": form_for,
        "error": error,
    }
    return render(request, "dashboard/onboarding/channel.html", context, status=status)


def view(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        if not any(found.status == Channel.Status.CONNECTED for found in selectors.channels()):
            return _render(request, error=NOTHING_CONNECTED, status=409)
        return advance(request, SLUG)
    return _render(request)


@require_POST
@permission_required(Perm.TENANT_EDIT)
@flags.behind_flag(flags.ONBOARDING)
def connect(request: WorkspaceRequest, provider: str) -> HttpResponse:
    """Connect ``provider`` with the typed keys, checked live; success marks the step done."""
    cls = transport_class(provider)
    if cls is None or BY_CODE[provider].kind not in {kind for kind, _ in KINDS}:
        raise Http404("Этот канал нельзя подключить в мастере настройки.")
    typed, shown = typed_credentials(request, cls)
    try:
        services.connect(provider, typed, actor=request.user)
    except DomainError as exc:
        return _render(request, form_for=provider, form=refused_form("connect", exc, shown), status=exc.status)
    complete_step(request.tenant, SLUG)
    messages.success(request, f"«{BY_CODE[provider].label}»: Подключено — провайдер проверил ключи.")
    return redirect("dashboard:onboarding_step", step=SLUG)
