"""Creating and editing workspaces on behalf of a user: limits, subdomain changes, site domains."""

import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_exists

from billing import limits
from billing.services import start_trial
from core.validation import field_length_error
from shared_apps.accounts.models import Account, User

from .models import Domain, Tenant
from .services import ProvisioningError, free_slug_for, provision_tenant, schema_name_for, validate_slug

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


def _owned_account(user: User, company: str) -> Account:
    account = Account.objects.filter(owner=user).order_by("pk").first()
    if account is None:  # a user who so far only joined others' workspaces becomes a customer
        account = Account.objects.create(name=company, owner=user)
        start_trial(account)
    return account


def check_can_create(user: User, account: Account) -> None:
    owned = Tenant.objects.filter(account__owner=user, kind=Tenant.Kind.CLIENT).count()
    limits.check_new_tenant(account, owned)


def _check_name(name: str) -> None:
    if not name:
        raise ProvisioningError("Укажите название рабочего пространства.", field="name")
    if too_long := field_length_error(name, Tenant, "name"):
        raise ProvisioningError(too_long, field="name")


def _check_description(description: str) -> None:
    if too_long := field_length_error(description, Tenant, "description"):
        raise ProvisioningError(too_long, field="description")


def create_workspace(user: User, *, name: str, slug: str | None = None, description: str = "",
                     timezone: str = "Europe/Moscow") -> Tenant:
    name = (name or "").strip()
    _check_name(name)
    _check_description(description.strip())
    if timezone not in TIMEZONES:
        raise ProvisioningError("Выберите часовой пояс из списка.", field="timezone")
    with transaction.atomic():
        account = _owned_account(user, name)
        check_can_create(user, account)
        tenant = provision_tenant(account=account, owner=user, name=name, slug=slug or free_slug_for(name))
        tenant.description = description.strip()
        tenant.timezone = timezone
        tenant.save(update_fields=["description", "timezone"])
    return tenant


def normalize_site_domains(domains: list[str]) -> list[str]:
    cleaned = []
    for raw in domains:
        domain = (raw or "").strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
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
    changed = []
    if name is not None:
        _check_name(name.strip())
    if description is not None:
        _check_description(description.strip())
    if slug is not None and not slug.strip():
        raise ProvisioningError("Укажите адрес кабинета.")
    if name is not None:
        tenant.name = name.strip()
        changed.append("name")
    if description is not None:
        tenant.description = description.strip()
        changed.append("description")
    if timezone is not None:
        if timezone not in TIMEZONES:
            raise ProvisioningError("Выберите часовой пояс из списка.", field="timezone")
        tenant.timezone = timezone
        changed.append("timezone")
    if site_domains is not None:
        tenant.site_domains = normalize_site_domains(site_domains)
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


def _move_subdomain(tenant: Tenant, slug: str) -> None:
    availability = subdomain_availability(slug, current=tenant)
    if not availability.available:
        raise ProvisioningError(availability.message)
    tenant.slug = slug
    Domain.objects.filter(tenant=tenant, is_primary=True).update(domain=tenant.primary_host)
