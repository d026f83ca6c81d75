"""A workspace's own settings: name, description, subdomain (moving its host), site domains, time zone."""

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_exists

from core.validation import field_length_error, max_length_of, name_error, one_line

from .models import Domain, Tenant
from .services import ProvisioningError, schema_name_for, validate_slug

HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
TIMEZONES = frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class Availability:
    available: bool
    message: str


def subdomain_availability(slug: str, *, current: Tenant | None = None) -> Availability:
    slug = (slug or "").strip().lower()
    if current is not None and slug == current.slug:
        return Availability(True, "Это текущий адрес.")
    try:
        validate_slug(slug)
    except ProvisioningError as exc:
        return Availability(False, exc.message)
    taken = (
        Tenant.objects.filter(slug=slug).exists()
        or Domain.objects.filter(domain=f"{slug}.{settings.PLATFORM_DOMAIN}").exists()
        or schema_exists(schema_name_for(slug))  # a workspace that moved away keeps its schema name
    )
    if taken:
        return Availability(False, "Этот адрес уже занят, выберите другой.")
    return Availability(True, f"Адрес {slug}.{settings.PLATFORM_DOMAIN} свободен.")


def check_workspace_name(name: str) -> None:
    """``name`` already ``one_line``: it reaches e-mail subjects («Приглашение в «…»»)."""
    if error := name_error(name, max_length_of(Tenant, "name"), "Укажите название рабочего пространства."):
        raise ProvisioningError(error, field="name")


def check_workspace_description(description: str) -> None:
    if too_long := field_length_error(description, Tenant, "description"):
        raise ProvisioningError(too_long, field="description")


def _host_of(text: str) -> str:
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    except ValueError:  # an unclosed "[" is a broken IPv6 literal to urlsplit: not a host, the caller refuses it
        return text
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


T = TypeVar("T")
R = TypeVar("R")


def normalize_site_domains(domains: list[str]) -> list[str]:
    """The sites' host names as a browser's Origin names them: a pasted address loses its scheme, path and port,
    a Cyrillic domain (цветы.рф) becomes its punycode (xn--...)."""
    cleaned = []
    for raw in domains:
        domain = _host_of((raw or "").strip().lower())
        if not domain:
            continue
        if not HOSTNAME.match(domain):
            raise ProvisioningError(f"«{raw}» не похоже на домен сайта (пример: romashka.ru).", field="siteDomains")
        if domain not in cleaned:
            cleaned.append(domain)
    if len(cleaned) > 20:
        raise ProvisioningError("Можно указать не больше 20 доменов.", field="siteDomains")
    return cleaned


def update_workspace(tenant: Tenant, *, name: str | None = None, description: str | None = None,
                     slug: str | None = None, site_domains: list[str] | None = None, timezone: str | None = None,
                     settings_data: dict | None = None) -> Tenant:
    """Change what was given; a new subdomain moves the workspace's host (its schema stays)."""
    domains = _checked(name, description, slug, site_domains, timezone)
    changed = []
    if name is not None:
        tenant.name = one_line(name)
        changed.append("name")
    if description is not None:
        tenant.description = description.strip()
        changed.append("description")
    if timezone is not None:
        tenant.timezone = timezone
        changed.append("timezone")
    if site_domains is not None:
        tenant.site_domains = domains
        changed.append("site_domains")
    if settings_data is not None:
        tenant.settings = settings_data
        changed.append("settings")
    with transaction.atomic():
        if slug is not None and slug.strip().lower() != tenant.slug:
            _move_subdomain(tenant, slug.strip().lower())
            changed.append("slug")
        if changed:
            tenant.save(update_fields=changed)
    return tenant


def _checked(name: str | None, description: str | None, slug: str | None, site_domains: list[str] | None,
             timezone: str | None) -> list[str]:
    """Every problem of the form at once, not one per attempt; returns the site domains normalized."""
    errors: dict[str, str] = {}
    if name is not None:
        _collect(errors, check_workspace_name, one_line(name))
    if description is not None:
        _collect(errors, check_workspace_description, description.strip())
    domains = _collect(errors, normalize_site_domains, site_domains) if site_domains is not None else None
    if slug is not None and not slug.strip():
        errors["slug"] = "Укажите адрес кабинета."
    if timezone is not None and timezone not in TIMEZONES:
        errors["timezone"] = "Выберите часовой пояс из списка."
    if errors:
        raise ProvisioningError.of(errors)
    return domains or []


def _collect(errors: dict[str, str], check: Callable[[T], R], value: T) -> R | None:
    try:
        return check(value)
    except ProvisioningError as exc:
        errors.update(exc.by_field)
        return None


def _move_subdomain(tenant: Tenant, slug: str) -> None:
    availability = subdomain_availability(slug, current=tenant)
    if not availability.available:
        raise ProvisioningError(availability.message)
    tenant.slug = slug
    Domain.objects.filter(tenant=tenant, is_primary=True).update(domain=tenant.primary_host)
