"""Changing a channel (new keys, disable/enable), its statistics and the channel_connected event, through the
workspace API against the channel sandbox."""

import json
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.tenancy.permissions import DENIED_MESSAGE
from tenant_apps.channels.models import Channel, DeliveryAttempt, InboundMessage
from tenant_apps.leads.models import Lead

from .test_channels_api import PROVIDERS, REJECTED, _channels, _connect


@pytest.fixture
def workspace(admin_and_operator, channel_sandbox):
    return admin_and_operator


def _patch(client, channel_id: int, body: dict):
    return client.patch(f"/api/v1/channels/{channel_id}", data=json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_new_keys_the_provider_rejects_are_a_400_with_its_reason_and_nothing_changes(workspace, provider):
    tenant, admin, _ = workspace
    channel = _connect(admin, provider)
    [before] = _channels(tenant)

    response = _patch(admin, channel["id"], {"credentials": PROVIDERS[provider][1]})

    assert response.status_code == 400
    assert response.json()["error"] == {"code": "credentials_rejected", "message": REJECTED[provider], "fields": {}}
    [after] = _channels(tenant)
    assert (after.credentials_token, after.secret_hint, after.status) == (
        before.credentials_token, before.secret_hint, "connected")


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_new_working_keys_replace_the_old_and_reconnect_a_broken_channel(workspace, channel_sandbox, provider):
    tenant, admin, _ = workspace
    channel = _connect(admin, provider)
    with tenant_context(tenant):
        Channel.objects.filter(pk=channel["id"]).update(status="error", last_error="Ключ отозван.")
    [before] = _channels(tenant)

    response = _patch(admin, channel["id"], {"credentials": PROVIDERS[provider][0]})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["lastError"]) == ("connected", "")
    assert response.json()["secretHint"] == "••••" + PROVIDERS[provider][2][-4:]
    [after] = _channels(tenant)
    assert after.credentials_token != before.credentials_token  # encrypted again


@pytest.mark.django_db
def test_malformed_new_keys_get_russian_messages_without_asking_the_provider(workspace, channel_sandbox):
    _, admin, _ = workspace
    channel = _connect(admin, "twilio")
    channel_sandbox.set_fault("twilio", "http_500")  # asking the provider would be a 503
    response = _patch(admin, channel["id"], {"credentials": {"accountSid": "AC1"}})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["credentials.authToken"] == "Укажите «Auth Token»."
    assert channel_sandbox.take_fault("twilio") == "http_500"  # still unused


