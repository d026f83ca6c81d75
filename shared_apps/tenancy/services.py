"""Writes for workspaces: provisioning and the platform's system schemas."""

import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from core import events
from core.errors import InvalidInput
from shared_apps.accounts.models import Account, User
from shared_apps.accounts.services import revoke_workspace_tokens

from . import pool
from .models import Domain, Membership, Tenant
from .signals import tenant_provisioned
from .slugs import slug_base
from .tasks import refill_schema_pool

logger = logging.getLogger(__name__)

TEMPLATE_SCHEMA_NAME = settings.TENANT_BASE_SCHEMA
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "admin", "mail", "smtp", "imap", "pop", "ftp", "static", "media", "cdn",
        "app", "auth", "login", "signup", "billing", "help", "support", "docs", "blog", "status",
        "w", "widget", "public", "template", "tenant-template", "ns1", "ns2", "dev", "test",
    }
)


# The API's names of the model fields a refusal can point at.
API_FIELD_NAMES = {"slug": "subdomain"}


class ProvisioningError(InvalidInput):
    """Provisioning or a workspace change refused. ``by_field`` maps the inputs at fault (model names) to their
    messages; ``field``/``message`` are the first of them; the API envelope uses the API's field names."""

    def __init__(self, message: str, field: str = "slug", *, more: dict[str, str] | None = None) -> None:
        by_field = {field: message, **(more or {})}
        super().__init__(message, fields={API_FIELD_NAMES.get(name, name): text for name, text in by_field.items()})
        self.field = field
        self.by_field = by_field

    @classmethod
    def of(cls, errors: dict[str, str]) -> "ProvisioningError":
        (field, message), *_ = errors.items()
        return cls(message, field, more=errors)


def schema_name_for(slug: str) -> str:
    return "t_" + slug.replace("-", "_")


def validate_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug or ""):
        raise ProvisioningError(
            "Адрес должен быть от 3 до 40 символов: латинские буквы, цифры и дефис; "
            "начинаться с буквы и не заканчиваться дефисом."
        )
    if "--" in slug:
        raise ProvisioningError("Адрес не может содержать два дефиса подряд.")
    if slug in RESERVED_SLUGS:
        raise ProvisioningError("Этот адрес зарезервирован, выберите другой.")


def provision_tenant(*, account: Account, owner: User, name: str, slug: str) -> Tenant:
    """Create a workspace with its schema, domain and owner membership, all or nothing.

    The schema is a ready one from the pool, renamed, or else a clone of the
    template, inside the same transaction as the rows (PostgreSQL DDL is
    transactional), so any failure leaves no tenant row, no domain and no new
    schema behind, and the pooled schema back in the pool.
    """
    name = (name or "").strip()
    if not name:
        raise ProvisioningError("Укажите название рабочего пространства.", field="name")
    slug = (slug or "").strip().lower()
    validate_slug(slug)
    schema_name = schema_name_for(slug)
    if Tenant.objects.filter(slug=slug).exists() or schema_exists(schema_name, case_sensitive=False):
        raise ProvisioningError("Этот адрес уже занят, выберите другой.")

    try:
        with schema_context(get_public_schema_name()), transaction.atomic():
            if pool.claim(schema_name):
                # One made in its place. Not when the pool was empty: a worker busy cloning a whole pool would hold
                # up the sign-up's confirmation e-mail behind it; the scheduled refill tops an empty pool up, and a
                # lost refill costs the next sign-ups a clone at worst.
                transaction.on_commit(lambda: refill_schema_pool.apply_async(retry=False), robust=True)
            else:
                ensure_template_schema()  # cloned from it (Tenant.create_schema)
            tenant = Tenant(schema_name=schema_name, slug=slug, name=name, account=account, kind=Tenant.Kind.CLIENT)
            tenant.save(verbosity=0)
            Domain.objects.create(domain=tenant.primary_host, tenant=tenant, is_primary=True)
            Membership.objects.create(user=owner, tenant=tenant, role=Membership.Role.ADMIN)
            tenant_provisioned.send(sender=Tenant, tenant=tenant)
    except IntegrityError as exc:
        logger.warning("tenant_provisioning_conflict", extra={"schema": schema_name})
        raise ProvisioningError("Этот адрес уже занят, выберите другой.") from exc
    events.emit("tenant_created", tenantId=slug, accountId=account.pk, userId=owner.pk)
    return tenant


def end_removed_members_api_access(sender: type[Membership], instance: Membership, **kwargs) -> None:
    """``post_delete`` of a membership, however it goes (removed from the team, the workspace deleted): the
    person's tokens for that workspace stop working, refresh tokens included."""
    revoke_workspace_tokens(instance.user_id, instance.tenant.slug or "")


def ensure_platform_tenants() -> None:
    """Make sure the public tenant (bare platform domain) and the template exist."""
    public, _ = Tenant.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "Fast Lead", "kind": Tenant.Kind.SYSTEM},
    )
    Domain.objects.filter(tenant=public).exclude(domain=settings.PLATFORM_DOMAIN).delete()
    Domain.objects.get_or_create(domain=settings.PLATFORM_DOMAIN, defaults={"tenant": public, "is_primary": True})
    ensure_template_schema()


def ensure_template_schema() -> Tenant:
    """The template is a registered tenant, so ``migrate_schemas`` keeps it current."""
    template = Tenant.objects.filter(schema_name=TEMPLATE_SCHEMA_NAME).first()
    if template is None:
        template = Tenant(schema_name=TEMPLATE_SCHEMA_NAME, name="Шаблон схемы", kind=Tenant.Kind.SYSTEM)
        template.save(verbosity=0)
    elif not schema_exists(TEMPLATE_SCHEMA_NAME):
        template.create_schema(check_if_exists=True, verbosity=0)
    return template


def free_slug_for(company: str) -> str:
    """The company's transliterated name as a subdomain, with -2, -3… when taken or reserved."""
    base = slug_base(company)
    candidate, number = base, 1
    while True:
        try:
            validate_slug(candidate)
        except ProvisioningError:
            pass
        else:
            if not Tenant.objects.filter(slug=candidate).exists() and not schema_exists(schema_name_for(candidate)):
                return candidate
        number += 1
        candidate = f"{base}-{number}"
