"""Public lead intake from the widget: origin, anti-spam, validation, plan limits, 152-FZ evidence."""

import logging
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django_tenants.utils import tenant_context

from billing import entitlements
from billing.selectors import plan_of
from billing.usage import month_of
from core import email as emails
from core.cache import REDIS_UNAVAILABLE
from core.errors import DomainError
from core.links import platform_url
from core.ratelimit import RateLimit, TokenBucket
from core.validation import CHECK_FIELDS, name_error, one_line
from shared_apps.tenancy.models import Membership, Tenant
from tenant_apps.channels import booking, conversation
from tenant_apps.leads.models import Channel, Lead
from tenant_apps.leads.phones import normalize_phone
from tenant_apps.leads.services import create_lead

from .models import PublishedConfig, WidgetPublication

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
PER_IP = RateLimit("intake-ip", 10, 60)  # one address cannot flood a workspace
# Many visitors can: an advertising campaign's peak (a TV spot, a mailing to a big list) of up to 5,000 leads goes
# through at once, then 1,200 a minute; past that a bot farm of many addresses is refused.
PER_WORKSPACE = TokenBucket("intake-workspace", per_minute=1_200, burst=5_000)
POLITE_UNAVAILABLE = "Сейчас мы не можем принять заявку онлайн. Пожалуйста, позвоните нам — мы будем рады помочь."


class IntakeRefused(DomainError):
    """A lead the intake does not take, with what the widget shows the visitor."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, retry_after: int = 0):
        super().__init__(message, code=code, status=status, fields=fields,
                         headers={"Retry-After": str(retry_after)} if retry_after else None)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Visitor:
    origin: str
    ip: str | None
    user_agent: str


def origin_allowed(tenant: Tenant, origin: str) -> bool:
    """The workspace's own sites (and their www.) and the platform's demo page may post leads."""
    host = (urlsplit(origin).hostname or "").lower()
    if not host:
        return False
    if host == settings.PLATFORM_DOMAIN:
        return True
    return any(host in (domain, f"www.{domain}") for domain in tenant.site_domains)


def check_origin(publication: WidgetPublication, visitor: Visitor) -> None:
    if not origin_allowed(publication.tenant, visitor.origin):
        raise IntakeRefused(403, "origin_not_allowed",
                            "Этот сайт не подключён к виджету. Владельцу сайта: добавьте домен в настройках виджета.")


def check_rate(publication: WidgetPublication, visitor: Visitor) -> None:
    verdict = PER_IP.hit(visitor.ip or "unknown")
    if verdict.allowed:
        verdict = PER_WORKSPACE.take(publication.public_key)
    if not verdict.allowed:
        raise IntakeRefused(429, "too_many_requests", "Слишком много заявок подряд. Попробуйте через минуту.",
                            retry_after=verdict.retry_after)


def _text(payload: dict, key: str, limit: int) -> str:
    value = payload.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


@cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(payload: dict) -> str:
    """The visitor's browser's IANA time zone (first contact keeps the lead's night quiet); anything else is
    dropped, not refused: it is not the visitor's mistake."""
    value = _text(payload, "timeZone", 64)
    return value if value in _known_time_zones() else ""


def validate(payload: dict, channels: list[str]) -> dict:
    """Field-by-field Russian errors, or the cleaned lead data."""
    errors: dict[str, str] = {}
    name = one_line(_text(payload, "name", 150))
    if name_problem := name_error(name, 150, "Как к вам обращаться?"):
        errors["name"] = name_problem
    raw_phone, email = _text(payload, "phone", 40), _text(payload, "email", 254).lower()
    phone = normalize_phone(raw_phone) if raw_phone else ""
    if raw_phone and phone is None:
        errors["phone"] = "Проверьте номер телефона, например +7 912 345-67-89."
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Проверьте e-mail, например anna@mail.ru."
    if not raw_phone and not email:
        errors["phone"] = "Оставьте телефон или e-mail, чтобы мы могли связаться."
    if payload.get("consentPersonalData") is not True:
        errors["consentPersonalData"] = "Без согласия на обработку персональных данных мы не сможем принять заявку."
    preferred = _text(payload, "preferredChannel", 16) or channels[0]
    if preferred not in channels:
        errors["preferredChannel"] = "Выберите способ связи из списка."
    page_url = _text(payload, "pageUrl", 2000)
    if page_url and urlsplit(page_url).scheme not in {"http", "https"}:
        page_url = ""
    utm = payload.get("utm")
    if not isinstance(utm, dict):
        utm = {}
    if errors:
        raise IntakeRefused(400, "validation_error", CHECK_FIELDS, errors)
    return {
        "topic": _text(payload, "topic", 40), "name": name, "phone": phone or "", "email": email,
        "preferred_channel": preferred, "page_url": page_url, "time_zone": _time_zone(payload),
        "utm": {key: _text(utm, key, 200) for key in ("source", "medium", "campaign", "term", "content")},
    }


def consent_evidence(publication: WidgetPublication, payload: dict, visitor: Visitor, page_url: str) -> dict:
    """The exact consent wording this visitor was shown (looked up by its version), with when/where/who."""
    version = _text(payload, "consentVersion", 40)
    consent = publication.config.get("consent", {})
    if consent.get("version") != version:  # a page opened before the last publish: the wording it showed
        shown = (PublishedConfig.objects.filter(publication=publication, consent_version=version)
                 .order_by("-version").first())
        if shown is None:
            raise IntakeRefused(400, "validation_error",
                                "Текст согласия обновился. Обновите страницу и отправьте снова.",
                                {"consentPersonalData": "Текст согласия обновился. Обновите страницу."})
        consent = shown.config["consent"]
    return {"consent_version": version, "consent_text": consent["personalDataText"],
            "privacy_policy_url": consent["privacyPolicyUrl"], "personal_data": True,
            "marketing": bool(payload.get("consentMarketing")) and consent["marketingEnabled"],
            "ip": visitor.ip, "user_agent": visitor.user_agent[:500], "page_url": page_url}


def refused_politely(tenant: Tenant, exc: entitlements.LimitReached) -> IntakeRefused:
    """Blocked accounts take no leads; over the plan's monthly limit → a polite refusal, admins told once."""
    if isinstance(exc, entitlements.LeadLimitReached):
        plan = plan_of(tenant.client_account)
        _tell_admins_once(tenant, plan.name, plan.leads_per_month, month_of())
    return IntakeRefused(exc.status, exc.code, POLITE_UNAVAILABLE)


def _tell_admins_once(tenant: Tenant, plan_name: str, limit: int | None, month) -> None:
    key = f"lead-limit-notified:{tenant.pk}:{month:%Y-%m}"
    try:
        first = caches["platform"].add(key, 1, timeout=40 * 24 * 3600)
    except REDIS_UNAVAILABLE:  # not knowing whether they were told: the next refusal after the outage tells
        logger.warning("lead_limit_notice_postponed", extra={"tenantId": tenant.slug})
        return
    if not first:
        return
    admins = Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN).select_related("user")
    for membership in admins:
        emails.send("lead_limit", membership.user.email, f"Лимит заявок исчерпан — {tenant.name}",
                    {"user": membership.user, "tenant": tenant, "plan_name": plan_name, "limit": limit,
                     "pricing_url": platform_url("/pricing")})
    logger.warning("lead_limit_reached", extra={"tenantId": tenant.slug})


