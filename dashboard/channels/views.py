"""The «Каналы» page of the cabinet: a card per provider, grouped by kind; connect (checked live), test, replace keys,
disable/enable, remove.

Administrators manage channels (``channels.edit``), the other roles see them (``channels.view``). Every action is
its own POST form: success redirects back to the provider's card with a message shown on that card (PRG); a refusal
renders the page again with its status, the reason on the card and the non-secret values typed (secrets are never
echoed back). Either way cabinet.js brings the card's message or first invalid field into view.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.channel_kinds import Kind
from core.errors import DomainError
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm, has_permission
from tenant_apps.channels import selectors, services
from tenant_apps.channels.first_contact import contact_policy
from tenant_apps.channels.kinds import BY_CODE, PROVIDERS
from tenant_apps.channels.models import FIRST_CONTACT_KINDS, Channel, DeliveryAttempt
from tenant_apps.channels.transport import Transport, transport_class

from .credentials import Form, credential_fields, refused_form, typed_credentials

# The test message's recipient per kind: label, placeholder, input type, hint.
RECIPIENT_HINTS = {
    Kind.SMS: ("Номер телефона", "+79001234567", "tel", "В международном формате."),
    Kind.WHATSAPP: ("Номер WhatsApp", "+79001234567", "tel", "В международном формате."),
    Kind.EMAIL: ("E-mail", "you@example.ru", "email", ""),
    Kind.TELEGRAM: ("Chat ID", "123456789", "text",
                    "Сначала напишите боту /start; свой id можно узнать, например, у @userinfobot."),
    Kind.MAX: ("ID пользователя MAX", "123456789", "text", "Сначала откройте бота и нажмите «Начать»."),
}
TEST_TEXT = "Проверка связи: сообщения клиентам будут приходить отсюда."


@dataclass
class Card:
    code: str
    label: str
    kind: str
    available: bool  # False: the provider cannot be connected yet
    channel: Channel | None
    webhook_url: str
    form: Form
    fields: list[dict[str, str]]  # the credential form's inputs (connect, or replace the keys of a channel)
    webhook_manual: bool  # the admin pastes webhook_url into the provider's console (its API cannot set it)
    flash: list[Message]  # the messages of the last action on this card


def flash(request: WorkspaceRequest, level: int, text: str, target: str) -> None:
    """A message shown in the section whose id is ``target`` (the anchor the action redirects to), not at the top
    of the long page, off-screen."""
    messages.add_message(request, level, text, extra_tags=target)


def _flash_by_target(request: WorkspaceRequest) -> dict[str, list[Message]]:
    found: dict[str, list[Message]] = defaultdict(list)
    for message in messages.get_messages(request):
        found[message.extra_tags or ""].append(message)
    return found


def _cards(flashes: dict[str, list[Message]], form_for: str = "", form: Form | None = None) -> list[dict[str, Any]]:
    """The kinds in their order, each with its providers' cards."""
    channels = {channel.provider: channel for channel in selectors.channels()}
    groups: list[dict[str, Any]] = []
    for kind in Kind:
        cards = []
        for provider in (known for known in PROVIDERS if known.kind == kind):
            cls, channel = transport_class(provider.code), channels.get(provider.code)
            inbound_key = getattr(channel, "inbound_key", "")
            webhook = (services.inbound_url(provider.code, inbound_key)
                       if channel and cls is not None and cls.inbound and inbound_key else "")
            shown = form if provider.code == form_for and form else Form()
            manual = bool(webhook) and cls is not None and cls.register_inbound is Transport.register_inbound
            cards.append(Card(provider.code, provider.label, kind.value, cls is not None, channel, webhook, shown,
                              credential_fields(cls, provider.code, shown), manual,
                              flashes.pop(f"provider-{provider.code}", [])))
        hint = RECIPIENT_HINTS[kind]
        groups.append({"kind": kind.value, "label": kind.label, "cards": cards, "recipient": dict(
            zip(("label", "placeholder", "type", "hint"), hint, strict=True))})
    return groups


def _policy(order: list[str], sms_at_night: bool) -> dict[str, Any]:
    """The first-contact form: one select per kind that may write first, filled in order, the rest empty."""
    return {"order": [*order, *[""] * (len(FIRST_CONTACT_KINDS) - len(order))][:len(FIRST_CONTACT_KINDS)],
            "sms_at_night": sms_at_night}


