"""Cal.com bookings: connecting through the workspace API against the sandbox, the prefilled booking link, and the
signed booking webhooks the sandbox sends as Cal.com does."""

import datetime as dt
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Subscription
from billing.services import start_trial
from dev.channel_sandbox import DEFAULT_CALCOM, DEFAULT_TWILIO
from dev.channel_sandbox.base import Webhook
from shared_apps.tenancy.models import Membership
from shared_apps.tenancy.permissions import DENIED_MESSAGE
from tenant_apps.channels import booking, services
from tenant_apps.channels.first_contact import greeting
from tenant_apps.channels.models import Booking, BookingWebhook, CalendarConnection
from tenant_apps.channels.providers.calcom import signature, signature_valid
from tenant_apps.leads.models import Lead, LeadEvent

from .widget_leads import post_widget_lead

WRONG_KEY = "cal_live_00000000000000000000000000000000"
EVENT_TYPE = 7001
BOOKING_PAGE = "https://cal.com/fastlead-sandbox/konsultaciya"
START = "2026-05-03T10:00:00Z"


@pytest.fixture
def workspace(make_tenant, make_user, add_member, client_for, channel_sandbox):
    tenant = make_tenant(name="Улыбка")
    tenant.timezone = "Asia/Yekaterinburg"  # UTC+5: the timeline shows the workspace's local time
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    admin = tenant.memberships.get().user
    operator = make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    return tenant, client_for(tenant, admin), client_for(tenant, operator)


@pytest.fixture
def connected(workspace) -> dict:
    _, admin, _ = workspace
    response = _post(admin, "/api/v1/calendar", {"apiKey": DEFAULT_CALCOM, "eventTypeId": EVENT_TYPE})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def lead(workspace) -> Lead:
    with tenant_context(workspace[0]):
        return Lead.objects.create(name="Анна Петрова", email="anna+test@example.com", phone="+79161234567",
                                   status=Lead.Status.CONTACTED, created_at=timezone.now())


def _post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _calendars(tenant) -> list[CalendarConnection]:
    with tenant_context(tenant):
        return list(CalendarConnection.objects.all())


def _link(tenant, lead: Lead) -> str:
    with tenant_context(tenant):
        link = booking.booking_link(lead)
    assert link is not None
    return link


def _deliver(tenant, webhook: Webhook, **headers: str):
    """Post the sandbox's webhook to the workspace's host as Cal.com does (no session, no CSRF token)."""
    sent = {**webhook.headers, **headers}
    return Client(HTTP_HOST=tenant.primary_host, enforce_csrf_checks=True).post(
        urlsplit(webhook.url).path, data=webhook.body, content_type=sent.pop("Content-Type"),
        headers={key: value for key, value in sent.items() if value})


def _book(sandbox, tenant, connected: dict, **params):
    params = {"url": connected["webhookUrl"], "secret": connected["webhookSecret"], "start": START, **params}
    return _deliver(tenant, sandbox.providers["calcom"].inbound(params))


def _state(tenant, lead: Lead) -> tuple[str, dt.datetime | None, list[tuple[str, str]]]:
    with tenant_context(tenant):
        fresh = Lead.objects.get(pk=lead.pk)
        return fresh.status, fresh.booked_at, list(LeadEvent.objects.filter(lead=lead).values_list("kind", "text"))


