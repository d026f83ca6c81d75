"""A lead's e-mail reply through the webhook route, end to end: the sandbox's SendGrid Inbound Parse post and SES
receipt (via SNS) reach the channel's address and land on the lead's timeline, once; a forgery changes nothing."""

import json

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from dev.channel_sandbox import DEFAULT_SENDGRID, DEFAULT_SES
from dev.channel_sandbox.ses import TOPIC_ARN
from tenant_apps.channels import services
from tenant_apps.channels.models import Channel, InboundMessage
from tenant_apps.leads.models import LeadEvent
from tenant_apps.leads.services import create_lead

LEAD_EMAIL = "anna@example.ru"
CREDENTIALS = {
    "sendgrid": {"apiKey": DEFAULT_SENDGRID[0], "fromEmail": DEFAULT_SENDGRID[1]},
    "ses": {**dict(zip(("accessKeyId", "secretAccessKey", "region", "fromEmail"), DEFAULT_SES, strict=True)),
            "topicArn": TOPIC_ARN},
}


@pytest.fixture
def workspace(make_tenant, channel_sandbox):
    return make_tenant(name="Улыбка")


def _deliver(tenant, channel_sandbox, provider: str, **params):
    with tenant_context(tenant):
        channel = services.connect(provider, CREDENTIALS[provider], actor=None) if not Channel.objects.filter(
            provider=provider).exists() else Channel.objects.get(provider=provider)
    path = f"/channels/inbound/{provider}/{channel.inbound_key}"
    webhook = channel_sandbox.providers[provider].inbound({"url": f"http://{tenant.primary_host}{path}", **params})
    post = Client(HTTP_HOST=tenant.primary_host).post
    return webhook, lambda body=webhook.body: post(path, body, content_type=webhook.headers["Content-Type"])


@pytest.mark.django_db
@pytest.mark.parametrize(("provider", "options"), [
    ("sendgrid", {}),
    ("sendgrid", {"raw": True, "charset": "windows-1251"}),  # read after the request guard parsed the form
    ("ses", {}),
    ("ses", {"encoding": "BASE64"}),
], ids=["sendgrid", "sendgrid-raw", "ses", "ses-base64"])
def test_a_leads_email_reply_lands_on_its_timeline_once(workspace, channel_sandbox, provider, options):
    with tenant_context(workspace):
        lead = create_lead(name="Анна", email=LEAD_EMAIL)
    _, post = _deliver(workspace, channel_sandbox, provider, **{"from": LEAD_EMAIL, "name": "Анна",
                                                                "text": "Удобно в субботу утром", **options})

    assert post().status_code == 200
    assert post().status_code == 200  # the provider delivered it again
    with tenant_context(workspace):
        events = LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.MESSAGE_IN)
        assert list(events.values_list("text", flat=True)) == ["Удобно в субботу утром"]
        assert InboundMessage.objects.filter(provider=provider).count() == 1


@pytest.mark.django_db
def test_a_forged_sns_delivery_is_a_403_and_changes_nothing(workspace, channel_sandbox):
    webhook, post = _deliver(workspace, channel_sandbox, "ses", **{"from": LEAD_EMAIL, "text": "Привет"})
    forged = json.loads(webhook.body)
    forged["Message"] = forged["Message"].replace(LEAD_EMAIL, "boss@example.ru")
    assert forged["Message"] != json.loads(webhook.body)["Message"]
    response = post(json.dumps(forged).encode())
    assert response.status_code == 403
    with tenant_context(workspace):
        assert not InboundMessage.objects.exists()
        assert not LeadEvent.objects.filter(kind=LeadEvent.Kind.MESSAGE_IN).exists()


@pytest.mark.django_db
def test_the_ses_subscription_confirmation_is_confirmed_through_the_route(workspace, channel_sandbox):
    _, post = _deliver(workspace, channel_sandbox, "ses", type="SubscriptionConfirmation")
    assert post().status_code == 200
    assert list(channel_sandbox.providers["ses"].confirmed) == [TOPIC_ARN]
