"""End to end with a real Celery worker: a lead → the greeting accepted by the sandbox's Twilio → contacted."""

import time

import pytest
from django_tenants.utils import tenant_context

from config.celery import app as celery_app
from dev.channel_sandbox import DEFAULT_TWILIO
from tenant_apps.channels import services
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import create_lead

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_env(channel_sandbox) -> dict[str, str]:
    # The worker queues the greeting's delivery itself: on this test's queue, not the default one.
    return {"TWILIO_API_URL": f"{channel_sandbox.base_url}/twilio", "SMS_AT_NIGHT": "true",
            "CELERY_TASK_DEFAULT_QUEUE": celery_app.conf.task_default_queue}


def test_a_real_worker_greets_a_new_lead_by_sms(make_tenant, channel_sandbox, celery_worker_process):
    tenant = make_tenant(name="Воркер")
    with tenant_context(tenant):
        services.connect("twilio", dict(zip(("accountSid", "authToken", "fromNumber"), DEFAULT_TWILIO, strict=True)),
                         actor=None)
        lead = create_lead(name="Ирина", phone="+79990001122")

    deadline = time.monotonic() + 30
    while not channel_sandbox.messages("twilio") and time.monotonic() < deadline:
        time.sleep(0.1)
    sent = channel_sandbox.messages("twilio")
    assert [message["to"] for message in sent] == ["+79990001122"]
    assert "«Воркер»" in sent[0]["text"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            lead = Lead.objects.get(pk=lead.pk)
            if lead.status == Lead.Status.CONTACTED:
                break
        time.sleep(0.1)
    assert lead.status == Lead.Status.CONTACTED
    assert lead.first_contact_at is not None
    with tenant_context(tenant):
        assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.MESSAGE_OUT).count() == 1