# --- connecting -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_connect_checks_the_key_live_and_keeps_it_encrypted(workspace, connected):
    tenant, admin, _ = workspace
    types = _post(admin, "/api/v1/calendar/event-types", {"apiKey": DEFAULT_CALCOM})
    assert types.status_code == 200, types.content
    assert [(item["id"], item["title"], item["bookingUrl"]) for item in types.json()] == [
        (7001, "Консультация", BOOKING_PAGE), (7002, "Осмотр", "https://cal.com/fastlead-sandbox/osmotr")]

    assert connected["eventTypeId"] == EVENT_TYPE
    assert connected["bookingUrl"] == BOOKING_PAGE
    assert connected["secretHint"] == "••••" + DEFAULT_CALCOM[-4:]
    (calendar,) = _calendars(tenant)
    assert connected["webhookUrl"] == f"{tenant.url}channels/calcom/{calendar.webhook_key}"
    assert len(connected["webhookSecret"]) >= 40
    shown = admin.get("/api/v1/calendar")
    assert shown.status_code == 200
    assert shown.json()["connected"] is True
    assert shown.json()["calendar"]["webhookUrl"] == connected["webhookUrl"]
    assert "webhookSecret" not in shown.json()["calendar"]
    assert DEFAULT_CALCOM not in shown.content.decode()
    assert connected["webhookSecret"] not in shown.content.decode()
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT credentials_token FROM channels_calendarconnection")
        (stored,) = cursor.fetchone()
    assert DEFAULT_CALCOM not in stored
    assert connected["webhookSecret"] not in stored

    again = _post(admin, "/api/v1/calendar", {"apiKey": DEFAULT_CALCOM, "eventTypeId": EVENT_TYPE})
    assert again.status_code == 409
    assert admin.delete("/api/v1/calendar").status_code == 204
    assert _calendars(tenant) == []
    assert admin.get("/api/v1/calendar").json() == {"connected": False, "calendar": None}


@pytest.mark.django_db
@pytest.mark.parametrize(("fault", "key", "reason"), [
    (None, WRONG_KEY, "Cal.com не принял API-ключ: проверьте его в Cal.com → Settings → Developer → API Keys "
                      "(ключ начинается с cal_live_)."),
    ("revoked", DEFAULT_CALCOM,
     "Срок действия API-ключа Cal.com истёк: создайте новый в Cal.com → Settings → Developer → API Keys."),
])
def test_a_refused_key_is_400_with_the_reason_and_nothing_is_saved(workspace, channel_sandbox, fault, key, reason):
    tenant, admin, _ = workspace
    if fault:
        channel_sandbox.set_fault("calcom", fault)
    for url in ("/api/v1/calendar/event-types", "/api/v1/calendar"):
        response = _post(admin, url, {"apiKey": key, "eventTypeId": EVENT_TYPE})
        assert response.status_code == 400, response.content
        assert response.json()["error"]["message"] == reason
        assert response.json()["error"]["code"] == "credentials_rejected"
    assert _calendars(tenant) == []


@pytest.mark.django_db
def test_bad_input_is_400_per_field(workspace):
    tenant, admin, _ = workspace
    malformed = _post(admin, "/api/v1/calendar", {"apiKey": "sk_live_123", "eventTypeId": EVENT_TYPE})
    assert malformed.status_code == 400
    assert malformed.json()["error"]["fields"] == {
        "apiKey": "API-ключ Cal.com выглядит так: cal_live_… — скопируйте его целиком."}
    foreign = _post(admin, "/api/v1/calendar", {"apiKey": DEFAULT_CALCOM, "eventTypeId": 99})
    assert foreign.status_code == 400
    assert foreign.json()["error"]["fields"] == {
        "eventTypeId": "Выберите тип встречи из списка этого аккаунта Cal.com."}
    assert _calendars(tenant) == []


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["http_500", "rate_limit"])
def test_cal_com_down_is_503_and_nothing_is_saved(workspace, channel_sandbox, fault):
    tenant, admin, _ = workspace
    channel_sandbox.set_fault("calcom", fault)
    response = _post(admin, "/api/v1/calendar", {"apiKey": DEFAULT_CALCOM, "eventTypeId": EVENT_TYPE})
    assert response.status_code == 503, response.content
    assert response.json()["error"]["message"] in (
        "Cal.com временно недоступен (ошибка 500). Попробуйте ещё раз через минуту.",
        "Cal.com ограничил частоту запросов. Попробуйте ещё раз через минуту.")
    assert response["Retry-After"] == "60"
    assert _calendars(tenant) == []


@pytest.mark.django_db
def test_operators_see_the_calendar_but_cannot_connect_or_remove_it(workspace, connected):
    tenant, _, operator = workspace
    assert operator.get("/api/v1/calendar").status_code == 200
    for response in (_post(operator, "/api/v1/calendar", {"apiKey": DEFAULT_CALCOM, "eventTypeId": EVENT_TYPE}),
                     _post(operator, "/api/v1/calendar/event-types", {"apiKey": DEFAULT_CALCOM}),
                     operator.delete("/api/v1/calendar")):
        assert response.status_code == 403
        assert response.json()["error"]["message"] == DENIED_MESSAGE
    assert len(_calendars(tenant)) == 1


