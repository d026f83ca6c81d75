import threading
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context, schema_exists
from psycopg import sql

from conftest import unique_slug
from shared_apps.accounts.models import Account
from shared_apps.tenancy import pool
from shared_apps.tenancy.models import Domain, PooledSchema, Tenant
from shared_apps.tenancy.services import TEMPLATE_SCHEMA_NAME, ProvisioningError, provision_tenant, schema_name_for
from shared_apps.tenancy.tasks import refill_schema_pool
from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool_of(settings):
    def fill(size: int) -> list[str]:
        settings.TENANT_SCHEMA_POOL_SIZE = size
        pool.refill()
        return list(PooledSchema.objects.order_by("pk").values_list("schema_name", flat=True))

    return fill


@pytest.fixture
def owner_and_account(make_user):
    owner = make_user()
    return owner, Account.objects.create(name="ООО «Запас»", owner=owner)


def test_provisioning_renames_a_pooled_schema_and_the_refill_tops_the_pool_up(
    pool_of, owner_and_account, eager_tasks, django_capture_on_commit_callbacks
):
    first, second = pool_of(2)
    owner, account = owner_and_account
    slug = unique_slug("pooled")

    with django_capture_on_commit_callbacks() as refills:
        tenant = provision_tenant(account=account, owner=owner, name="Из запаса", slug=slug)

    assert tenant.schema_name == schema_name_for(slug)
    assert not schema_exists(first)  # renamed: it is the workspace's schema now
    assert list(PooledSchema.objects.values_list("schema_name", flat=True)) == [second]
    with schema_context(tenant.schema_name):
        Lead.objects.create(name="Пётр", created_at="2026-11-01T10:00:00+03:00")
        assert Lead.objects.count() == 1
    assert pool.migrations_fingerprint(tenant.schema_name) == pool.migrations_fingerprint(TEMPLATE_SCHEMA_NAME)

    for refill in refills:  # the refill queued on commit, run as the worker would
        refill()
    assert PooledSchema.objects.count() == 2
    assert all(schema_exists(name) for name in PooledSchema.objects.values_list("schema_name", flat=True))


def test_an_empty_pool_falls_back_to_cloning_the_template(settings, owner_and_account):
    settings.TENANT_SCHEMA_POOL_SIZE = 2
    assert not PooledSchema.objects.exists()
    owner, account = owner_and_account

    tenant = provision_tenant(account=account, owner=owner, name="Клон", slug=unique_slug("clone"))

    with schema_context(tenant.schema_name):
        assert Lead.objects.create(name="Анна", created_at="2026-11-01T10:00:00+03:00").pk


def test_a_failed_sign_up_leaves_the_pooled_schema_in_the_pool(pool_of, owner_and_account, make_tenant):
    owner, account = owner_and_account
    slug = unique_slug("clash")
    # A stray domain row makes the domain insert fail after the schema was renamed and the tenant row written.
    Domain.objects.create(domain=f"{slug}.localhost", tenant=make_tenant(), is_primary=False)
    [pooled] = pool_of(1)

    with pytest.raises(ProvisioningError):
        provision_tenant(account=account, owner=owner, name="Конфликт", slug=slug)

    assert list(PooledSchema.objects.values_list("schema_name", flat=True)) == [pooled]
    assert schema_exists(pooled)
    assert not schema_exists(schema_name_for(slug))
    assert not Tenant.objects.filter(slug=slug).exists()


def test_a_pooled_schema_made_before_a_migration_is_never_claimed_and_the_refill_replaces_it(
    pool_of, owner_and_account
):
    [stale] = pool_of(1)
    # A migration applied to the template (as migrate_schemas does) after the pooled schema was cloned.
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("INSERT INTO {}.django_migrations (app, name, applied) VALUES "
                               "('leads', '9999_after_the_pool', now())").format(sql.Identifier(TEMPLATE_SCHEMA_NAME)))
    owner, account = owner_and_account

    tenant = provision_tenant(account=account, owner=owner, name="Свежая", slug=unique_slug("fresh"))

    assert schema_exists(stale)  # not claimed: the workspace got a clone of the current template
    assert pool.migrations_fingerprint(tenant.schema_name) == pool.migrations_fingerprint(TEMPLATE_SCHEMA_NAME)
    refill_schema_pool.apply()
    [fresh] = PooledSchema.objects.all()
    assert not schema_exists(stale)
    assert fresh.schema_name != stale
    assert fresh.fingerprint == pool.migrations_fingerprint(TEMPLATE_SCHEMA_NAME)


def test_pooled_schemas_are_not_workspaces(pool_of):
    names = pool_of(2)
    assert not Tenant.objects.filter(schema_name__in=names).exists()
    assert all(name.startswith(pool.SCHEMA_PREFIX) for name in names)


def test_the_pool_off_claims_nothing(pool_of, settings, owner_and_account):
    [pooled] = pool_of(1)
    settings.TENANT_SCHEMA_POOL_SIZE = 0
    owner, account = owner_and_account
    provision_tenant(account=account, owner=owner, name="Без запаса", slug=unique_slug("off"))
    assert schema_exists(pooled)


@pytest.fixture
def no_pool_left_behind() -> Iterator[None]:
    """A transactional test's flush forgets the pool's rows, not its schemas: drop them."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [pool.SCHEMA_PREFIX + "%"])
        for (name,) in cursor.fetchall():
            cursor.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_get_the_same_pooled_schema(pool_of, make_user, no_pool_left_behind):
    pooled = set(pool_of(3))
    people = [make_user() for _ in range(5)]
    accounts = [Account.objects.create(name=f"ООО «Поток {i}»", owner=person) for i, person in enumerate(people)]
    slugs = [unique_slug("rush") for _ in people]
    start = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def sign_up(i: int) -> None:
        try:
            start.wait()
            provision_tenant(account=accounts[i], owner=people[i], name=f"Поток {i}", slug=slugs[i])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Three took the three pooled schemas (each renamed once), two cloned the template.
    assert not PooledSchema.objects.exists()
    assert not any(schema_exists(name) for name in pooled)
    for slug in slugs:
        tenant = Tenant.objects.get(slug=slug)
        with schema_context(tenant.schema_name):
            assert Lead.objects.create(name="Пётр", created_at="2026-11-01T10:00:00+03:00").pk
