"""Our ``migrate_schemas``: one look at every schema's history, only the missing migrations applied, each schema in
its own transaction. The scenarios unapply the newest migration of the leads app with the stock command's own
machinery (a target migration goes the standard way), so the real migration graph is what gets applied again."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_exists
from psycopg import sql

from shared_apps.tenancy import pool
from shared_apps.tenancy.models import PooledSchema
from shared_apps.tenancy.services import TEMPLATE_SCHEMA_NAME
from shared_apps.tenancy.tests.test_provisioning import _structure

pytestmark = pytest.mark.django_db


def newest_leads_migration() -> tuple[str, str]:
    """The leads app's leaf and the migration before it; the leaf must be reversible for the scenario."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    [leaf] = [key for key in graph.leaf_nodes() if key[0] == "leads"]
    migration = graph.nodes[leaf]
    assert all(operation.reversible for operation in migration.operations)
    [previous] = [parent for parent in graph.node_map[leaf].parents if parent.key[0] == "leads"]
    return leaf[1], previous.key[1]


def migrate(*args: str, **options) -> str:
    out = StringIO()
    call_command("migrate_schemas", *args, stdout=out, stderr=out, verbosity=1, **options)
    return out.getvalue()


def history(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT app, name FROM {}.django_migrations").format(sql.Identifier(schema)))
        return set(cursor.fetchall())


def test_nothing_to_apply_runs_no_migration_and_its_queries_do_not_grow_with_the_schemas(make_tenant):
    make_tenant()
    with CaptureQueriesContext(connection) as few:
        output = migrate()
    assert "обновлены 0, обычным путём 0, с ошибкой 0" in output
    assert "применены" not in output
    make_tenant()
    make_tenant()
    with CaptureQueriesContext(connection) as more:
        output = migrate()
    assert "обновлены 0" in output
    assert len(more) == len(few)
    assert not [query for query in more.captured_queries if query["sql"].lstrip().upper().startswith("ALTER")]


def test_a_schema_missing_the_newest_migration_gets_it_and_only_it(make_tenant):
    behind, current = make_tenant(), make_tenant()
    leaf, previous = newest_leads_migration()
    migrate("leads", previous, schema_name=behind.schema_name)  # the stock command unapplies it in one schema
    assert ("leads", leaf) not in history(behind.schema_name)

    output = migrate()

    assert f"[{behind.schema_name}] применены: leads.{leaf}" in output
    assert current.schema_name not in output
    assert "обновлены 1," in output
    assert _structure(behind.schema_name) == _structure(current.schema_name)
    assert history(behind.schema_name) == history(current.schema_name)


def test_a_change_missing_everywhere_is_applied_to_every_schema_and_outdates_the_pool(make_tenant, settings):
    tenants = [make_tenant(), make_tenant()]
    leaf, previous = newest_leads_migration()
    migrate("leads", previous, tenant=True)  # every tenant schema, the template included, one migration back
    before = _structure(TEMPLATE_SCHEMA_NAME)
    settings.TENANT_SCHEMA_POOL_SIZE = 1
    pool.refill()
    [pooled] = PooledSchema.objects.values_list("schema_name", flat=True)  # a clone of the template as it is now

    output = migrate()

    for schema in [TEMPLATE_SCHEMA_NAME] + [tenant.schema_name for tenant in tenants]:
        assert f"[{schema}] применены: leads.{leaf}" in output
        assert ("leads", leaf) in history(schema)
    assert _structure(TEMPLATE_SCHEMA_NAME) != before
    assert _structure(tenants[0].schema_name) == _structure(TEMPLATE_SCHEMA_NAME)
    assert pooled not in output  # not a workspace: not migrated, but dropped as outdated
    assert not PooledSchema.objects.exists()
    assert not schema_exists(pooled)


def test_a_failing_schema_is_named_left_unchanged_and_does_not_stop_the_others(make_tenant):
    broken, fine = make_tenant(), make_tenant()
    leaf, previous = newest_leads_migration()
    for tenant in (broken, fine):
        migrate("leads", previous, schema_name=tenant.schema_name)
    with connection.cursor() as cursor:  # its history refuses the record: the operations must be undone too
        cursor.execute(sql.SQL("ALTER TABLE {}.django_migrations ADD CONSTRAINT refuse CHECK (name <> {})").format(
            sql.Identifier(broken.schema_name), sql.Literal(leaf)))
    unmigrated = _structure(broken.schema_name)

    with pytest.raises(CommandError, match=broken.schema_name):
        migrate()

    assert ("leads", leaf) in history(fine.schema_name)
    assert ("leads", leaf) not in history(broken.schema_name)
    assert _structure(broken.schema_name) == unmigrated