# --- the booking link -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_booking_link_is_prefilled_and_tied_to_the_lead(workspace, lead, make_tenant):
    tenant = workspace[0]
    with tenant_context(tenant):
        assert booking.booking_link(lead) is None  # no calendar yet
        assert "Запись:" not in greeting(lead, tenant)
        assert booking.short_booking_link(lead, tenant) is None
    _post(workspace[1], "/api/v1/calendar", {"apiKey": DEFAULT_CALCOM, "eventTypeId": EVENT_TYPE})

    link = _link(tenant, lead)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BOOKING_PAGE
    assert " " not in link
    assert "[" not in link
    assert "+" not in parts.query
    with tenant_context(tenant):
        token = booking.lead_token(lead.pk)
    assert parse_qs(parts.query) == {"name": ["Анна Петрова"], "email": ["anna+test@example.com"],
                                     "metadata[leadId]": [str(lead.pk)], "metadata[leadToken]": [token]}
    with tenant_context(make_tenant()):
        assert booking.lead_token(lead.pk) != token  # another workspace's lead with the same id


def test_the_signature_matches_the_reference_vector():
    body = b'{"triggerEvent":"BOOKING_CREATED","createdAt":"2024-01-01T10:00:00.000Z","payload":{"uid":"abc"}}'
    expected = "aacee6a12b9dc3cfb1f37bd263fca07e845353f7fc1b314f6e938be15bd09bdd"
    assert signature("test-secret", body) == expected
    assert signature_valid("test-secret", body, expected)
    assert not signature_valid("test-secret", body.replace(b"abc", b"abd"), expected)
    assert not signature_valid("other-secret", body, expected)
    assert not signature_valid("test-secret", body, "no-secret-provided")
    assert not signature_valid("", body, signature("", body))


# --- webhooks ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_booking_makes_the_lead_booked_with_the_local_time_on_its_timeline(workspace, connected, lead,
                                                                             channel_sandbox):
    tenant = workspace[0]
    response = _book(channel_sandbox, tenant, connected, bookingUrl=_link(tenant, lead), uid="bk1")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "applied"}

    status, booked_at, events = _state(tenant, lead)
    assert (status, booked_at) == ("booked", dt.datetime(2026, 5, 3, 10, 0, tzinfo=dt.UTC))
    assert events[-1] == ("booked", "Записан на 3 мая 2026, 15:00, Екатеринбург (UTC+5) · «Консультация» (Cal.com)")
    assert _calendars(tenant)[0].last_webhook_at is not None


@pytest.mark.django_db
def test_rescheduling_moves_the_time_and_cancelling_returns_the_lead(workspace, connected, lead, channel_sandbox):
    tenant = workspace[0]
    _book(channel_sandbox, tenant, connected, bookingUrl=_link(tenant, lead), uid="bk1")

    moved = _book(channel_sandbox, tenant, connected, event="BOOKING_RESCHEDULED", uid="bk1", newUid="bk2",
                  start="2026-05-04T06:30:00Z")
    assert moved.json() == {"status": "applied"}
    status, booked_at, events = _state(tenant, lead)
    assert (status, booked_at) == ("booked", dt.datetime(2026, 5, 4, 6, 30, tzinfo=dt.UTC))
    assert events[-1] == ("booked",
                          "Запись перенесена на 4 мая 2026, 11:30, Екатеринбург (UTC+5) · «Консультация» (Cal.com)")

    cancelled = _book(channel_sandbox, tenant, connected, event="BOOKING_CANCELLED", uid="bk2",
                      cancellationReason="Заболел")
    assert cancelled.json() == {"status": "applied"}
    status, booked_at, events = _state(tenant, lead)
    assert (status, booked_at) == ("contacted", None)
    assert events[-1] == ("status_changed", "Запись на 4 мая 2026, 11:30, Екатеринбург (UTC+5) отменена: Заболел · "
                                            "статус «Связались» (Cal.com)")
    with tenant_context(tenant):
        assert dict(Booking.objects.values_list("uid", "status")) == {"bk1": "rescheduled", "bk2": "cancelled"}


