"""One stuck table cannot hold the workers: requests give up in seconds and say so (503), workers and migrations
have their own, longer limits."""

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from conftest import set_plan
from core.celery_signals import use_worker_timeouts
from core.database import session_timeouts
from shared_apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_a_request_connection_has_statement_lock_and_idle_transaction_limits():
    assert show("statement_timeout") == "10s"
    assert show("lock_timeout") == "3s"
    assert show("idle_in_transaction_session_timeout") == "30s"


def test_migrations_have_no_statement_limit_and_the_request_limits_come_back_after():
    with session_timeouts("migration"):
        assert show("statement_timeout") == "0"
        assert show("lock_timeout") == "1min"
    assert show("statement_timeout") == "10s"


def test_celery_processes_get_the_worker_limits():
    options = connection.settings_dict["OPTIONS"]
    before = options["options"]
    try:
        use_worker_timeouts()  # what celeryd_init / beat_init run before the first connection
        assert show("statement_timeout") == "2min"
        assert show("idle_in_transaction_session_timeout") == "10min"
    finally:
        connection.close()
        options["options"] = before


@pytest.fixture
def locked_leads(make_tenant) -> Iterator[Tenant]:
    """Another session holds the workspace's leads table locked (a long migration, a stuck transaction)."""
    tenant = make_tenant(name="Клиника")
    set_plan(tenant, "pro")
    db = settings.DATABASES["default"]
    holder = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"],
                             dbname=db["NAME"])
    holder.execute(sql.SQL("LOCK TABLE {}.leads_lead IN ACCESS EXCLUSIVE MODE").format(
        sql.Identifier(tenant.schema_name)))
    try:
        yield tenant
    finally:
        holder.rollback()
        holder.close()


def test_the_api_answers_503_with_the_envelope_instead_of_waiting(locked_leads, client_for):
    client = client_for(locked_leads, locked_leads.memberships.get().user)
    started = time.monotonic()
    response = client.get("/api/v1/leads")
    waited = time.monotonic() - started
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()["error"]
    assert body["code"] == "service_busy"
    assert body["message"].startswith("Сервис сейчас перегружен")
    assert waited < 6


def test_a_page_answers_a_russian_503_page(locked_leads, client_for):
    client = client_for(locked_leads, locked_leads.memberships.get().user)
    response = client.get("/leads")
    assert response.status_code == 503
    assert "Сервис перегружен" in response.content.decode()


def test_three_stuck_requests_do_not_hold_the_server(locked_leads, client_for):
    """The audit's case: requests on a locked table used to wait 23.5 s each."""
    user = locked_leads.memberships.get().user
    statuses: list[int] = []

    def request() -> None:
        statuses.append(client_for(locked_leads, user).get("/api/v1/leads").status_code)
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=request) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [503, 503, 503]
    assert time.monotonic() - started < 8
