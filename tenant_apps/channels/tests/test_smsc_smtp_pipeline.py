"""SMSC.ru and SMTP in the sending pipeline: widget intake → outbox (eager) → the channel sandbox over real HTTP and
real SMTP; and the SMTP host rules (no probing of internal networks in production, no plaintext off loopback)."""


import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.tests.test_production import run_production
from core import outbox
from core.models import OutboxMessage
from dev.channel_sandbox import DEFAULT_SMSC, DEFAULT_SMTP
from shared_apps.tenancy.models import Membership
from tenant_apps.channels import services
from tenant_apps.channels.models import Channel, DeliveryAttempt
from tenant_apps.channels.providers.smtp import INTERNAL, PLAINTEXT, WRONG_PORT, Smtp
from tenant_apps.channels.sending import deliver_attempt
from tenant_apps.channels.transport import CredentialsRejected, Message, PermanentError, TemporaryError
from tenant_apps.leads.models import Lead, LeadEvent

PHONE = "+79161234567"
EMAIL = "anna@example.org"
SMSC = dict(zip(("login", "password", "sender"), DEFAULT_SMSC, strict=True))
SMSC_REVOKED = ("SMSC.ru не принял логин и пароль: проверьте их в личном кабинете SMSC.ru (или запрос пришёл с "
                "IP-адреса не из разрешённого списка).")


def smtp_credentials(port: int, **changes: str) -> dict[str, str]:
    return {"host": "127.0.0.1", "port": str(port), "security": "none", "username": DEFAULT_SMTP[0],
            "password": DEFAULT_SMTP[1], "fromEmail": DEFAULT_SMTP[2], **changes}


@pytest.fixture
def workspace(make_tenant, channel_sandbox, settings):
    settings.SMS_AT_NIGHT = True  # the tests run at any hour
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    return tenant




def _attempt(tenant, lead: Lead) -> DeliveryAttempt:
    with tenant_context(tenant):
        return DeliveryAttempt.objects.get(lead=lead)


def _events(tenant, lead: Lead) -> list[tuple[str, str]]:
    with tenant_context(tenant):
        return list(LeadEvent.objects.filter(lead=lead).values_list("kind", "text"))


def test_smsc_5xx_then_success_sends_exactly_one_sms(workspace, submit, channel_sandbox):
    with tenant_context(workspace):
        services.connect("smsc", SMSC, actor=None)
    channel_sandbox.set_fault("smsc", "http_500", times=1)
    lead = submit()

    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.tries) == ("pending", 1)
    assert channel_sandbox.messages("smsc") == []
    assert "SMSC.ru временно недоступен (ошибка 500)" in _events(workspace, lead)[-1][1]
    message = OutboxMessage.objects.get(handler=f"{deliver_attempt.__module__}.deliver_attempt")
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    with tenant_context(workspace):
        outbox.deliver(message.pk)
        outbox.deliver(message.pk)  # a redelivered copy sends nothing

    [sent] = channel_sandbox.messages("smsc")
    assert (sent["to"], sent["from"]) == (PHONE, "FastLead")
    assert sent["text"].startswith("Здравствуйте, Анна! «Улыбка»: получили вашу заявку")
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.tries, attempt.provider_message_id) == ("sent", 2, sent["id"])
    with tenant_context(workspace):
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONTACTED


def test_smsc_rate_limit_is_retried_later(workspace, submit, channel_sandbox):
    with tenant_context(workspace):
        services.connect("smsc", SMSC, actor=None)
    channel_sandbox.set_fault("smsc", "rate_limit", times=1)
    lead = submit()
    assert _attempt(workspace, lead).status == "pending"
    assert _events(workspace, lead)[-1][0] == "message_postponed"
    assert "SMSC.ru ограничил частоту запросов" in _events(workspace, lead)[-1][1]