@pytest.mark.django_db
@pytest.mark.parametrize("forgery", ["wrong_secret", "tampered", "no_signature", "no_secret_provided"])
def test_a_forged_webhook_is_403_and_changes_nothing(workspace, connected, lead, channel_sandbox, forgery):
    tenant = workspace[0]
    params = {"url": connected["webhookUrl"], "secret": connected["webhookSecret"], "start": START,
              "bookingUrl": _link(tenant, lead)}
    if forgery == "wrong_secret":
        params["secret"] = "not-the-secret"
    webhook = channel_sandbox.providers["calcom"].inbound(params)
    headers = {}
    if forgery == "tampered":
        webhook = Webhook(webhook.url, webhook.body.replace(b"2026-05-03T10", b"2026-05-09T10"), webhook.headers)
    elif forgery == "no_signature":
        headers = {"X-Cal-Signature-256": ""}
    elif forgery == "no_secret_provided":
        params.pop("secret")
        webhook = channel_sandbox.providers["calcom"].inbound(params)
        assert webhook.headers["X-Cal-Signature-256"] == "no-secret-provided"

    response = _deliver(tenant, webhook, **headers)
    assert response.status_code == 403, response.content
    assert response.json()["error"]["message"] == "Подпись вебхука Cal.com не совпала."
    assert _state(tenant, lead) == ("contacted", None, [])
    with tenant_context(tenant):
        assert not Booking.objects.exists()


@pytest.mark.django_db
def test_an_unknown_webhook_address_is_404(workspace, connected, lead, channel_sandbox):
    tenant = workspace[0]
    webhook = channel_sandbox.providers["calcom"].inbound(
        {"url": connected["webhookUrl"] + "x", "secret": connected["webhookSecret"], "start": START,
         "bookingUrl": _link(tenant, lead)})
    assert _deliver(tenant, webhook).status_code == 404
    assert _state(tenant, lead)[0] == "contacted"


@pytest.mark.django_db
def test_replayed_and_stale_webhooks_change_nothing(workspace, connected, lead, channel_sandbox):
    tenant = workspace[0]
    with tenant_context(tenant):
        forgotten = BookingWebhook.objects.create(digest="0" * 64)
        BookingWebhook.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - dt.timedelta(days=7))
    webhook = channel_sandbox.providers["calcom"].inbound(
        {"url": connected["webhookUrl"], "secret": connected["webhookSecret"], "start": START,
         "bookingUrl": _link(tenant, lead), "uid": "bk1"})
    assert _deliver(tenant, webhook).json() == {"status": "applied"}
    with tenant_context(tenant):
        assert not BookingWebhook.objects.filter(pk=forgotten.pk).exists()  # past every redelivery's createdAt
    before = _state(tenant, lead)

    assert _deliver(tenant, webhook).json() == {"status": "duplicate"}
    old = (timezone.now() - dt.timedelta(days=4)).isoformat().replace("+00:00", "Z")
    stale = _book(channel_sandbox, tenant, connected, event="BOOKING_CANCELLED", uid="bk1", createdAt=old)
    assert stale.status_code == 200
    assert stale.json() == {"status": "stale"}
    assert _state(tenant, lead) == before

    cancelled = _book(channel_sandbox, tenant, connected, event="BOOKING_CANCELLED", uid="bk1")
    assert cancelled.json() == {"status": "applied"}
    late = _book(channel_sandbox, tenant, connected, event="BOOKING_RESCHEDULED", uid="bk1", newUid="bk1",
                 createdAt=(timezone.now() - dt.timedelta(hours=1)).isoformat())
    assert late.json() == {"status": "stale"}  # older than the cancellation already applied
    assert _state(tenant, lead)[0] == "contacted"


@pytest.mark.django_db
def test_a_link_edited_to_another_lead_books_nobody(workspace, connected, lead, channel_sandbox):
    tenant = workspace[0]
    with tenant_context(tenant):
        other = Lead.objects.create(name="Борис", email="boris@example.com", created_at=timezone.now())
    link = _link(tenant, lead).replace(f"metadata%5BleadId%5D={lead.pk}", f"metadata%5BleadId%5D={other.pk}")

    response = _book(channel_sandbox, tenant, connected, bookingUrl=link)
    assert response.json() == {"status": "ignored"}
    assert _state(tenant, other) == ("new", None, [])
    assert _state(tenant, lead) == ("contacted", None, [])


