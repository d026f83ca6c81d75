"""Cal.com on «Каналы»: check the key against the sandbox, choose the event type, see the webhook's address and
secret (administrators only), disconnect."""

import re

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


def _section(body: str) -> str:
    return re.search(r'<section id="calendar".*?</section>', body, re.S).group(0)


def _top(body: str) -> str:
    """The page above its first section: where untagged messages are shown."""
    return body.split('<section aria-labelledby="kind-', 1)[0]


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
    section = _section(page)
    assert "Cal.com подключен: «Осмотр»" in section  # in the section the redirect lands on, not the page's top
    assert "Cal.com подключен" not in _top(page)
    assert 'id="calendar-messages" tabindex="-1" data-scroll-into-view' in section
    assert booking.webhook_url(calendar, tenant) in section
    assert secret in section
    assert DEFAULT_CALCOM not in page
    # Cal.com's own field names only as quoted references to its form; our labels and button in Russian
    assert ">Адрес вебхука<" in section
    assert "Вставьте его в&nbsp;поле «Subscriber URL» в&nbsp;Cal.com." in section
    assert "Вставьте его в&nbsp;поле «Secret» в&nbsp;Cal.com." in section
    assert ">Показать секрет</summary>" in section
    assert ">Subscriber URL<" not in section
    assert "(Secret)" not in section

    seen = operator.get("/channels").content.decode()
    assert "Осмотр" in seen
    assert secret not in seen
    assert "Проверить ключ" not in seen
    assert "calendar/delete" not in seen

    disconnected = admin.post("/channels/calendar/delete")
    assert (disconnected.status_code, disconnected["Location"]) == (302, "/channels#calendar")
    assert _calendar(tenant) is None
    page = admin.get("/channels").content.decode()
    assert "Cal.com отключен: ключ и секрет вебхука стёрты" in _section(page)
    assert "Cal.com отключен" not in _top(page)


@pytest.mark.parametrize(("api_key", "reason"), [
    ("", "Укажите API-ключ Cal.com."),
    ("мой ключ", "API-ключ Cal.com выглядит так: cal_live_… — скопируйте его целиком."),
    (WRONG_KEY, "Cal.com не принял API-ключ"),
])
def test_a_refused_key_is_shown_at_its_field(workspace, api_key, reason):
    tenant, admin, _ = workspace
    refused = admin.post("/channels/calendar/event-types", {"api_key": api_key})
    assert refused.status_code == 400
    body = refused.content.decode()
    section = _section(body)
    assert f'<p id="calendar-api-key-error" class="field-error">{reason}' in section
    key_input = re.search(r'<input type="password" name="api_key"[^>]*>', section, re.S).group(0)
    assert 'aria-invalid="true"' in key_input
    assert 'aria-describedby="calendar-api-key-error calendar-api-key-help"' in key_input
    assert "data-scroll-into-view" in key_input  # cabinet.js brings it into view: the section is far down
    assert "input-invalid" in key_input
    assert "value=" not in key_input  # the key is never echoed back
    assert reason not in _top(body)
    assert _calendar(tenant) is None


def test_calcom_down_is_a_503_shown_in_the_section(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    channel_sandbox.set_fault("calcom", "http_500")
    refused = admin.post("/channels/calendar/event-types", {"api_key": DEFAULT_CALCOM})
    assert refused.status_code == 503
    section = _section(refused.content.decode())
    alert = re.search(r'<p [^>]*id="calendar-error"[^>]*>(.*?)</p>', section, re.S)
    assert alert.group(1).startswith("Cal.com")
    assert alert.group(1).endswith("Попробуйте ещё раз через минуту.")
    assert 'role="alert"' in alert.group(0)
    assert "data-scroll-into-view" in alert.group(0)
    assert 'aria-invalid="true"' not in section  # not the key's fault
    assert _calendar(tenant) is None


def test_a_wrong_event_type_returns_to_the_section_with_the_reason(workspace):
    tenant, admin, _ = workspace
    refused = admin.post("/channels/calendar/connect", {"api_key": DEFAULT_CALCOM, "event_type_id": "1"})
    assert refused.status_code == 400
    section = _section(refused.content.decode())
    assert "Выберите тип встречи из списка этого аккаунта Cal.com." in section
    assert DEFAULT_CALCOM not in refused.content.decode()
    assert _calendar(tenant) is None


def test_operators_cannot_connect(workspace):
    tenant, _, operator = workspace
    assert operator.post("/channels/calendar/event-types", {"api_key": DEFAULT_CALCOM}).status_code == 403
    assert operator.post("/channels/calendar/connect",
                         {"api_key": DEFAULT_CALCOM, "event_type_id": "7001"}).status_code == 403
    assert _calendar(tenant) is None
