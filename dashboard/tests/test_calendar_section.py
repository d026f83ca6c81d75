"""Cal.com on «Каналы»: check the key against the sandbox, choose the event type, see the webhook's address and
secret (administrators only), disconnect."""

import pytest
from django_tenants.utils import tenant_context

from dev.channel_sandbox import DEFAULT_CALCOM
from tenant_apps.channels import booking
from tenant_apps.channels.models import CalendarConnection

pytestmark = pytest.mark.django_db
WRONG_KEY = "cal_live_00000000000000000000000000000000"


@pytest.fixture
def workspace(admin_and_operator, channel_sandbox):
    return admin_and_operator


def _calendar(tenant) -> CalendarConnection | None:
    with tenant_context(tenant):
        return booking.connected_calendar()


def test_an_admin_connects_in_two_steps_and_gets_the_webhook_settings(workspace):
    tenant, admin, operator = workspace
    page = admin.get("/channels").content.decode()
    assert 'id="calendar"' in page
    assert "Проверить ключ" in page

    step = admin.post("/channels/calendar/event-types", {"api_key": DEFAULT_CALCOM})
    assert step.status_code == 200
    assert step["Cache-Control"] == "no-store"
    body = step.content.decode()
    assert "Консультация" in body
    assert "Осмотр" in body
    assert _calendar(tenant) is None  # nothing saved before the event type is chosen

    done = admin.post("/channels/calendar/connect", {"api_key": DEFAULT_CALCOM, "event_type_id": "7002"})
    assert (done.status_code, done["Location"]) == (302, "/channels#calendar")
    calendar = _calendar(tenant)
    assert calendar is not None
    assert calendar.event_type_title == "Осмотр"
    with tenant_context(tenant):
        secret = booking.webhook_secret(calendar)
    page = admin.get("/channels").content.decode()
    assert "Cal.com подключен: «Осмотр»" in page
    assert booking.webhook_url(calendar, tenant) in page
    assert secret in page
    assert DEFAULT_CALCOM not in page

    seen = operator.get("/channels").content.decode()
    assert "Осмотр" in seen
    assert secret not in seen
    assert "Проверить ключ" not in seen
    assert "calendar/delete" not in seen

    assert admin.post("/channels/calendar/delete").status_code == 302
    assert _calendar(tenant) is None


def test_a_refused_key_returns_to_the_page_with_the_reason(workspace):
    tenant, admin, _ = workspace
    refused = admin.post("/channels/calendar/event-types", {"api_key": WRONG_KEY}, follow=True)
    body = refused.content.decode()
    assert "Cal.com: Cal.com не принял API-ключ" in body
    assert WRONG_KEY not in body
    assert _calendar(tenant) is None


def test_operators_cannot_connect(workspace):
    tenant, _, operator = workspace
    assert operator.post("/channels/calendar/event-types", {"api_key": DEFAULT_CALCOM}).status_code == 403
    assert operator.post("/channels/calendar/connect",
                         {"api_key": DEFAULT_CALCOM, "event_type_id": "7001"}).status_code == 403
    assert _calendar(tenant) is None