@pytest.mark.django_db
def test_end_to_end_the_widget_offers_a_time_and_the_booking_lands_on_the_lead(workspace, connected,
                                                                               channel_sandbox, send_mail_now,
                                                                               settings):
    settings.SMS_AT_NIGHT = True
    tenant = workspace[0]
    with tenant_context(tenant):
        services.connect("twilio", dict(zip(("accountSid", "authToken", "fromNumber"), DEFAULT_TWILIO, strict=True)),
                         actor=None)
    with send_mail_now():
        response = post_widget_lead(tenant, email="anna@example.com")
    booking_url = response.json()["bookingUrl"]
    assert booking_url.startswith(BOOKING_PAGE + "?name=%D0%90%D0%BD%D0%BD%D0%B0&email=anna%40example.com&")
    (sms,) = channel_sandbox.messages("twilio")
    short = sms["text"].rsplit("Запись: ", 1)[1]
    assert short.startswith(f"{tenant.url}b/")  # on the workspace's own host
    opened = Client(HTTP_HOST=tenant.primary_host).get(urlsplit(short).path)  # the lead is not logged in
    assert (opened.status_code, opened["Location"]) == (302, booking_url)

    booked = _book(channel_sandbox, tenant, connected, bookingUrl=booking_url)
    assert booked.json() == {"status": "applied"}
    with tenant_context(tenant):
        lead = Lead.objects.get(pk=response.json()["leadId"])
        assert (lead.status, lead.booked_at) == ("booked", dt.datetime(2026, 5, 3, 10, 0, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_key_rotation_reencrypts_the_calendar(workspace, connected, settings):
    tenant = workspace[0]
    new_key = Fernet.generate_key().decode()
    settings.CHANNEL_SECRET_KEYS = [new_key, *settings.CHANNEL_SECRET_KEYS]
    call_command("rotate_channel_keys", stdout=io.StringIO())
    settings.CHANNEL_SECRET_KEYS = [new_key]
    with tenant_context(tenant):
        assert booking.webhook_secret(CalendarConnection.objects.get()) == connected["webhookSecret"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Subscription.Status.GRACE, Subscription.Status.BLOCKED])
def test_bookings_are_recorded_while_the_workspace_is_unpaid(workspace, connected, lead, channel_sandbox, status):
    tenant = workspace[0]
    start_trial(tenant.account)
    assert Subscription.objects.filter(account=tenant.account).update(status=status) == 1
    response = _book(channel_sandbox, tenant, connected, bookingUrl=_link(tenant, lead))
    assert response.json() == {"status": "applied"}
    assert _state(tenant, lead)[0] == "booked"


@pytest.mark.django_db
def test_a_signed_ping_shows_the_webhook_works_and_changes_no_lead(workspace, connected, lead):
    tenant = workspace[0]
    body = json.dumps({"triggerEvent": "PING", "createdAt": "2026-05-01T09:00:00.000Z",
                       "payload": {"type": "Test", "title": "Test trigger event"}}, separators=(",", ":")).encode()
    ping = Webhook(connected["webhookUrl"], body, {"Content-Type": "application/json",
                                                   "X-Cal-Signature-256": signature(connected["webhookSecret"], body)})
    assert _deliver(tenant, ping).json() == {"status": "ignored"}
    assert _calendars(tenant)[0].last_webhook_at is not None
    assert _state(tenant, lead) == ("contacted", None, [])
    garbage = Webhook(connected["webhookUrl"], b"[1]", {"Content-Type": "application/json",
                                                        "X-Cal-Signature-256": signature(connected["webhookSecret"],
                                                                                         b"[1]")})
    assert _deliver(tenant, garbage).status_code == 400


# --- the short link of the SMS greeting ---------------------------------------------------------------------------


def _sms_segments(text: str) -> int:
    """Segments of a Cyrillic SMS (UCS-2): 70 characters in one, 67 in each of a longer message's."""
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


@pytest.mark.django_db
def test_the_sms_greeting_carries_a_short_link_and_fits_two_segments(make_tenant, client_for, channel_sandbox):
    tenant = make_tenant(slug="ulybka", name="Стоматология «Улыбка»")
    connected = _post(client_for(tenant, tenant.memberships.get().user), "/api/v1/calendar",
                      {"apiKey": DEFAULT_CALCOM, "eventTypeId": EVENT_TYPE})
    assert connected.status_code == 201, connected.content
    production = {"PLATFORM_SCHEME": "https", "PLATFORM_DOMAIN": "fastlead.ru", "PLATFORM_PORT": ""}
    with tenant_context(tenant), override_settings(**production):
        lead = Lead.objects.create(name="Анна Петрова", phone="+79161234567", email="anna@example.com",
                                   created_at=timezone.now())
        text = greeting(lead, tenant)
        long_link = booking.booking_link(lead)
    code = text.rsplit("/b/", 1)[1]
    assert text == ("Здравствуйте, Анна Петрова! Стоматология «Улыбка»: получили вашу заявку, скоро свяжемся. "
                    f"Запись: https://ulybka.fastlead.ru/b/{code}")
    assert len(code) == 8
    assert _sms_segments(text) == 2
    assert _sms_segments(text.replace(f"https://ulybka.fastlead.ru/b/{code}", long_link)) >= 5  # the full link

    opened = Client(HTTP_HOST=tenant.primary_host).get(f"/b/{code}")
    assert (opened.status_code, opened["Location"]) == (302, long_link)
    with tenant_context(tenant), override_settings(**production):
        assert greeting(lead, tenant) == text  # one code per lead
        other = Lead.objects.create(name="Борис", created_at=timezone.now())
        assert booking.short_booking_link(other, tenant) != f"https://ulybka.fastlead.ru/b/{code}"


@pytest.mark.django_db
def test_an_unknown_short_link_shows_the_not_found_page(workspace, connected, lead):
    tenant = workspace[0]
    with tenant_context(tenant):
        link = booking.short_booking_link(lead, tenant)
    assert link is not None
    visitor = Client(HTTP_HOST=tenant.primary_host)
    for path in ("/b/AAAAAAAA", "/b/" + link.rsplit("/", 1)[1][:-1]):
        missing = visitor.get(path)
        assert missing.status_code == 404
        assert "Страница не найдена" in missing.content.decode()
    assert visitor.post(urlsplit(link).path).status_code == 405

    _delete = workspace[1].delete("/api/v1/calendar")
    assert _delete.status_code == 204, _delete.content
    gone = visitor.get(urlsplit(link).path)  # Cal.com disconnected: no page to send the lead to
    assert (gone.status_code, "Страница не найдена" in gone.content.decode()) == (404, True)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Subscription.Status.GRACE, Subscription.Status.BLOCKED])
