"""Without ``DATABASE_REPLICA_URL`` the replica's block reads from ``default``: analytics and exports work as before."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, router
from django_tenants.utils import tenant_context

from core.db_router import has_replica, read_connection, reading_from_replica
from tenant_apps.analytics import selectors
from tenant_apps.leads import exports, services
from tenant_apps.leads.models import Lead


@pytest.mark.django_db
def test_without_a_replica_the_block_reads_from_default(make_tenant):
    assert not has_replica()
    tenant = make_tenant()
    created = datetime(2026, 3, 10, 9, tzinfo=UTC)
    with tenant_context(tenant):
        with time_machine.travel(created, tick=False):
            lead = services.create_lead(name="Клиент", phone="+79161234567")
        with reading_from_replica():
            assert router.db_for_read(Lead) == DEFAULT_DB_ALIAS
            assert read_connection().alias == DEFAULT_DB_ALIAS
            assert Lead.objects.get(pk=lead.pk)._state.db == DEFAULT_DB_ALIAS
        with selectors.bounded():
            found = selectors.dashboard(selectors.Period(created.date(), created.date()))
        lines = "".join(exports.csv_lines(Lead.objects.all(), unmasked=True, time_zone="UTC"))
    assert found.current.leads == 1
    assert "Клиент" in lines
