"""Channel and calendar changes in the workspace's audit log, made through the workspace API: connect, new keys
(only the names of the changed fields, never a value), disable, enable, disconnect; Cal.com connect and disconnect."""

import json

import pytest

from dev.channel_sandbox import DEFAULT_CALCOM
from shared_apps.audit.models import AuditEntry
from tenant_apps.channels.transport import transport_class

from .test_channels_api import SENDGRID, _post

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(admin_and_operator, channel_sandbox):
    return admin_and_operator


def _patch(client, channel_id: int, body: dict):
    return client.patch(f"/api/v1/channels/{channel_id}", data=json.dumps(body), content_type="application/json")


def test_a_channels_life_in_the_journal(workspace):
    tenant, admin, _ = workspace
    admin_user = tenant.memberships.get(role="admin").user
    connected = _post(admin, "/api/v1/channels", {"provider": "sendgrid", "credentials": SENDGRID})
    assert connected.status_code == 201, connected.content
    channel_id = connected.json()["id"]
    renamed = {**SENDGRID, "fromName": "Студия «Лотос»"}
    assert _patch(admin, channel_id, {"credentials": renamed}).status_code == 200
    assert _patch(admin, channel_id, {"enabled": False}).status_code == 200
    assert _patch(admin, channel_id, {"enabled": False}).status_code == 200  # already off: nothing happened
    assert _patch(admin, channel_id, {"enabled": True}).status_code == 200
    assert admin.delete(f"/api/v1/channels/{channel_id}").status_code == 204

    journal = list(AuditEntry.objects.order_by("id"))
    assert [entry.action for entry in journal] == ["channel.connected", "channel.credentials_changed",
                                                   "channel.disabled", "channel.enabled", "channel.disconnected"]
    for entry in journal:
        assert (entry.actor_id, entry.workspace_id, entry.account_id) == (admin_user.pk, tenant.pk, tenant.account_id)
        assert (entry.target, entry.ip) == ("E-mail (SendGrid)", "127.0.0.1")
    label = next(field.label for field in transport_class("sendgrid").fields if field.name == "fromName")
    assert journal[1].details == {"fields": [label]}
    stored = json.dumps([[e.target, e.details] for e in journal], ensure_ascii=False)
    for secret in (SENDGRID["apiKey"], SENDGRID["apiKey"][-8:], "Лотос"):
        assert secret not in stored


def test_the_calendar_connected_and_disconnected(workspace):
    tenant, admin, _ = workspace
    assert _post(admin, "/api/v1/calendar", {"apiKey": DEFAULT_CALCOM, "eventTypeId": 7001}).status_code == 201
    assert admin.delete("/api/v1/calendar").status_code == 204
    assert admin.delete("/api/v1/calendar").status_code == 204  # nothing left to disconnect: nothing recorded

    connected, disconnected = AuditEntry.objects.order_by("id")
    assert (connected.action, connected.target, connected.workspace_id) == (
        "calendar.connected", "Календарь Cal.com", tenant.pk)
    assert set(connected.details) == {"eventType"}
    assert DEFAULT_CALCOM not in json.dumps(connected.details)
    assert (disconnected.action, disconnected.workspace_id, disconnected.ip) == (
        "calendar.disconnected", tenant.pk, "127.0.0.1")