def test_the_short_link_opens_while_the_workspace_is_unpaid(workspace, connected, lead, status):
    tenant = workspace[0]
    with tenant_context(tenant):
        link = booking.short_booking_link(lead, tenant)
    assert link is not None
    start_trial(tenant.account)
    assert Subscription.objects.filter(account=tenant.account).update(status=status) == 1
    opened = Client(HTTP_HOST=tenant.primary_host).get(urlsplit(link).path)
    assert (opened.status_code, opened["Location"]) == (302, _link(tenant, lead))


@pytest.mark.django_db
def test_the_bookers_email_is_kept_on_a_lead_without_one(workspace, connected, channel_sandbox):
    tenant = workspace[0]
    with tenant_context(tenant):
        lead = Lead.objects.create(name="Анна", phone="+79161234567", created_at=timezone.now())
        known = Lead.objects.create(name="Борис", email="boris@example.com", created_at=timezone.now())
    booked = _book(channel_sandbox, tenant, connected, bookingUrl=_link(tenant, lead), email=" anna@example.com ")
    assert booked.json() == {"status": "applied"}
    other = _book(channel_sandbox, tenant, connected, bookingUrl=_link(tenant, known), email="b.petrov@example.com")
    assert other.json() == {"status": "applied"}
    with tenant_context(tenant):
        assert Lead.objects.get(pk=lead.pk).email == "anna@example.com"
        assert Lead.objects.get(pk=known.pk).email == "boris@example.com"  # the lead's own address stays