def test_smsc_revoked_login_disables_the_channel_and_tells_the_admins(workspace, submit, channel_sandbox):
    with tenant_context(workspace):
        services.connect("smsc", SMSC, actor=None)
    channel_sandbox.set_fault("smsc", "revoked")
    mail.outbox.clear()
    lead = submit()

    with tenant_context(workspace):
        assert (Channel.objects.get().status, Channel.objects.get().last_error) == ("disabled", SMSC_REVOKED)
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW
    attempt = _attempt(workspace, lead)
    assert (attempt.status, attempt.error, attempt.tries) == ("failed", SMSC_REVOKED, 1)
    admin = workspace.memberships.get(role=Membership.Role.ADMIN).user
    letters = [letter for letter in mail.outbox if "отключён" in letter.subject]
    assert [letter.to for letter in letters] == [[admin.email]]
    assert letters[0].subject == "Канал «SMS (SMSC.ru)» отключён — Улыбка"
    assert channel_sandbox.messages("smsc") == []


def test_smsc_without_a_sender_name_uses_the_default_one(workspace, channel_sandbox):
    with tenant_context(workspace):
        channel = services.connect("smsc", {**SMSC, "sender": "  "}, actor=None)
        assert services.transport_for(channel).credentials == {"login": SMSC["login"], "password": SMSC["password"]}
        assert services.send_test(channel, PHONE, "Привет").status == "sent"
    assert channel_sandbox.messages("smsc")[0]["from"] == "SMSC.RU"


def test_smsc_refuses_a_sender_name_it_did_not_approve(workspace, channel_sandbox):
    with tenant_context(workspace):
        # the balance check does not know
        channel = services.connect("smsc", {**SMSC, "sender": "Unapproved"}, actor=None)
        attempt = services.send_test(channel, PHONE, "Привет")
    assert (attempt.status, attempt.error) == (
        "failed", "SMSC.ru запретил сообщение: текст или имя отправителя не одобрены.")
    assert channel_sandbox.messages() == []


def test_a_widget_lead_with_only_an_email_gets_the_greeting_by_email(workspace, submit, channel_sandbox):
    with tenant_context(workspace):
        services.connect("smtp", smtp_credentials(channel_sandbox.smtp_port, fromName="Улыбка"), actor=None)
    lead = submit(phone="", email=EMAIL)

    [sent] = channel_sandbox.messages("smtp")
    assert (sent["to"], sent["from"]) == (EMAIL, DEFAULT_SMTP[2])
    assert sent["text"].startswith("Здравствуйте, Анна! «Улыбка»: получили вашу заявку")
    assert sent["subject"] == "Улыбка: ваша заявка получена"
    attempt = _attempt(workspace, lead)
    assert attempt.status == "sent"
    assert sent["id"] == attempt.provider_message_id == f"<{attempt.idempotency_key}@fastlead.test>"
    assert lead.status == Lead.Status.CONTACTED
    assert [kind for kind, _ in _events(workspace, lead)] == ["created", "queued", "message_out", "status_changed"]


def test_an_smtp_server_that_is_down_is_retried_and_sends_once(workspace, submit, channel_sandbox):
    with tenant_context(workspace):
        services.connect("smtp", smtp_credentials(channel_sandbox.smtp_port), actor=None)
    channel_sandbox.set_fault("smtp", "http_500", times=1)
    lead = submit(phone="", email=EMAIL)
    assert _attempt(workspace, lead).status == "pending"
    assert "SMTP-сервер временно недоступен (ошибка 421)" in _events(workspace, lead)[-1][1]

    message = OutboxMessage.objects.get(handler=f"{deliver_attempt.__module__}.deliver_attempt")
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    with tenant_context(workspace):
        outbox.deliver(message.pk)
    assert len(channel_sandbox.messages("smtp")) == 1
    assert _attempt(workspace, lead).status == "sent"


def test_smtp_connection_rate_limit_and_timeout_are_temporary(channel_sandbox, settings):
    settings.CHANNEL_TIMEOUT_SECONDS = 0.5
    channel_sandbox.timeout_seconds = 2
    transport = Smtp(smtp_credentials(channel_sandbox.smtp_port))
    channel_sandbox.set_fault("smtp", "rate_limit")
    with pytest.raises(TemporaryError, match="ограничил частоту подключений"):
        transport.check()
    channel_sandbox.set_fault("smtp", "timeout")
    with pytest.raises(TemporaryError, match="не ответил вовремя"):
        transport.check()


