"""The lead_created task runs in a real Celery worker, in the lead's schema, with the request's id."""

import time

import pytest
from django_tenants.utils import tenant_context

from conftest import unique_slug
from core.context import request_id_var
from core.tasks import HEARTBEAT_KEY, heartbeat
from shared_apps.accounts.models import Account, User
from shared_apps.tenancy.services import provision_tenant
from tenant_apps.leads.models import LeadEvent
from tenant_apps.leads.services import create_lead

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return predicate()


def test_lead_created_runs_in_the_tenant_schema_with_the_request_id(celery_worker_process):
    owner = User.objects.create_user(f"{unique_slug()}@example.ru")
    account = Account.objects.create(name="Воркер", owner=owner)
    tenant = provision_tenant(account=account, owner=owner, name="Воркер", slug=unique_slug("celery"))
    other = provision_tenant(account=account, owner=owner, name="Сосед", slug=unique_slug("celery"))

    token = request_id_var.set("req-celery-1")
    try:
        with tenant_context(tenant):
            lead = create_lead(name="Ирина", phone="+79990001122")
    finally:
        request_id_var.reset(token)

    def queued_event():
        with tenant_context(tenant):
            return LeadEvent.objects.filter(lead_id=lead.pk, kind=LeadEvent.Kind.QUEUED).first()

    event = wait_for(queued_event)
    assert event is not None, "the worker never processed lead_created"
    assert event.request_id == "req-celery-1"
    with tenant_context(other):
        assert not LeadEvent.objects.exists()


def test_heartbeat_from_the_worker_shows_on_healthz(celery_worker_process, client):
    from django.core.cache import caches

    caches["platform"].delete(HEARTBEAT_KEY)
    heartbeat.delay()
    assert wait_for(lambda: caches["platform"].get(HEARTBEAT_KEY) is not None)
    body = client.get("/healthz", HTTP_HOST="localhost").json()
    assert 0 <= body["workerLastSeenSeconds"] < 30