@pytest.mark.django_db
def test_admin_disables_and_enables_a_channel_and_enabling_checks_the_keys(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    channel = _connect(admin, "twilio")

    disabled = _patch(admin, channel["id"], {"enabled": False})
    assert disabled.status_code == 200
    assert disabled.json()["status"] == "disabled"
    assert _channels(tenant)[0].status == Channel.Status.DISABLED

    channel_sandbox.set_fault("twilio", "revoked")
    refused = _patch(admin, channel["id"], {"enabled": True})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == REJECTED["twilio"]
    assert _channels(tenant)[0].status == Channel.Status.DISABLED

    channel_sandbox.set_fault("twilio", "none")
    enabled = _patch(admin, channel["id"], {"enabled": True})
    assert enabled.status_code == 200
    assert enabled.json()["status"] == "connected"

    assert _patch(admin, 999999, {"enabled": False}).status_code == 404


@pytest.mark.django_db
def test_operators_cannot_change_a_channel(workspace):
    tenant, admin, operator = workspace
    channel = _connect(admin, "telegram")
    response = _patch(operator, channel["id"], {"enabled": False})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == DENIED_MESSAGE
    assert _channels(tenant)[0].status == Channel.Status.CONNECTED


@pytest.mark.django_db
def test_connecting_logs_the_channel_connected_event(workspace, caplog):
    tenant, admin, _ = workspace
    with caplog.at_level(logging.INFO):
        _connect(admin, "twilio")
    [record] = [r for r in caplog.records if r.getMessage() == "channel_connected"]
    assert (record.tenantId, record.channelType, record.provider) == (tenant.slug, "sms", "twilio")
    with caplog.at_level(logging.INFO):
        refused = admin.post("/api/v1/channels", content_type="application/json",
                             data=json.dumps({"provider": "telegram", "credentials": PROVIDERS["telegram"][1]}))
    assert refused.status_code == 400
    assert len([r for r in caplog.records if r.getMessage() == "channel_connected"]) == 1


@pytest.mark.django_db
def test_stats_count_per_channel_sends_failures_replies_and_first_contacts(workspace, channel_sandbox):
    tenant, admin, operator = workspace
    sms = _connect(admin, "twilio")
    _connect(admin, "telegram")
    now = timezone.now()
    with tenant_context(tenant):
        channel = Channel.objects.get(pk=sms["id"])
        fast = Lead.objects.create(name="Анна", phone="+79161234567", created_at=now - timedelta(seconds=10),
                                   first_contact_at=now - timedelta(seconds=6), booked_at=now)
        slow = Lead.objects.create(name="Борис", phone="+79161234568", created_at=now - timedelta(seconds=30),
                                   first_contact_at=now)
        for number, (lead, status) in enumerate(((fast, "sent"), (slow, "sent"), (slow, "failed"), (None, "sent"))):
            DeliveryAttempt.objects.create(channel=channel, provider="twilio", lead=lead, recipient="+79161234567",
                                           text="Здравствуйте", idempotency_key=f"k{number}", status=status)
        old = DeliveryAttempt.objects.create(channel=channel, provider="twilio", recipient="+79161234567", text="x",
                                             idempotency_key="old", status="sent")
        DeliveryAttempt.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=40))
        InboundMessage.objects.create(provider="twilio", provider_message_id="SM1")

    response = operator.get("/api/v1/channels/stats")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["timezone"] == tenant.timezone
    assert body["to"] == timezone.localdate(timezone=ZoneInfo(tenant.timezone)).isoformat()
    by_provider = {row["provider"]: row for row in body["channels"]}
    assert by_provider["twilio"] == {
        "provider": "twilio", "kind": "sms", "label": "SMS (Twilio)", "channelId": sms["id"], "sent": 3,
        "failed": 1, "delivered": None, "inboundReplies": 1, "leadsContacted": 2, "leadsBooked": 1,
        "conversion": 0.5, "medianFirstContactSeconds": 17.0,
    }
    assert by_provider["telegram"]["sent"] == 0
    assert by_provider["telegram"]["medianFirstContactSeconds"] is None
    assert [row["provider"] for row in body["channels"]] == ["twilio", "telegram"]

    today = timezone.localdate(timezone=ZoneInfo(tenant.timezone))
    earlier = operator.get(f"/api/v1/channels/stats?from={today - timedelta(days=45)}&to={today - timedelta(days=35)}")
    assert earlier.status_code == 200
    assert (earlier.json()["from"], earlier.json()["to"]) == (str(today - timedelta(days=45)),
                                                               str(today - timedelta(days=35)))
    assert {row["provider"]: row["sent"] for row in earlier.json()["channels"]} == {"twilio": 1, "telegram": 0}


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=2026-11-10&to=2026-11-01", "from", "Должно быть не позже даты «to»."),
    ("from=2024-01-01&to=2026-01-01", "from", "Не раньше чем за 366 дней до «to»."),
])
def test_stats_refuse_a_period_that_makes_no_sense_in_russian(workspace, query, field, message):
    _, admin, _ = workspace
    response = admin.get(f"/api/v1/channels/stats?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: message}


@pytest.mark.django_db
def test_stats_refuse_a_malformed_date(workspace):
    _, admin, _ = workspace
    response = admin.get("/api/v1/channels/stats?from=01.11.2026")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["from"]
    assert "ГГГГ-ММ-ДД" in response.json()["error"]["fields"]["from"]
