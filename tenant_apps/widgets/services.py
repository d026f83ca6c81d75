"""Editing the widget: validation with Russian messages, optimistic locking, publishing on save."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from django.db import transaction

from core.channel_kinds import WEB, Kind
from core.errors import Conflict, InvalidInput
from core.validation import field_length_error
from shared_apps.accounts.models import User
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.services import ProvisioningError
from shared_apps.tenancy.workspaces import normalize_site_domains, update_workspace

from .models import WEEKDAYS, WidgetConfig
from .publishing import publish
from .selectors import widget_out

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CHANNEL_LABELS = {WEB: "Перезвонить (веб-форма)", **dict(Kind.choices)}
# Where the channel kinds a visitor may choose come from: a function answering the kinds whose channel is connected
# and can reach a web form's visitor. Registered from above (the cabinet composes channels and widgets), as this app
# may not import its sibling.
visitor_channel_sources: list[Callable[[], Iterable[str]]] = []
MAX_QUICK_REPLIES = 6


class WidgetErrors(InvalidInput):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields=fields)


class VersionConflict(Conflict):
    """Someone saved in between: ``current`` is what they saved; the API answers it along (the editor merges
    instead of losing edits)."""

    code = "version_conflict"

    def __init__(self, current: WidgetConfig, site_domains: list[str]) -> None:
        who = current.updated_by_name or "другой пользователь"
        super().__init__(f"Пока вы редактировали, настройки сохранил {who}. Выберите, чьи изменения оставить.",
                         extra={"current": widget_out(current, site_domains)})
        self.current = current


@dataclass(frozen=True)
class WidgetDraft:
    primary_color: str
    theme: str
    position: str
    button_label: str
    title: str
    greeting: str
    quick_replies: list[str]
    success_message: str
    off_hours_message: str
    channels: list[str]
    consent_text: str
    privacy_policy_url: str
    marketing_enabled: bool
    marketing_text: str
    business_hours: dict
    site_domains: list[str]


def get_widget() -> WidgetConfig:
    """The current schema's widget (created with the defaults on first use)."""
    widget = WidgetConfig.objects.order_by("pk").first()
    return widget or WidgetConfig.objects.create()


def draft_of(widget: WidgetConfig, site_domains: list[str]) -> WidgetDraft:
    """The saved widget as a draft, to change a few fields and save it through ``update_widget``."""
    return WidgetDraft(
        primary_color=widget.primary_color, theme=widget.theme, position=widget.position,
        button_label=widget.button_label, title=widget.title, greeting=widget.greeting,
        quick_replies=list(widget.quick_replies), success_message=widget.success_message,
        off_hours_message=widget.off_hours_message, channels=list(widget.channels), consent_text=widget.consent_text,
        privacy_policy_url=widget.privacy_policy_url, marketing_enabled=widget.marketing_enabled,
        marketing_text=widget.marketing_text, business_hours=widget.business_hours, site_domains=list(site_domains),
    )


def connected_channels() -> list[str]:
    """What a visitor may pick: the web form and the kinds of the connected channels that can reach them."""
    kinds = {kind for source in visitor_channel_sources for kind in source()}
    return [WEB, *(kind for kind in Kind.values if kind in kinds)]


def _check_length(errors: dict, field: str, value: str, limit: int, required: bool = True) -> None:
    if required and not value.strip():
        errors[field] = "Заполните это поле."
    elif len(value) > limit:
        errors[field] = f"Не длиннее {limit} символов."


def privacy_policy_url_error(url: str) -> str:
    """What is wrong with the consent's privacy-policy link, or "": an http(s) address of a page."""
    url = url.strip()
    if not url:
        return "Укажите ссылку на политику обработки персональных данных (https://…): её требует 152-ФЗ."
    policy = urlsplit(url)
    if policy.scheme in {"http", "https"} and policy.netloc:
        return ""
    if "://" not in url and ":" not in url.split("/", 1)[0] and "." in url.split("/", 1)[0]:
        return f"Ссылка должна начинаться с https:// — например, https://{url}"
    return "Ссылка должна начинаться с https:// или http:// — например, https://romashka.ru/privacy"


