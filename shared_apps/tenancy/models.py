from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from shared_apps.tenancy import timezones
from shared_apps.tenancy.clone import clone_template_schema

if TYPE_CHECKING:
    from shared_apps.accounts.models import Account


RETENTION_MONTHS = (1, 120)  # the bounds of a workspace's retention of leads' personal data


class Tenant(TenantMixin):
    """A workspace: one company or project with its own schema and subdomain.

    Two system rows exist besides the clients' workspaces: ``public`` (the
    platform's own schema, served on the bare platform domain) and the
    template schema new workspaces are cloned from.
    """

    class Kind(models.TextChoices):
        CLIENT = "client", "Рабочее пространство клиента"
        SYSTEM = "system", "Системная схема"

    name = models.CharField("название", max_length=200)
    slug = models.SlugField("поддомен", max_length=40, unique=True, null=True, blank=True)
    kind = models.CharField("тип", max_length=10, choices=Kind.choices, default=Kind.CLIENT)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="tenants",
        null=True,
        blank=True,
        verbose_name="аккаунт",
    )
    description = models.TextField("описание", max_length=1000, blank=True)
    site_domains = models.JSONField("домены сайтов", default=list, blank=True)
    settings = models.JSONField("настройки", default=dict, blank=True)
    timezone = models.CharField("часовой пояс", max_length=64, default="Europe/Moscow")
    # 152-FZ: leads' personal data is erased this many months after arrival (leads.privacy); null keeps it forever.
    personal_data_retention_months = models.PositiveSmallIntegerField(
        "хранить персональные данные лидов, месяцев", null=True, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = "рабочее пространство"
        verbose_name_plural = "рабочие пространства"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="system") | (models.Q(account__isnull=False) & models.Q(slug__isnull=False)),
                name="client_tenant_has_account_and_slug",
            ),
            models.CheckConstraint(
                condition=models.Q(personal_data_retention_months__isnull=True)
                | models.Q(personal_data_retention_months__range=RETENTION_MONTHS),
                name="tenant_retention_months_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1) -> None:
        """Clone the template schema when it exists, else replay the migrations.

        The clone copies the template's ``django_migrations`` rows too, so the
        extra "fake" migrate run django-tenants would do after cloning (about a
        third of a second of loading the migration graph) is skipped.
        """
        if check_if_exists and schema_exists(self.schema_name):  # a schema claimed from the pool (tenancy.pool)
            return
        base = self.get_base_schema()
        if sync_schema and base and base != self.schema_name and schema_exists(base):
            clone_template_schema(base, self.schema_name)
            return
        super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity)

    @property
    def is_client(self) -> bool:
        return self.kind == self.Kind.CLIENT

    @property
    def client_account(self) -> "Account":
        """The account a client's workspace belongs to (the database requires one); system schemas have none."""
        if self.account is None:
            raise self._no_account()
        return self.account

    @property
    def client_account_id(self) -> int:
        """:attr:`client_account`'s id, without reading the account."""
        if self.account_id is None:
            raise self._no_account()
        return self.account_id

    def _no_account(self) -> LookupError:
        return LookupError(f"{self.schema_name} is a system schema: it belongs to no account")

    @property
    def timezone_label(self) -> str:
        """The time zone as people read it: «Москва (UTC+3)»."""
        return timezones.timezone_label(self.timezone)

    @property
    def primary_host(self) -> str:
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    @property
    def url(self) -> str:
        port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
        return f"{settings.PLATFORM_SCHEME}://{self.primary_host}{port}/"


class Domain(DomainMixin):
    class Meta:
        verbose_name = "домен"
        verbose_name_plural = "домены"


class Membership(models.Model):
    """The per-user index of workspaces: who may enter which tenant, and as whom."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Администратор"
        OPERATOR = "operator", "Оператор"
        ANALYST = "analyst", "Аналитик"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("роль", max_length=16, choices=Role.choices, default=Role.OPERATOR)
    created_at = models.DateTimeField("добавлен", auto_now_add=True)

    class Meta:
        verbose_name = "участник"
        verbose_name_plural = "участники"
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} → {self.tenant} ({self.role})"


class Invitation(models.Model):
    """An invitation to join a workspace with a role. Kept in the public schema: the invitee opens the
    link on the public host, before any workspace is chosen. Only the token's SHA-256 is stored."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail")
    role = models.CharField("роль", max_length=16, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField("действует до")
    accepted_at = models.DateTimeField("принято", null=True, blank=True)
    revoked_at = models.DateTimeField("отозвано", null=True, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)

    # Not stored (only its hash is): the link's secret, set on an invitation just sent or resent.
    raw_token: str

    class Meta:
        verbose_name = "приглашение"
        verbose_name_plural = "приглашения"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.tenant} ({self.role})"


class PooledSchema(models.Model):
    """A ready workspace schema (a clone of the template) waiting for a sign-up to rename it (tenancy.pool).
    Not a tenant: nothing that lists workspaces sees it."""

    schema_name = models.CharField(max_length=63, unique=True)
    # The template's migrations when it was cloned (pool.migrations_fingerprint): only a current one is claimed.
    fingerprint = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "схема в запасе"
        verbose_name_plural = "схемы в запасе"

    def __str__(self) -> str:
        return self.schema_name