def page(request: WorkspaceRequest, *, form_for: str = "", form: Form | None = None, status: int = 200,
         policy: dict[str, Any] | None = None, policy_error: str = "", calendar_error: dict[str, str] | None = None,
         ) -> HttpResponse:
    """«Каналы»; a refused form (a provider's, the first-contact order's or Cal.com's) shows its reason in place."""
    saved = contact_policy()
    flashes = _flash_by_target(request)
    context = {
        "section": "channels",
        "groups": _cards(flashes, form_for, form),
        "can_edit": has_permission(request.membership, Perm.CHANNELS_EDIT),
        "test_text": TEST_TEXT,
        "policy": policy or _policy(saved.fallback_order, saved.sms_at_night),
        "policy_choices": [(kind.value, kind.label) for kind in FIRST_CONTACT_KINDS],
        "policy_error": policy_error,
        "first_contact_flash": flashes.pop("first-contact", []),
        "calendar_flash": flashes.pop("calendar", []),
        "calendar_error": calendar_error or {},
        "top_flash": [message for found in flashes.values() for message in found],  # untagged, or no such section
    }
    return render(request, "dashboard/channels.html", context, status=status)


def _back(provider: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("dashboard:channels") + f"#provider-{provider}")


def _refused(request: WorkspaceRequest, provider: str, action: str, exc: DomainError,
             values: dict[str, str] | None = None) -> HttpResponse:
    return page(request, form_for=provider, form=refused_form(action, exc, values), status=exc.status)


@require_GET
@permission_required(Perm.CHANNELS_VIEW)
def channels_page(request: WorkspaceRequest) -> HttpResponse:
    return page(request)


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def connect(request: WorkspaceRequest, provider: str) -> HttpResponse:
    cls = transport_class(provider)
    if cls is None:
        raise Http404("Этого провайдера пока нельзя подключить.")
    typed, shown = typed_credentials(request, cls)
    try:
        services.connect(provider, typed, actor=request.user)
    except DomainError as exc:
        return _refused(request, provider, "connect", exc, shown)
    flash(request, messages.SUCCESS, f"«{BY_CODE[provider].label}» подключен: ключи проверены у провайдера.",
          f"provider-{provider}")
    return _back(provider)


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def first_contact(request: WorkspaceRequest) -> HttpResponse:
    order = [value[:16] for value in request.POST.getlist("order")[:len(FIRST_CONTACT_KINDS)] if value]
    sms_at_night = request.POST.get("sms_at_night") == "1"
    try:
        services.update_contact_policy(order, sms_at_night)
    except DomainError as exc:
        return page(request, status=exc.status, policy=_policy(order, sms_at_night), policy_error=exc.message)
    flash(request, messages.SUCCESS, "Порядок каналов для первого сообщения сохранён.", "first-contact")
    return HttpResponseRedirect(reverse("dashboard:channels") + "#first-contact")


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def replace_keys(request: WorkspaceRequest, channel_id: int) -> HttpResponse:
    channel = selectors.channel(channel_id)
    cls = transport_class(channel.provider)
    if cls is None:
        raise Http404("Этого провайдера пока нельзя подключить.")
    typed, shown = typed_credentials(request, cls)
    try:
        services.update(channel, actor=request.user, credentials=typed)
    except DomainError as exc:
        return _refused(request, channel.provider, "keys", exc, shown)
    flash(request, messages.SUCCESS, f"Ключи «{BY_CODE[channel.provider].label}» заменены: провайдер их принял.",
          f"provider-{channel.provider}")
    return _back(channel.provider)


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def test(request: WorkspaceRequest, channel_id: int) -> HttpResponse:
    channel = selectors.channel(channel_id)
    values = {"recipient": request.POST.get("recipient", "")[:255], "text": request.POST.get("text", "")[:4000]}
    try:
        attempt = services.send_test(channel, values["recipient"], values["text"])
    except DomainError as exc:
        return _refused(request, channel.provider, "test", exc, values)
    label = BY_CODE[channel.provider].label
    if attempt.status == DeliveryAttempt.Status.SENT:
        flash(request, messages.SUCCESS, f"«{label}»: Подключен — провайдер принял сообщение для {attempt.recipient}.",
              f"provider-{channel.provider}")
    else:
        flash(request, messages.ERROR, f"«{label}»: Ошибка: {attempt.error}", f"provider-{channel.provider}")
    return _back(channel.provider)


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def toggle(request: WorkspaceRequest, channel_id: int) -> HttpResponse:
    channel = selectors.channel(channel_id)
    enable = request.POST.get("enabled") == "1"
    try:
        services.update(channel, actor=request.user, enabled=enable)
    except DomainError as exc:
        return _refused(request, channel.provider, "toggle", exc)
    label = BY_CODE[channel.provider].label
    flash(request, messages.SUCCESS, f"«{label}» включен: ключи проверены у провайдера." if enable
          else f"«{label}» отключен: через него ничего не отправляется.", f"provider-{channel.provider}")
    return _back(channel.provider)


@require_POST
@permission_required(Perm.CHANNELS_EDIT)
def delete(request: WorkspaceRequest, channel_id: int) -> HttpResponse:
    channel = selectors.channel(channel_id)
    services.disconnect(channel, actor=request.user)
    flash(request, messages.SUCCESS, f"«{BY_CODE[channel.provider].label}» удалён, его ключи стёрты.",
          f"provider-{channel.provider}")
    return _back(channel.provider)