def test_smtp_sender_the_server_does_not_allow_is_a_clear_refusal(channel_sandbox):
    transport = Smtp(smtp_credentials(channel_sandbox.smtp_port, fromEmail="ceo@example.org"))
    transport.check()  # AUTH does not prove the From is allowed (reference §3)
    with pytest.raises(PermanentError, match=r"не разрешает отправлять письма от ceo@example.org \(ошибка 553\)"):
        transport.send(Message(EMAIL, "Привет", "k1"))
    assert channel_sandbox.messages() == []


def test_starttls_against_a_server_without_it_is_refused_before_the_password_is_sent(channel_sandbox):
    transport = Smtp(smtp_credentials(channel_sandbox.smtp_port, security="starttls"))
    with pytest.raises(CredentialsRejected, match="не поддерживает STARTTLS"):
        transport.check()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.0.0.5", "192.168.1.1", "169.254.169.254", "100.64.0.1"])
def test_production_refuses_smtp_hosts_in_internal_networks(settings, host):
    settings.APP_ENV = "production"
    with pytest.raises(CredentialsRejected) as refused:
        Smtp(smtp_credentials(587, host=host, security="starttls")).check()
    assert refused.value.reason == INTERNAL


def test_production_allows_only_mail_ports(settings, monkeypatch):
    settings.APP_ENV = "production"
    monkeypatch.setattr("socket.getaddrinfo", lambda *args, **kwargs: [(2, 1, 6, "", ("93.184.215.14", 22))])
    with pytest.raises(CredentialsRejected) as refused:
        Smtp(smtp_credentials(22, host="mail.example.com", security="ssl")).check()
    assert refused.value.reason == WRONG_PORT


def test_no_encryption_is_refused_off_loopback(monkeypatch):
    monkeypatch.setattr("socket.getaddrinfo", lambda *args, **kwargs: [(2, 1, 6, "", ("93.184.215.14", 25))])
    with pytest.raises(CredentialsRejected) as refused:
        Smtp(smtp_credentials(25, host="mail.example.com")).check()
    assert refused.value.reason == PLAINTEXT


def test_production_points_smsc_at_the_real_api():
    done = run_production("import django; django.setup(); from django.conf import settings as s; print(s.SMSC_API_URL)")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["https://smsc.ru"]


def test_e_mail_subjects_say_what_the_letter_is(make_tenant, make_user, channel_sandbox, settings, send_mail_now):
    from tenant_apps.channels import conversation
    from tenant_apps.leads.services import create_lead

    settings.SMS_AT_NIGHT = True
    tenant = make_tenant(name="Стоматология «Улыбка»")  # quotes of its own: not wrapped again
    with tenant_context(tenant):
        channel = services.connect("smtp", smtp_credentials(channel_sandbox.smtp_port), actor=None)
        services.send_test(channel, EMAIL, "Проверка связи. Всё работает?")
    with send_mail_now(), tenant_context(tenant):
        lead = create_lead(name="Анна", email=EMAIL, channel="email")  # wrote to us by e-mail first
    with send_mail_now(), tenant_context(tenant):
        conversation.reply(Lead.objects.get(pk=lead.pk), "Ждём вас завтра в 11:00. Адрес: Ленина, 1.", make_user())

    test, greeting, reply = channel_sandbox.messages("smtp")
    assert [test["subject"], greeting["subject"], reply["subject"]] == [
        "Проверка канала", "Стоматология «Улыбка»: ваше сообщение получено", "Сообщение от Стоматология «Улыбка»"]
    assert greeting["text"] == ("Здравствуйте, Анна! Стоматология «Улыбка»: получили ваше сообщение, скоро "
                                "свяжемся. Можно ответить на это сообщение.")
