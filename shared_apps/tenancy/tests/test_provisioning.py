import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from conftest import unique_slug
from shared_apps.accounts.models import Account
from shared_apps.tenancy.clone import UnsupportedTemplateObject
from shared_apps.tenancy.models import Domain, Membership, Tenant
from shared_apps.tenancy.services import (
    TEMPLATE_SCHEMA_NAME,
    ProvisioningError,
    provision_tenant,
    schema_name_for,
)
from tenant_apps.leads.models import Lead
from widget_cdn.models import WidgetPublication

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_and_account(make_user):
    owner = make_user()
    return owner, Account.objects.create(name="ООО «Ромашка»", owner=owner)


def assert_nothing_left(slug: str) -> None:
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain__startswith=f"{slug}.").exclude(tenant__slug__isnull=True).exists()
    assert not Membership.objects.filter(tenant__slug=slug).exists()
    assert not WidgetPublication.objects.filter(tenant__slug=slug).exists()
    assert not schema_exists(schema_name_for(slug))


def test_provisioning_creates_schema_domain_owner_and_widget(owner_and_account):
    owner, account = owner_and_account
    slug = unique_slug("acme")

    tenant = provision_tenant(account=account, owner=owner, name="Акме", slug=slug)

    assert tenant.schema_name == schema_name_for(slug)
    assert schema_exists(tenant.schema_name)
    assert tenant.domains.get().domain == f"{slug}.localhost"
    assert Membership.objects.get(tenant=tenant).role == Membership.Role.ADMIN
    assert WidgetPublication.objects.get(tenant=tenant).config["texts"]["title"] == "Акме"
    with schema_context(tenant.schema_name):
        Lead.objects.create(name="Пётр", created_at="2026-11-01T10:00:00+03:00")
        assert Lead.objects.count() == 1


def _structure(schema: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
               FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2""",
            [schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype FROM pg_constraint WHERE connamespace = %s::regnamespace ORDER BY 1", [schema]
        )
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s ORDER BY 1", [schema])
        indexes = cursor.fetchall()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        migrations = cursor.fetchall()
    return {"columns": columns, "constraints": constraints, "indexes": indexes, "migrations": migrations}


def test_clone_equals_a_schema_built_by_migrations(owner_and_account, settings):
    owner, account = owner_and_account
    cloned = provision_tenant(account=account, owner=owner, name="Клон", slug=unique_slug("clone"))
    settings.TENANT_CREATION_FAKES_MIGRATIONS = False
    settings.TENANT_BASE_SCHEMA = None
    migrated = provision_tenant(account=account, owner=owner, name="Миграции", slug=unique_slug("migr"))

    assert _structure(cloned.schema_name) == _structure(migrated.schema_name)
    assert _structure(cloned.schema_name)["migrations"], "the clone must carry the migration history"


def test_cloned_identity_sequences_continue_after_copied_rows(owner_and_account):
    owner, account = owner_and_account
    tenant = provision_tenant(account=account, owner=owner, name="Seq", slug=unique_slug("seq"))
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{tenant.schema_name}".django_migrations (app, name, applied) '
            "VALUES ('probe', 'probe', now()) RETURNING id"
        )
        new_id = cursor.fetchone()[0]
        cursor.execute(f'SELECT max(id) FROM "{tenant.schema_name}".django_migrations WHERE app <> %s', ["probe"])
        assert new_id > cursor.fetchone()[0]


def test_failure_after_schema_creation_leaves_nothing_behind(owner_and_account, make_tenant):
    owner, account = owner_and_account
    slug = unique_slug("clash")
    # A stray domain row makes the domain insert fail *after* the tenant row and its schema exist.
    other = make_tenant()
    Domain.objects.create(domain=f"{slug}.localhost", tenant=other, is_primary=False)

    with pytest.raises(ProvisioningError) as error:
        provision_tenant(account=account, owner=owner, name="Конфликт", slug=slug)

    assert error.value.message == "Этот адрес уже занят, выберите другой."
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not schema_exists(schema_name_for(slug))
    assert not Membership.objects.filter(tenant__slug=slug).exists()
    assert not WidgetPublication.objects.filter(tenant__slug=slug).exists()


def test_failure_inside_the_clone_leaves_nothing_behind(owner_and_account):
    owner, account = owner_and_account
    slug = unique_slug("view")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE VIEW "{TEMPLATE_SCHEMA_NAME}".stray AS SELECT 1 AS one')

    with pytest.raises(UnsupportedTemplateObject, match="relation stray"):
        provision_tenant(account=account, owner=owner, name="Вид", slug=slug)

    assert_nothing_left(slug)


def test_an_existing_schema_without_a_tenant_is_never_adopted(owner_and_account):
    owner, account = owner_and_account
    slug = unique_slug("orphan")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name_for(slug)}"')
        cursor.execute(f'CREATE TABLE "{schema_name_for(slug)}".secret (id int)')

    with pytest.raises(ProvisioningError, match="уже занят"):
        provision_tenant(account=account, owner=owner, name="Сирота", slug=slug)

    assert not Tenant.objects.filter(slug=slug).exists()
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema_name_for(slug)}".secret')  # the stray schema is untouched
        assert cursor.fetchone() == (0,)


def test_taken_slug_is_refused(owner_and_account, make_tenant):
    owner, account = owner_and_account
    taken = make_tenant()
    with pytest.raises(ProvisioningError, match="уже занят"):
        provision_tenant(account=account, owner=owner, name="Дубль", slug=taken.slug)
    assert Tenant.objects.filter(slug=taken.slug).count() == 1


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "от 3 до 40 символов"),
        ("Моя-фирма", "латинские буквы"),
        ("1abc", "начинаться с буквы"),
        ("abc-", "не заканчиваться дефисом"),
        ("my_firm", "латинские буквы"),
        ("a--b", "два дефиса"),
        ("www", "зарезервирован"),
        ("admin", "зарезервирован"),
        ("a" * 41, "от 3 до 40 символов"),
    ],
)
def test_invalid_slugs_get_a_russian_reason(owner_and_account, slug, message):
    owner, account = owner_and_account
    with pytest.raises(ProvisioningError) as error:
        provision_tenant(account=account, owner=owner, name="Фирма", slug=slug)
    assert message in error.value.message
    assert error.value.field == "slug"


def test_empty_name_is_refused(owner_and_account):
    owner, account = owner_and_account
    with pytest.raises(ProvisioningError) as error:
        provision_tenant(account=account, owner=owner, name="   ", slug=unique_slug())
    assert error.value.field == "name"


def test_migrate_schemas_runs_on_existing_tenants_and_the_template(make_tenant):
    tenant = make_tenant()
    call_command("migrate_schemas", verbosity=0)
    assert _structure(tenant.schema_name)["migrations"] == _structure(TEMPLATE_SCHEMA_NAME)["migrations"]
    assert Tenant.objects.filter(schema_name=TEMPLATE_SCHEMA_NAME, kind=Tenant.Kind.SYSTEM).exists()
