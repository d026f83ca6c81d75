"""The sending pipeline and the first contact by SMS: widget intake → outbox (eager) → Twilio in the channel
sandbox over real HTTP, every outcome on the lead's timeline."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from core import outbox
from core.models import OutboxMessage
from dev.channel_sandbox import DEFAULT_CALCOM, DEFAULT_TWILIO
from shared_apps.tenancy.models import Membership
from tenant_apps.channels import booking, services, wording
from tenant_apps.channels.first_contact import NO_CHANNEL
from tenant_apps.channels.models import Channel, DeliveryAttempt
from tenant_apps.channels.sending import deliver_attempt, send_message
from tenant_apps.leads.models import Lead, LeadEvent

SID, TOKEN, SENDER = DEFAULT_TWILIO
PHONE = "+79161234567"


@pytest.fixture
def workspace(make_tenant, channel_sandbox, settings):
    settings.SMS_AT_NIGHT = True  # the tests below run at any hour; quiet hours have their own
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    return tenant


@pytest.fixture
def twilio(workspace) -> Channel:
    with tenant_context(workspace):
        return services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)




def _events(tenant, lead: Lead) -> list[tuple[str, str]]:
    with tenant_context(tenant):
        return list(LeadEvent.objects.filter(lead=lead).values_list("kind", "text"))


def _attempt(tenant, lead: Lead) -> DeliveryAttempt:
    with tenant_context(tenant):
        return DeliveryAttempt.objects.get(lead=lead)


def _message_of(attempt: DeliveryAttempt) -> OutboxMessage:
    # A done message's arguments are cleared: each test here queues one delivery.
    return OutboxMessage.objects.get(handler=f"{deliver_attempt.__module__}.deliver_attempt")


def test_a_widget_lead_with_a_phone_gets_one_sms_and_becomes_contacted(workspace, twilio, submit, channel_sandbox):
    lead = submit()

    sent = channel_sandbox.messages("twilio")
    assert len(sent) == 1
    assert sent[0]["to"] == PHONE
    assert sent[0]["from"] == SENDER
    assert "Улыбка" in sent[0]["text"]
    assert sent[0]["text"].startswith("Здравствуйте, Анна!")
    assert lead.status == Lead.Status.CONTACTED
    assert lead.first_contact_at is not None
    assert lead.first_contact_at >= lead.created_at
    kinds = [kind for kind, _ in _events(workspace, lead)]
    assert kinds == ["created", "queued", "message_out", "status_changed"]
    assert re.fullmatch(r"Первый контакт через \d+,\d с · статус «.+»", _events(workspace, lead)[-1][1])
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.tries, attempt.provider_message_id) == ("sent", 1, sent[0]["id"])


def test_a_rerun_after_success_sends_nothing(workspace, twilio, submit, channel_sandbox):
    lead = submit()
    attempt = _attempt(workspace, lead)
    with tenant_context(workspace):
        deliver_attempt(attempt.pk)
    assert len(channel_sandbox.messages("twilio")) == 1
    assert [kind for kind, _ in _events(workspace, lead)].count("message_out") == 1


def test_a_5xx_is_retried_and_the_message_goes_exactly_once(workspace, twilio, submit, channel_sandbox):
    channel_sandbox.set_fault("twilio", "http_500", times=1)
    lead = submit()

    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.tries) == ("pending", 1)
    assert channel_sandbox.messages("twilio") == []
    message = _message_of(attempt)
    assert message.done_at is None
    assert message.available_at > timezone.now()
    assert "временно недоступен" in message.last_error
    events = _events(workspace, lead)
    assert events[-1][0] == "message_postponed"
    assert "Twilio временно недоступен (ошибка 500)" in events[-1][1]
    assert events[-1][1].endswith(f"Текст: {attempt.text}")  # the operator sees which message waits

    # The relay hands it over again once due.
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    with tenant_context(workspace):  # a worker takes the schema from the message's headers
        outbox.deliver(message.pk)
        outbox.deliver(message.pk)  # a redelivered copy
    assert len(channel_sandbox.messages("twilio")) == 1
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.tries) == ("sent", 2)
    with tenant_context(workspace):
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONTACTED


def test_a_429_waits_as_long_as_the_provider_asks(workspace, twilio, submit, channel_sandbox):
    channel_sandbox.set_fault("twilio", "rate_limit", times=1)
    before = timezone.now()
    lead = submit()
    message = _message_of(_attempt(workspace, lead))
    # The sandbox answers Retry-After: 5.
    assert before + dt.timedelta(seconds=5) <= message.available_at <= timezone.now() + dt.timedelta(seconds=5)
    assert channel_sandbox.messages("twilio") == []


def test_temporary_failures_give_up_after_the_outbox_limit(workspace, twilio, submit, channel_sandbox):
    channel_sandbox.set_fault("twilio", "http_500", times=outbox.MAX_ATTEMPTS)
    lead = submit()
    message = _message_of(_attempt(workspace, lead))
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        with tenant_context(workspace):
            outbox.deliver(message.pk)
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.tries) == ("failed", outbox.MAX_ATTEMPTS)
    assert _message_of(attempt).done_at is not None
    assert _events(workspace, lead)[-1][0] == "message_failed"
    assert channel_sandbox.messages("twilio") == []
    with tenant_context(workspace):
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_revoked_credentials_disable_the_channel_and_tell_the_admins(workspace, twilio, submit, channel_sandbox,
                                                                   make_user, add_member):
    add_member(make_user(), workspace, Membership.Role.OPERATOR)
    channel_sandbox.set_fault("twilio", "revoked")
    mail.outbox.clear()
    lead = submit()

    reason = "Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio (или аккаунт приостановлен)."
    with tenant_context(workspace):
        channel = Channel.objects.get()
        assert (channel.status, channel.last_error) == ("disabled", reason)
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.error, attempt.tries) == ("failed", reason, 1)
    assert _message_of(attempt).done_at is not None  # no retry
    assert _events(workspace, lead)[-1] == (
        "message_failed", f"SMS (Twilio): не отправлено — {reason} Текст: {attempt.text}")
    assert attempt.text.startswith("Здравствуйте, Анна!")
    admin = workspace.memberships.get(role=Membership.Role.ADMIN).user
    letters = [letter for letter in mail.outbox if "отключён" in letter.subject]
    assert [letter.to for letter in letters] == [[admin.email]]
    assert letters[0].subject == "Канал «SMS (Twilio)» отключён — Улыбка"
    assert reason in letters[0].body

    channel_sandbox.set_fault("twilio", "none")
    with tenant_context(workspace):  # a message queued before the channel was disabled stays unsent
        deliver_attempt(send_message(Channel.objects.get(), lead, PHONE, "Ещё одно").pk)
        assert Channel.objects.get().last_error == reason
    assert _events(workspace, lead)[-1] == (
        "message_failed",
        "SMS (Twilio): не отправлено — Канал удалён или отключён — сообщение не отправлено. Текст: Ещё одно")
    next_lead = submit()  # the next lead finds no connected channel
    assert _events(workspace, next_lead)[-1] == ("message_failed", NO_CHANNEL)
    assert channel_sandbox.messages("twilio") == []


def test_an_unsubscribed_recipient_fails_once_without_retry(workspace, twilio, channel_sandbox, send_mail_now):
    from dev.channel_sandbox import UNSUBSCRIBED
    from tenant_apps.leads.services import create_lead

    with tenant_context(workspace), send_mail_now():
        lead = create_lead(name="Олег", phone=UNSUBSCRIBED)
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.error) == ("failed", "Получатель отписался от SMS с этого номера (ответил STOP).")
    assert _message_of(attempt).done_at is not None
    with tenant_context(workspace):
        assert Channel.objects.get().status == "connected"


def test_without_a_connected_channel_the_timeline_says_why(workspace, submit, channel_sandbox):
    lead = submit()
    assert lead.status == Lead.Status.NEW
    assert lead.first_contact_at is None
    assert _events(workspace, lead)[-1] == ("message_failed", NO_CHANNEL)
    assert channel_sandbox.messages() == []


def test_no_sms_at_night_the_greeting_waits_for_nine_local(workspace, twilio, submit, channel_sandbox, settings,
                                                           send_mail_now):
    settings.SMS_AT_NIGHT = False
    workspace.timezone = "Asia/Yekaterinburg"  # UTC+5
    workspace.save()
    night = dt.datetime(2026, 3, 10, 18, 30, tzinfo=dt.UTC)  # 23:30 local
    with time_machine.travel(night, tick=False):
        lead = submit()
    assert channel_sandbox.messages() == []
    assert lead.status == Lead.Status.NEW
    assert _events(workspace, lead)[-1] == (
        "message_postponed", "Ночь у клиента: SMS уйдёт в 09:00 по его времени — Екатеринбург (UTC+5).")
    message = OutboxMessage.objects.get(handler="tenant_apps.channels.first_contact.first_contact", args=[lead.pk])
    assert message.done_at is None
    assert message.available_at == dt.datetime(2026, 3, 11, 4, 0, tzinfo=dt.UTC)  # 09:00 local

    with time_machine.travel(dt.datetime(2026, 3, 11, 4, 0, 1, tzinfo=dt.UTC), tick=False), send_mail_now():
        assert outbox.relay() == 1  # the relay process finds it due
    assert len(channel_sandbox.messages("twilio")) == 1
    with tenant_context(workspace):
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONTACTED


def test_a_lead_who_books_at_night_gets_no_morning_sms(workspace, twilio, submit, channel_sandbox, settings,
                                                       send_mail_now):
    settings.SMS_AT_NIGHT = False
    workspace.timezone = "Asia/Yekaterinburg"  # UTC+5
    workspace.save()
    with tenant_context(workspace):
        calendar = booking.connect(DEFAULT_CALCOM, 7001, actor=None)
        url, secret = booking.webhook_url(calendar, workspace), booking.webhook_secret(calendar)
    with time_machine.travel(dt.datetime(2026, 3, 10, 18, 30, tzinfo=dt.UTC), tick=False):
        lead = submit()
    assert _events(workspace, lead)[-1][0] == "message_postponed"

    with time_machine.travel(dt.datetime(2026, 3, 10, 19, 0, tzinfo=dt.UTC), tick=False):
        with tenant_context(workspace):
            link = booking.booking_link(lead)
        webhook = channel_sandbox.providers["calcom"].inbound(
            {"url": url, "secret": secret, "bookingUrl": link, "email": "anna@example.com",
             "start": "2026-03-11T06:00:00Z"})
        response = Client(HTTP_HOST=workspace.primary_host).post(
            "/" + webhook.url.split("/", 3)[3], webhook.body, content_type="application/json",
            headers={"X-Cal-Signature-256": webhook.headers["X-Cal-Signature-256"]})
    assert response.json() == {"status": "applied"}

    with time_machine.travel(dt.datetime(2026, 3, 11, 4, 0, 1, tzinfo=dt.UTC), tick=False), send_mail_now():
        assert outbox.relay() == 1  # the postponed greeting's turn comes: the lead has booked, nothing is sent
    assert channel_sandbox.messages("twilio") == []
    with tenant_context(workspace):
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.BOOKED
        assert not DeliveryAttempt.objects.filter(lead=lead).exists()
    assert _events(workspace, lead)[-1] == (
        "booked", "Записан на 11 марта 2026, 11:00, Екатеринбург (UTC+5) · «Консультация» (Cal.com)")


def _night_rule(workspace, settings, zone: str) -> None:
    settings.SMS_AT_NIGHT = False
    workspace.timezone = zone
    workspace.save()


def test_the_night_is_the_leads_own_by_its_browsers_time_zone(workspace, twilio, submit, channel_sandbox, settings):
    _night_rule(workspace, settings, "Europe/Moscow")
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), tick=False):  # 15:00 in Moscow
        far_east = submit(timeZone="Asia/Vladivostok")  # 22:00 there
    assert channel_sandbox.messages() == []
    assert far_east.timezone == "Asia/Vladivostok"
    assert _events(workspace, far_east)[-1] == (
        "message_postponed", "Ночь у клиента: SMS уйдёт в 09:00 по его времени — Владивосток (UTC+10).")
    message = OutboxMessage.objects.get(handler="tenant_apps.channels.first_contact.first_contact",
                                        args=[far_east.pk])
    assert message.available_at == dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC)

    with time_machine.travel(dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC), tick=False):  # 23:00 in Moscow
        abroad = submit(timeZone="America/New_York", phone="+7 916 765-43-21")  # 16:00 there
    assert [message["to"] for message in channel_sandbox.messages("twilio")] == ["+79167654321"]
    assert _attempt(workspace, abroad).status == DeliveryAttempt.Status.SENT


def test_an_unknown_browser_time_zone_is_dropped_and_a_landline_tells_the_zone(workspace, twilio, submit,
                                                                                channel_sandbox, settings):
    _night_rule(workspace, settings, "Europe/Moscow")
    with time_machine.travel(dt.datetime(2026, 3, 10, 16, 30, tzinfo=dt.UTC), tick=False):  # 19:30 in Moscow
        lead = submit(timeZone="Mars/Olympus_Mons", phone="+7 343 212-34-56")  # Yekaterinburg: 21:30
    assert lead.timezone == ""
    assert channel_sandbox.messages() == []
    assert _events(workspace, lead)[-1] == (
        "message_postponed", "Ночь у клиента: SMS уйдёт в 09:00 по его времени — Екатеринбург (UTC+5).")


def test_a_workspace_that_allows_night_sms_greets_at_once(workspace, twilio, submit, channel_sandbox, settings):
    _night_rule(workspace, settings, "Europe/Moscow")
    with tenant_context(workspace):
        services.update_contact_policy(["sms", "email"], sms_at_night=True)
    with time_machine.travel(dt.datetime(2026, 3, 10, 22, 0, tzinfo=dt.UTC), tick=False):  # 01:00 in Moscow
        submit()
    assert len(channel_sandbox.messages("twilio")) == 1


def test_the_workspaces_order_decides_between_sms_and_e_mail(workspace, twilio, submit, channel_sandbox,
                                                             send_mail_now):
    from tenant_apps.leads.services import create_lead

    from .test_channels_api import SENDGRID

    with tenant_context(workspace):
        services.connect("sendgrid", SENDGRID, actor=None)
        services.update_contact_policy(["email", "sms"], sms_at_night=False)
    lead = submit(email="anna@example.com")
    assert channel_sandbox.messages("twilio") == []
    assert [message["to"] for message in channel_sandbox.messages("sendgrid")] == ["anna@example.com"]
    assert _attempt(workspace, lead).provider == "sendgrid"

    with tenant_context(workspace), send_mail_now():
        by_sms = create_lead(name="Олег", email="oleg@example.com", phone="+79161112233", preferred_channel="sms")
    assert [message["to"] for message in channel_sandbox.messages("twilio")] == ["+79161112233"]  # preferred first
    assert _attempt(workspace, by_sms).provider == "twilio"


def test_outside_business_hours_the_greeting_says_when_the_business_answers(workspace, twilio, submit,
                                                                             channel_sandbox):
    from tenant_apps.widgets.services import get_widget

    with tenant_context(workspace):
        widget = get_widget()
        widget.business_hours = {**widget.business_hours, "enabled": True}  # Mon–Fri 09:00–20:00
        widget.save()
    saturday = dt.datetime(2026, 3, 14, 10, 0, tzinfo=dt.UTC)  # 13:00 in Moscow
    with time_machine.travel(saturday, tick=False):
        submit()
    assert "получили вашу заявку, свяжемся в понедельник с 09:00." in channel_sandbox.messages("twilio")[0]["text"]
    with time_machine.travel(dt.datetime(2026, 3, 16, 5, 0, tzinfo=dt.UTC), tick=False):  # Monday, 08:00
        submit(phone="+7 916 000-11-22")
    assert "свяжемся сегодня с 09:00" in channel_sandbox.messages("twilio")[1]["text"]
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC), tick=False):  # Monday, 12:00
        submit(phone="+7 916 000-33-44")
    assert "получили вашу заявку, скоро свяжемся." in channel_sandbox.messages("twilio")[2]["text"]


def test_a_greeting_waiting_for_a_retry_is_dropped_once_the_lead_has_booked(workspace, twilio, submit,
                                                                            channel_sandbox, send_mail_now):
    channel_sandbox.set_fault("twilio", "http_500", times=1)
    lead = submit()
    assert _attempt(workspace, lead).status == DeliveryAttempt.Status.PENDING
    with tenant_context(workspace):
        Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.BOOKED)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False), send_mail_now():
        assert outbox.relay() == 1
    assert channel_sandbox.messages("twilio") == []
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.error) == (
        DeliveryAttempt.Status.FAILED, "Клиент уже записался — автоматическое сообщение больше не нужно.")


@pytest.mark.parametrize(("name", "shown"), [
    ("Улыбка", "«Улыбка»"), (" Улыбка ", "«Улыбка»"), ("Стоматология «Улыбка»", "Стоматология «Улыбка»"),
    ('ООО "Ромашка"', 'ООО "Ромашка"'), ("«Лотос»", "«Лотос»"), ("O'Neil", "«O'Neil»"),
])
def test_a_workspace_name_is_quoted_once(name, shown):
    assert wording.quoted(name) == shown


def test_readable_time_zones_and_seconds():
    assert wording.zone_label("Europe/Moscow") == "Москва (UTC+3)"
    assert wording.zone_label(ZoneInfo("Asia/Vladivostok")) == "Владивосток (UTC+10)"
    assert wording.zone_label("Asia/Tbilisi") == "Asia/Tbilisi (UTC+4)"  # outside Russia: its id, with the offset
    assert (wording.seconds(0.34), wording.seconds(12.0)) == ("0,3", "12,0")
