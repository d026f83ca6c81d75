"""The onboarding wizard's steps 3, 4 and 6: a channel connected through the channel sandbox over real HTTP (a refusal
in Russian, nothing saved), Cal.com, and the test lead arriving live with its greeting; administrators only."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import tenant_context

from core import outbox
from dev.channel_sandbox import DEFAULT_CALCOM, DEFAULT_TWILIO
from shared_apps.onboarding.wizard import progress_for
from tenant_apps.channels import booking, services
from tenant_apps.channels.first_contact import first_contact
from tenant_apps.channels.models import Channel, DeliveryAttempt
from tenant_apps.channels.sending import deliver_attempt
from tenant_apps.leads.models import Lead
from tenant_apps.leads.services import create_lead
from tenant_apps.widgets.snippet import snippet_for

pytestmark = pytest.mark.django_db

SID, TOKEN, SENDER = DEFAULT_TWILIO
WRONG_TOKEN = "0" * 32
TWILIO_REJECTED = ("Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio "
                   "(или аккаунт приостановлен).")
PHONE = "+79161234567"


@pytest.fixture
def workspace(admin_and_operator, channel_sandbox, settings):
    settings.SMS_AT_NIGHT = True  # the greeting goes now whatever the hour of the test run
    return admin_and_operator


def _channels(tenant) -> list[Channel]:
    with tenant_context(tenant):
        return list(Channel.objects.all())


def _connect_twilio(client, token: str = TOKEN):
    return client.post("/onboarding/channel/connect/twilio",
                       {"accountSid": SID, "authToken": token, "fromNumber": SENDER})


def _card(body: str, provider: str) -> str:
    return re.search(rf'<article id="provider-{provider}".*?</article>', body, re.S).group(0)


def _progress(tenant):
    progress = progress_for(tenant)
    return sorted(progress.done), sorted(progress.skipped)


# --- step 3: channel ----------------------------------------------------------------------------------------------

def test_the_channel_step_says_the_web_form_is_on_and_offers_sms_email_and_telegram(workspace):
    _, admin, _ = workspace
    response = admin.get("/onboarding/channel")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-current="step"' in body
    assert "Всегда включена" in body
    assert "приходят в&nbsp;кабинет" in body
    assert re.findall(r'<h2 id="wizard-kind-(\w+)"', body) == ["sms", "email", "telegram"]
    for provider in ("twilio", "smsc", "smtp", "sendgrid", "ses", "telegram"):
        assert f'action="/onboarding/channel/connect/{provider}"' in _card(body, provider)
    assert "provider-whatsapp" not in body
    assert "provider-max" not in body
    assert 'type="password" name="authToken"' in _card(body, "twilio")
    assert "Дальше" not in body  # nothing connected: connect, or skip
    assert "Пропустить" in body


def test_connecting_a_channel_checks_it_live_and_marks_the_step_done(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    response = _connect_twilio(admin)
    assert (response.status_code, response["Location"]) == (302, "/onboarding/channel")
    [channel] = _channels(tenant)
    assert (channel.provider, channel.status) == ("twilio", "connected")
    assert _progress(tenant) == (["channel"], [])

    body = admin.get("/onboarding/channel").content.decode()
    assert "«SMS (Twilio)»: Подключено — провайдер проверил ключи." in body
    connected = re.search(r'<section [^>]*id="wizard-channels".*?</section>', body, re.S).group(0)
    assert "SMS (Twilio)" in connected
    assert ">Подключено<" in connected
    assert "provider-twilio" not in body  # connected: no second form for it
    assert "Подключить другой канал" in body
    assert TOKEN not in body
    assert "Дальше" in body
    assert 'id="wizard-skip"' not in body  # connected: the step simply goes on
    assert admin.post("/onboarding/channel")["Location"] == "/onboarding/calendar"


def test_a_refused_key_shows_the_providers_reason_in_russian_and_saves_nothing(workspace):
    tenant, admin, _ = workspace
    response = _connect_twilio(admin, WRONG_TOKEN)
    assert response.status_code == 400
    body = response.content.decode()
    card = _card(body, "twilio")
    assert TWILIO_REJECTED in card
    assert 'role="alert"' in card
    assert f'value="{SID}"' in card
    assert f'value="{SENDER}"' in card
    assert WRONG_TOKEN not in body  # ... never the secret
    assert "<details class=\"group mt-3\" open>" in card
    assert _channels(tenant) == []
    assert _progress(tenant) == ([], [])


def test_an_invalid_field_is_shown_at_the_field(workspace):
    tenant, admin, _ = workspace
    response = admin.post("/onboarding/channel/connect/twilio", {"accountSid": "nope", "authToken": TOKEN,
                                                                 "fromNumber": SENDER})
    assert response.status_code == 400
    card = _card(response.content.decode(), "twilio")
    assert 'aria-invalid="true"' in card
    assert 'id="twilio-accountSid-error"' in card
    assert _channels(tenant) == []


def test_going_on_without_a_channel_is_refused_and_skipping_is_remembered(workspace):
    tenant, admin, _ = workspace
    refused = admin.post("/onboarding/channel")
    assert refused.status_code == 409
    assert "Подключите канал — или нажмите «Пропустить»" in refused.content.decode()
    assert _progress(tenant) == ([], [])

    skipped = admin.post("/onboarding/channel/skip")
    assert (skipped.status_code, skipped["Location"]) == (302, "/onboarding/calendar")
    assert _progress(tenant) == ([], ["channel"])
    assert progress_for(tenant).current == "calendar"


def test_a_channel_connected_before_is_shown_and_the_user_goes_on(workspace):
    tenant, admin, _ = workspace
    with tenant_context(tenant):
        services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
    body = admin.get("/onboarding/channel").content.decode()
    assert ">Подключено<" in body
    assert "Дальше" in body
    response = admin.post("/onboarding/channel")
    assert response["Location"] == "/onboarding/calendar"
    assert _progress(tenant) == (["channel"], [])


def test_providers_outside_the_wizard_are_not_connected_here(workspace):
    tenant, admin, _ = workspace
    assert admin.post("/onboarding/channel/connect/whatsapp", {}).status_code == 404
    assert admin.post("/onboarding/channel/connect/nonsense", {}).status_code == 404
    assert _channels(tenant) == []


# --- step 4: calendar ---------------------------------------------------------------------------------------------

def test_cal_com_is_connected_in_two_steps_and_the_step_is_done(workspace):
    tenant, admin, _ = workspace
    body = admin.get("/onboarding/calendar").content.decode()
    assert 'action="/onboarding/calendar/event-types"' in body
    assert "Дальше" not in body
    assert 'id="wizard-skip"' in body

    checked = admin.post("/onboarding/calendar/event-types", {"api_key": DEFAULT_CALCOM})
    assert checked.status_code == 200
    assert checked["Cache-Control"] == "no-store"
    body = checked.content.decode()
    assert "Консультация" in body
    assert "Осмотр" in body
    assert 'action="/onboarding/calendar/connect"' in body
    with tenant_context(tenant):
        assert booking.connected_calendar() is None  # nothing saved before the event type is chosen

    done = admin.post("/onboarding/calendar/connect", {"api_key": DEFAULT_CALCOM, "event_type_id": "7002"})
    assert (done.status_code, done["Location"]) == (302, "/onboarding/calendar")
    with tenant_context(tenant):
        assert booking.connected_calendar().event_type_title == "Осмотр"
    assert _progress(tenant) == (["calendar"], [])
    body = admin.get("/onboarding/calendar").content.decode()
    assert "Cal.com: Подключено — клиенты записываются на встречу «Осмотр»." in body
    assert 'id="calendar-webhook-url"' in body
    assert 'id="wizard-skip"' not in body  # connected: the step simply goes on
    assert DEFAULT_CALCOM not in body
    assert admin.post("/onboarding/calendar")["Location"] == "/onboarding/snippet"


def test_a_rejected_cal_com_key_is_shown_at_its_field_and_nothing_is_saved(workspace):
    tenant, admin, _ = workspace
    response = admin.post("/onboarding/calendar/event-types", {"api_key": "cal_live_" + "0" * 32})
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(r'<p id="calendar-api-key-error" class="field-error">(.*?)</p>', body, re.S).group(1)
    assert "Cal.com не принял API-ключ" in error
    assert "cal_live_" + "0" * 32 not in body
    with tenant_context(tenant):
        assert booking.connected_calendar() is None
    assert _progress(tenant) == ([], [])


def test_the_calendar_step_is_skippable(workspace):
    tenant, admin, _ = workspace
    response = admin.post("/onboarding/calendar/skip")
    assert response["Location"] == "/onboarding/snippet"
    assert _progress(tenant) == ([], ["calendar"])


# --- step 6: test -------------------------------------------------------------------------------------------------

def _after(body: str) -> int:
    return int(re.search(r'hx-get="/onboarding/test/news\?after=(\d+)', body).group(1))


def test_the_test_step_opens_the_demo_page_and_waits_for_a_lead(workspace):
    tenant, admin, _ = workspace
    with tenant_context(tenant):
        create_lead(name="Старая заявка", phone=PHONE)
    response = admin.get("/onboarding/test")
    assert response.status_code == 200
    body = response.content.decode()
    demo = snippet_for(tenant)["demo_url"]
    assert re.search(rf'<a href="{re.escape(demo)}" target="_blank" rel="noopener"', body)
    assert "Ждём заявку" in body
    assert "Старая заявка" not in body  # only leads after the page was first opened
    assert 'hx-trigger="every 2s, visibilitychange from:document"' in body
    assert "<script>" not in body
    assert "Завершить настройку" in body
    assert admin.get(f"/onboarding/test/news?after={_after(body)}").status_code == 204


def test_the_poll_shows_the_new_lead_and_follows_its_greeting_to_sent(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    with tenant_context(tenant):
        services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
    after = _after(admin.get("/onboarding/test").content.decode())
    with tenant_context(tenant):
        lead = create_lead(name="Анна Тестова", phone=PHONE)

    arrived = admin.get(f"/onboarding/test/news?after={after}")
    assert arrived.status_code == 200
    body = arrived.content.decode()
    assert "Заявка пришла" in body
    assert "Анна Тестова" in body
    assert "+7 916 123-45-67" in body
    assert f'href="/leads/{lead.pk}"' in body
    assert 'data-greeting-state="writing"' in body
    seen = re.search(r"seen=([\w.]+)", body).group(1)
    assert admin.get(f"/onboarding/test/news?after={after}&seen={seen}").status_code == 204  # nothing moved

    with tenant_context(tenant):
        first_contact(lead.pk)  # the outbox's handler: the greeting is written, its delivery queued
    body = admin.get(f"/onboarding/test/news?after={after}&seen={seen}").content.decode()
    assert 'data-greeting-state="pending"' in body
    assert "Отправляется через «SMS (Twilio)»" in body
    seen = re.search(r"seen=([\w.]+)", body).group(1)

    with tenant_context(tenant):
        deliver_attempt(DeliveryAttempt.objects.get(lead=lead).pk)  # through the sandbox's Twilio over HTTP
    body = admin.get(f"/onboarding/test/news?after={after}&seen={seen}").content.decode()
    assert 'data-greeting-state="sent"' in body
    assert "Отправлено через «SMS (Twilio)»: провайдер принял сообщение." in body
    assert "hx-get" not in body  # settled: the part stops asking
    [sent] = channel_sandbox.messages("twilio")
    assert sent["to"] == PHONE
    assert sent["text"] in body


def test_a_failed_greeting_shows_the_providers_reason(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    with tenant_context(tenant):
        services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
        lead = create_lead(name="Анна", phone=PHONE)
        first_contact(lead.pk)
    channel_sandbox.set_fault("twilio", "revoked")
    with tenant_context(tenant):
        deliver_attempt(DeliveryAttempt.objects.get(lead=lead).pk)
    body = admin.get("/onboarding/test/news?after=0").content.decode()
    assert 'data-greeting-state="failed"' in body
    assert f"Не отправлено через «SMS (Twilio)»: {TWILIO_REJECTED}" in body


def test_a_night_sms_shows_when_it_will_go(workspace, channel_sandbox, settings):
    tenant, admin, _ = workspace
    settings.SMS_AT_NIGHT = False
    with tenant_context(tenant):
        services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
        lead = create_lead(name="Анна", phone=PHONE, time_zone="Europe/Moscow")
        with time_machine.travel(dt.datetime(2026, 3, 10, 21, 0, tzinfo=dt.UTC), tick=False), \
                pytest.raises(outbox.RetryLater):
            first_contact(lead.pk)  # 00:00 in Moscow: the SMS waits for 09:00
    body = admin.get("/onboarding/test/news?after=0").content.decode()
    assert 'data-greeting-state="postponed"' in body
    assert "Ночь у клиента: SMS уйдёт в 09:00 по его времени" in body
    assert "hx-get" in body  # it goes out later by itself: the part keeps asking
    assert channel_sandbox.messages("twilio") == []


def test_without_a_channel_the_page_says_the_greeting_waits_for_one(workspace):
    tenant, admin, _ = workspace
    with tenant_context(tenant):
        create_lead(name="Анна", phone=PHONE)
    body = admin.get("/onboarding/test/news?after=0").content.decode()
    assert 'data-greeting-state="no_channel"' in body
    assert "Канал связи не подключён — приветствие не отправлено." in body
    assert 'href="/onboarding/channel"' in body
    assert "hx-get" not in body


def test_another_workspaces_lead_is_never_shown(workspace, make_tenant):
    _, admin, _ = workspace
    other = make_tenant(name="Чужая компания")
    with tenant_context(other):
        Lead.objects.create(name="Чужой лид", phone=PHONE, created_at=timezone.now())
    response = admin.get("/onboarding/test/news?after=0")
    assert response.status_code == 204
    assert "Чужой лид" not in admin.get("/onboarding/test").content.decode()


def test_finishing_the_wizard_goes_to_the_overview(workspace):
    tenant, admin, _ = workspace
    response = admin.post("/onboarding/test")
    assert (response.status_code, response["Location"]) == (302, "/")
    progress = progress_for(tenant)
    assert "test" in progress.done
    assert progress.completed_at is not None


# --- permissions --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("get", "/onboarding/channel"), ("post", "/onboarding/channel/connect/twilio"),
    ("get", "/onboarding/calendar"), ("post", "/onboarding/calendar/event-types"),
    ("post", "/onboarding/calendar/connect"), ("get", "/onboarding/test"), ("get", "/onboarding/test/news?after=0"),
])
def test_an_operator_is_refused(workspace, method, path):
    tenant, _, operator = workspace
    response = getattr(operator, method)(path)
    assert response.status_code == 403
    assert _channels(tenant) == []
