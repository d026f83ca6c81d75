"""A slow analytics query is cancelled by the database at analytics' own limit: the page stays up with a Russian
notice, the API answers 503. Real: another session holds a lock on the day sums, nothing of ours is patched."""

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from .conftest import PERIOD, arrive, at


@pytest.fixture
def other_session():
    """A second database session (another request, a migration) that holds a table lock for the test's length."""
    db = connection.settings_dict
    session = psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"],
                              password=db["PASSWORD"], dbname=db["NAME"])
    yield session
    session.rollback()
    session.close()


@pytest.mark.django_db(transaction=True)
def test_a_query_past_its_limit_leaves_the_page_up_with_a_notice(make_tenant, client_for, settings, other_session):
    tenant = make_tenant()
    with tenant_context(tenant):
        arrive(at(10, 9))
    client = client_for(tenant, tenant.memberships.get().user)
    settings.ANALYTICS_STATEMENT_TIMEOUT_MS = 300

    other_session.execute(f'LOCK TABLE "{tenant.schema_name}".analytics_dailystat IN ACCESS EXCLUSIVE MODE')
    page = client.get(f"/analytics?{PERIOD}")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="analytics-unavailable"' in body
    assert "Аналитика сейчас не отвечает" in body
    assert 'id="analytics-data"' not in body
    assert "Аналитика" in body
    api = client.get(f"/api/v1/analytics/dashboard?{PERIOD}")
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "analytics_unavailable"
    assert api["Retry-After"] == "5"

    other_session.rollback()  # the lock is gone: the figures are back
    page = client.get(f"/analytics?{PERIOD}").content.decode()
    assert 'id="analytics-unavailable"' not in page
    assert 'id="analytics-data"' in page