@dataclass(frozen=True)
class Accepted:
    lead: Lead | None  # None: the honeypot was filled
    messengers: list[dict[str, str]]
    booking_url: str | None


def accept(publication: WidgetPublication, payload: dict, visitor: Visitor) -> Accepted:
    """Create the lead; a filled honeypot gets the same answer and creates nothing (bots learn nothing)."""
    tenant = publication.tenant
    channels = publication.config.get("channels") or [Channel.WEB]
    if _text(payload, "website", 200):
        logger.info("intake_honeypot", extra={"tenantId": tenant.slug})
        return Accepted(None, [], None)
    data = validate(payload, channels)
    consent = consent_evidence(publication, payload, visitor, data["page_url"])
    with tenant_context(tenant):
        try:
            # The lead is counted against the monthly limit in its own transaction: refused → nothing written,
            # not saved → not counted.
            with transaction.atomic():
                entitlements.admit_lead(tenant.client_account)
                lead = create_lead(channel=Channel.WEB, consent=consent, **data)
        except entitlements.LimitReached as exc:
            raise refused_politely(tenant, exc) from None
        logger.info("lead_received", extra={"tenantId": tenant.slug, "leadId": lead.pk})
        # Only this visitor gets the one-time links that tie a messenger chat to the lead («Написать в Telegram»/
        # «MAX», connected bots only), and the prefilled booking page («Выбрать время») with Cal.com connected.
        return Accepted(lead, conversation.messenger_links(lead), booking.booking_link(lead))


def publication_by_key(public_key: str) -> WidgetPublication | None:
    return (
        WidgetPublication.objects.select_related("tenant", "tenant__account")
        .filter(Q(public_key=public_key), tenant__kind=Tenant.Kind.CLIENT)
        .first()
    )
