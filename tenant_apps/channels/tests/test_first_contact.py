"""The sending pipeline and the first contact by SMS: widget intake → outbox (eager) → Twilio in the channel
sandbox over real HTTP, every outcome on the lead's timeline."""

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from core import outbox
from core.models import OutboxMessage
from dev.channel_sandbox import DEFAULT_TWILIO
from shared_apps.tenancy.models import Membership
from tenant_apps.channels import services
from tenant_apps.channels.first_contact import NO_CHANNEL
from tenant_apps.channels.models import Channel, DeliveryAttempt
from tenant_apps.channels.sending import deliver_attempt, send_message
from tenant_apps.leads.models import Lead, LeadEvent

SID, TOKEN, SENDER = DEFAULT_TWILIO
SITE = "https://ulybka-dent.ru"
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
        return services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER})


@pytest.fixture
def submit(workspace, send_mail_now):
    """A visitor sends the widget's form; the outbox runs its handlers in-process after the commit."""
    publication = workspace.widget_publication
    body = {"name": "Анна", "phone": "8 (916) 123-45-67", "email": "", "preferredChannel": "web",
            "consentPersonalData": True, "consentMarketing": False,
            "consentVersion": publication.config["consent"]["version"], "pageUrl": f"{SITE}/uslugi",
            "utm": {"source": "", "medium": "", "campaign": "", "term": "", "content": ""}, "website": ""}

    def post() -> Lead:
        with send_mail_now():
            response = Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.7").post(
                f"/w/{publication.public_key}/leads", json.dumps(body), content_type="application/json",
                headers={"Origin": SITE, "User-Agent": "Test/1.0"})
        assert response.status_code == 201, response.content
        with tenant_context(workspace):
            return Lead.objects.get(pk=response.json()["leadId"])

    return post


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
    assert "Первый контакт через" in _events(workspace, lead)[-1][1]
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
    assert _events(workspace, lead)[-1] == ("message_failed", f"SMS (Twilio): не отправлено — {reason}")
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
        "message_failed", "SMS (Twilio): не отправлено — Канал удалён или отключён — сообщение не отправлено.")
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
        "message_postponed", "Ночь у клиента: SMS уйдёт в 09:00 (Asia/Yekaterinburg).")
    message = OutboxMessage.objects.get(handler="tenant_apps.channels.first_contact.first_contact", args=[lead.pk])
    assert message.done_at is None
    assert message.available_at == dt.datetime(2026, 3, 11, 4, 0, tzinfo=dt.UTC)  # 09:00 local

    with time_machine.travel(dt.datetime(2026, 3, 11, 4, 0, 1, tzinfo=dt.UTC), tick=False), send_mail_now():
        assert outbox.relay() == 1  # the relay process finds it due
    assert len(channel_sandbox.messages("twilio")) == 1
    with tenant_context(workspace):
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONTACTED
