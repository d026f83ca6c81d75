"""The read replica: reads go there only inside ``reading_from_replica()``, in the request's workspace; writes never.

The module adds the alias as ``DATABASE_REPLICA_URL`` does, a TEST MIRROR of the default test database (a real
standby is a copy of the primary): a separate connection, so data it reads must be committed first. Without a
replica: test_db_router_without_replica.py.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from core.db_router import REPLICA, read_alias, read_connection, reading_from_replica
from tenant_apps.analytics import selectors
from tenant_apps.leads import exports, services
from tenant_apps.leads.models import Lead


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup) -> Iterator[None]:
    """Before any test case of the module is set up (module scope comes first): Django checks its ``databases``."""
    mirror = {**connections[DEFAULT_DB_ALIAS].settings_dict, "TEST": {"MIRROR": DEFAULT_DB_ALIAS}}
    connections.settings[REPLICA] = {**mirror, "OPTIONS": dict(mirror["OPTIONS"])}
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica() -> BaseDatabaseWrapper:
    return connections[REPLICA]


def search_path(wrapper: BaseDatabaseWrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)")
        return cursor.fetchone()[0]


def selects(captured: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT") and table in q["sql"]]


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_the_router_picks_the_replica_only_inside_the_block(replica):
    assert router.db_for_read(Lead) == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert router.db_for_read(Lead) == REPLICA
        assert Lead.objects.all().db == REPLICA
        assert router.db_for_write(Lead) == DEFAULT_DB_ALIAS
        assert read_connection() is replica
        with reading_from_replica():
            assert read_alias() == REPLICA
        assert read_alias() == REPLICA  # the inner block's end does not end the outer one
    assert router.db_for_read(Lead) == DEFAULT_DB_ALIAS
    assert Lead.objects.all().db == DEFAULT_DB_ALIAS
    assert read_connection().alias == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_writes_inside_the_block_go_to_default_and_an_object_read_on_the_replica_is_saved_there_too(
        replica, make_tenant):
    tenant = make_tenant()
    with tenant_context(tenant):
        with reading_from_replica(), CaptureQueriesContext(replica) as on_replica:
            lead = Lead.objects.create(name="Клиент", phone="+79161234567", created_at=timezone.now())
            again = Lead.objects.get(pk=lead.pk)  # committed (autocommit): the copy reads it
            assert again._state.db == REPLICA
            again.name = "Клиент Иванов"
            again.save(update_fields=["name"])
        assert [q["sql"] for q in on_replica.captured_queries if not q["sql"].startswith(("SELECT", "SET"))] == []
        assert selects(on_replica, "leads_lead")
        # A read after a write outside the block is the primary's: the request sees its own write at once.
        with CaptureQueriesContext(replica) as after:
            assert Lead.objects.get(pk=lead.pk).name == "Клиент Иванов"
        assert after.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_the_replica_reads_in_the_workspace_the_default_connection_is_in(replica, make_tenant):
    first, second = make_tenant(), make_tenant()
    with tenant_context(first):
        Lead.objects.create(name="Первый", phone="+79160000001", created_at=timezone.now())
    with tenant_context(second):
        Lead.objects.create(name="Второй", phone="+79160000002", created_at=timezone.now())
    # Alternating workspaces on one persistent replica connection (TENANT_LIMIT_SET_CALLS caches the path).
    for tenant, name in ((first, "Первый"), (second, "Второй"), (first, "Первый")):
        with tenant_context(tenant), reading_from_replica():
            assert search_path(replica) == [tenant.schema_name, "public"]
            assert list(Lead.objects.values_list("name", flat=True)) == [name]
    connection.set_schema_to_public()
    with reading_from_replica():
        assert search_path(replica) == ["public"]


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_analytics_and_the_export_read_on_the_replica(replica, make_tenant):
    tenant = make_tenant()
    created = datetime(2026, 3, 10, 9, tzinfo=UTC)
    with tenant_context(tenant):
        for n in range(3):
            with time_machine.travel(created + timedelta(minutes=n), tick=False):
                services.create_lead(name=f"Клиент {n}", phone=f"+7916000{n:04d}")
        with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_default:
            with selectors.bounded():
                found = selectors.dashboard(selectors.Period(created.date(), created.date()))
            lines = "".join(exports.csv_lines(Lead.objects.order_by("pk"), unmasked=True, time_zone="Europe/Moscow"))
    assert selects(on_replica, "analytics_dailystat")
    assert selects(on_replica, "analytics_leadfact")
    assert selects(on_replica, "leads_lead")
    assert any("statement_timeout" in q["sql"] for q in on_replica.captured_queries)  # the export's longer limit
    assert not selects(on_default, "analytics_")
    assert not selects(on_default, "leads_lead")
    assert found.current.leads == 3
    assert "Клиент 2" in lines


SETTINGS_PROBE = ("import json, django; django.setup(); from django.conf import settings as s; "
                  "print(json.dumps({'aliases': sorted(s.DATABASES), 'replica': s.DATABASES.get('replica'), "
                  "'routers': s.DATABASE_ROUTERS}))")


@pytest.mark.parametrize("url", ["", "postgres://reader:secret@standby.internal:6432/fastlead"])
def test_database_replica_url_adds_the_replica_alias(url):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_REPLICA_URL": url}
    done = subprocess.run([sys.executable, "-c", SETTINGS_PROBE], env=env, capture_output=True, text=True,
                          cwd=settings.BASE_DIR, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["routers"][0] == "core.db_router.ReadReplicaRouter"
    if not url:
        assert found["aliases"] == ["default"]
        return
    assert found["aliases"] == ["default", "replica"]
    replica = found["replica"]
    # django-tenants' backend sets the search_path; in tests the alias is the default test database.
    assert replica["ENGINE"] == "django_tenants.postgresql_backend"
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == (
        "standby.internal", "6432", "reader", "fastlead")
    assert replica["TEST"]["MIRROR"] == "default"