def validate(draft: WidgetDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not COLOR.match(draft.primary_color):
        errors["appearance.primaryColor"] = "Цвет в формате #RRGGBB, например #2563eb."
    if draft.theme not in WidgetConfig.Theme.values:
        errors["appearance.theme"] = "Тема: светлая или тёмная."
    if draft.position not in WidgetConfig.Position.values:
        errors["appearance.position"] = "Положение: справа или слева."
    _check_length(errors, "appearance.buttonLabel", draft.button_label, 40)
    _check_length(errors, "texts.title", draft.title, 80, required=False)
    _check_length(errors, "texts.greeting", draft.greeting, 300)
    _check_length(errors, "texts.successMessage", draft.success_message, 300)
    _check_length(errors, "texts.offHoursMessage", draft.off_hours_message, 300)
    if len(draft.quick_replies) > MAX_QUICK_REPLIES:
        errors["texts.quickReplies"] = f"Не больше {MAX_QUICK_REPLIES} быстрых ответов."
    elif any(not reply.strip() or len(reply) > 40 for reply in draft.quick_replies):
        errors["texts.quickReplies"] = "Каждый быстрый ответ — от 1 до 40 символов."
    available = connected_channels()
    if not draft.channels:
        errors["channels"] = "Выберите хотя бы один канал."
    elif unknown := [channel for channel in draft.channels if channel not in CHANNEL_LABELS]:
        errors["channels"] = "Неизвестный способ связи: " + ", ".join(unknown) + "."
    elif missing := [CHANNEL_LABELS[channel] for channel in draft.channels if channel not in available]:
        errors["channels"] = "Сначала подключите канал в разделе «Каналы»: " + ", ".join(missing) + "."
    _check_length(errors, "consent.personalDataText", draft.consent_text, 2000)
    if policy_error := privacy_policy_url_error(draft.privacy_policy_url):
        errors["consent.privacyPolicyUrl"] = policy_error
    _check_length(errors, "consent.marketingText", draft.marketing_text, 500, required=draft.marketing_enabled)
    hours_error = _business_hours_error(draft.business_hours)
    if hours_error:
        errors["businessHours"] = hours_error
    try:
        normalize_site_domains(draft.site_domains)
    except ProvisioningError as exc:
        errors["siteDomains"] = exc.message
    return errors


def _business_hours_error(hours: dict) -> str:
    days = hours.get("days")
    if not isinstance(days, dict) or set(days) - set(WEEKDAYS):
        return "Часы работы: неизвестный день недели."
    for intervals in days.values():
        for interval in intervals or []:
            if (not isinstance(interval, list | tuple) or len(interval) != 2
                    or not all(isinstance(t, str) and TIME.match(t) for t in interval)):
                return "Время в формате ЧЧ:ММ, например 09:00."
            if interval[0] >= interval[1]:
                return "Начало рабочего дня должно быть раньше конца."
    return ""


@transaction.atomic
def update_widget(tenant: Tenant, user: User, draft: WidgetDraft, expected_version: int) -> WidgetConfig:
    """Save the editor's draft if nobody saved since ``expected_version``; publish it at once."""
    errors = validate(draft)
    if errors:
        raise WidgetErrors(errors)
    widget = WidgetConfig.objects.select_for_update().get(pk=get_widget().pk)
    if widget.version != expected_version:
        raise VersionConflict(widget, tenant.site_domains)
    for field in WidgetDraft.__dataclass_fields__:
        if field != "site_domains":
            setattr(widget, field, getattr(draft, field))
    widget.privacy_policy_url = draft.privacy_policy_url.strip()
    widget.business_hours = {"enabled": bool(draft.business_hours.get("enabled")),
                             "days": {day: draft.business_hours["days"].get(day, []) for day in WEEKDAYS}}
    widget.version += 1
    widget.updated_by_id = user.pk
    widget.updated_by_name = user.get_full_name()
    widget.save()
    tenant.site_domains = normalize_site_domains(draft.site_domains)
    tenant.save(update_fields=["site_domains"])
    publish(tenant, widget)
    return widget


def set_up_workspace(tenant: Tenant, user: User, *, name: str, slug: str, site_domains: list[str],
                     privacy_policy_url: str) -> WidgetConfig:
    """Onboarding's first step: the workspace's name and address, the sites the widget takes leads from and the
    privacy policy its consent links to — all saved (and the widget published) or nothing. Every problem comes at
    once, keyed as the services name them (``name``, ``slug``, ``siteDomains``, ``consent.privacyPolicyUrl``)."""
    errors: dict[str, str] = {}
    try:
        with transaction.atomic():
            try:
                update_workspace(tenant, name=name, slug=slug)
            except ProvisioningError as exc:
                errors.update(exc.by_field)
            try:
                widget = connect_site(tenant, user, site_domains=site_domains, privacy_policy_url=privacy_policy_url)
            except WidgetErrors as exc:
                errors.update(exc.fields)
            if errors:
                raise WidgetErrors(errors)  # undoes whichever half was saved
    except WidgetErrors:
        tenant.refresh_from_db()
        raise
    return widget


def connect_site(tenant: Tenant, user: User, *, site_domains: list[str], privacy_policy_url: str) -> WidgetConfig:
    """The sites the widget will take leads from and the privacy policy its consent links to. Saved and published
    like any editor save; errors come keyed as the editor's (``siteDomains``, ``consent.privacyPolicyUrl``)."""
    try:
        return _save_site(tenant, user, site_domains, privacy_policy_url)
    except VersionConflict:  # a colleague saved in between: apply the two fields to their version
        return _save_site(tenant, user, site_domains, privacy_policy_url)


def update_basics(tenant: Tenant, user: User, *, primary_color: str, greeting: str) -> WidgetConfig:
    """Onboarding's widget step: the colour and the greeting on top of what is saved now; published at once."""
    def save() -> WidgetConfig:
        widget = get_widget()
        draft = replace(draft_of(widget, tenant.site_domains), primary_color=primary_color.strip(), greeting=greeting)
        return update_widget(tenant, user, draft, widget.version)

    try:
        return save()
    except VersionConflict:  # a colleague saved in between: apply the two fields to their version
        return save()


def _save_site(tenant: Tenant, user: User, site_domains: list[str], privacy_policy_url: str) -> WidgetConfig:
    widget = get_widget()
    draft = replace(draft_of(widget, site_domains), privacy_policy_url=privacy_policy_url.strip())
    errors = validate(draft)
    try:
        named: list[str] | None = normalize_site_domains(site_domains)
    except ProvisioningError:
        named = None  # validate(draft) has said what is wrong with it
    if named == []:  # nothing, or only "http://"
        errors["siteDomains"] = "Укажите домен сайта, на котором будет виджет (пример: romashka.ru)."
    too_long = field_length_error(draft.privacy_policy_url, WidgetConfig, "privacy_policy_url")
    if too_long:
        errors["consent.privacyPolicyUrl"] = too_long
    if errors:
        raise WidgetErrors(errors)
    return update_widget(tenant, user, draft, widget.version)
