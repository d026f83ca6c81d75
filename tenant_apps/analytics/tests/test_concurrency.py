"""Changes of many leads of one day at once, with a rebuild running among them: the sums end as a rebuild from the
leads says, nothing lost or counted twice (real threads, real sessions, real row and table locks)."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from tenant_apps.leads import services
from tenant_apps.leads.models import Lead

from .conftest import arrive, at, contact
from .test_figures import _snapshot


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_and_a_rebuild_end_where_a_rebuild_says(make_tenant):
    tenant = make_tenant()
    with tenant_context(tenant):
        leads = [arrive(at(10, 9, minute), channel="web" if minute % 2 else "telegram") for minute in range(12)]
    errors: list[BaseException] = []
    start = threading.Barrier(5)

    def work(mine: list[Lead]) -> None:
        try:
            with tenant_context(tenant):
                start.wait()
                for lead in mine:
                    contact(lead, 60 + lead.pk)
                    services.change_status(lead.pk, Lead.Status.BOOKED, None)
                    services.change_status(lead.pk, Lead.Status.LOST, None, lost_reason=Lead.LostReason.PRICE)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def rebuild() -> None:
        try:
            with tenant_context(tenant):
                start.wait()
                call_command("rebuild_analytics", schema=tenant.schema_name, stdout=open("/dev/null", "w"))  # noqa: SIM115
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(leads[i::4],)) for i in range(4)]
    threads.append(threading.Thread(target=rebuild))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with tenant_context(tenant):
        incremental = _snapshot()
        call_command("rebuild_analytics", schema=tenant.schema_name, stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert _snapshot() == incremental
        day = [row for row in incremental[0] if row[0] == "all"]
        assert [row[3:] for row in day] == [(12, 12, 0, 12)]
