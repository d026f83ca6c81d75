"""The two-way conversation: webhooks from the channel sandbox (Telegram and Twilio signing as the real ones do)
land on the lead's timeline; a Telegram deep link from the widget links the chat to its lead; operators answer."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Plan, Subscription
from dev.channel_sandbox import DEFAULT_TELEGRAM, DEFAULT_TWILIO, STARTED_CHAT
from shared_apps.tenancy.models import Membership
from tenant_apps.channels import conversation, crypto, services
from tenant_apps.channels.models import Channel, ContactToken, Conversation, DeliveryAttempt, InboundMessage
from tenant_apps.channels.providers.twilio import signature, valid_signature
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import create_lead

from .widget_leads import post_widget_lead

SID, TOKEN, SENDER = DEFAULT_TWILIO
CHAT = 5550001
PHONE = "+79161234567"


# --- X-Twilio-Signature: the documented vectors (reference §12.1) ---------------------------------------------------

VECTOR_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
                 "To": "+18005551212"}
BASE = "https://mycompany.com/myapp.php?foo=1&bar=2"


@pytest.mark.parametrize(("url", "expected"), [
    (BASE, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
    ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
    ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
])
def test_twilio_signature_vectors(url, expected):
    assert signature("12345", url, VECTOR_PARAMS) == expected
    assert valid_signature("12345", url, VECTOR_PARAMS, expected)
    assert not valid_signature("54321", url, VECTOR_PARAMS, expected)
    assert not valid_signature("12345", url, {**VECTOR_PARAMS, "Digits": "1235"}, expected)


def test_twilio_signature_tries_the_url_with_and_without_the_default_port():
    # Twilio signed the URL with :443; we see it without (and the other way round).
    assert valid_signature("12345", BASE, VECTOR_PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")
    assert valid_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", VECTOR_PARAMS,
                           "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid_signature("12345", "http://mycompany.com/myapp.php?foo=1&bar=2", VECTOR_PARAMS,
                               "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")


def test_twilio_signature_repeated_keys_are_sorted_and_deduplicated():
    params = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234", "1234"]}
    assert signature("12345", BASE, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_twilio_signature_of_a_json_body_signs_the_url_and_checks_its_hash():
    body = b'{"property": "value", "boolean": true}'
    digest = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    url = f"{BASE}&bodySHA256={digest}"
    assert valid_signature("12345", url, {}, "a9nBmqA0ju/hNViExpshrM61xv4=", body)
    assert not valid_signature("12345", url, {}, "a9nBmqA0ju/hNViExpshrM61xv4=", body + b" ")


# --- fixtures -----------------------------------------------------------------------------------------------------

@pytest.fixture
def workspace(make_tenant, channel_sandbox, settings):
    settings.SMS_AT_NIGHT = True
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    return tenant


@pytest.fixture
def telegram(workspace) -> Channel:
    with tenant_context(workspace):
        return services.connect("telegram", {"botToken": DEFAULT_TELEGRAM}, actor=None)


@pytest.fixture
def twilio(workspace) -> Channel:
    with tenant_context(workspace):
        return services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)


def _submit(workspace, **fields) -> dict:
    return post_widget_lead(workspace, **{"phone": "", "email": "anna@example.ru", **fields}).json()


def _events(tenant, lead_id: int, kind: str = LeadEvent.Kind.MESSAGE_IN) -> list[str]:
    with tenant_context(tenant):
        return list(LeadEvent.objects.filter(lead_id=lead_id, kind=kind).values_list("text", flat=True))


def _webhook_client(tenant) -> Client:
    return Client(HTTP_HOST=tenant.primary_host)


def _telegram_update(chat: int, text: str, message_id: int, first_name: str = "Пётр") -> bytes:
    return json.dumps({"update_id": message_id, "message": {
        "message_id": message_id, "date": 1767225600, "text": text,
        "from": {"id": chat, "is_bot": False, "first_name": first_name},
        "chat": {"id": chat, "first_name": first_name, "type": "private"}}}).encode()


def _secret(tenant, channel: Channel) -> str:
    with tenant_context(tenant):
        return crypto.decrypt(Channel.objects.get(pk=channel.pk).credentials_token)["inboundSecret"]


def _post_telegram(tenant, channel: Channel, body: bytes, secret: str):
    return _webhook_client(tenant).post(f"/channels/inbound/telegram/{channel.inbound_key}", body,
                                        content_type="application/json",
                                        headers={"X-Telegram-Bot-Api-Secret-Token": secret})


# --- the Telegram deep link, end to end (live server: the sandbox posts the webhook over HTTP) ----------------------

@pytest.mark.django_db(transaction=True)
def test_a_widget_lead_opens_the_bot_is_greeted_writes_and_gets_the_operators_answer(
        live_server, settings, make_tenant, make_user, add_member, client_for, channel_sandbox, eager_tasks):
    settings.PLATFORM_PORT = str(urlsplit(live_server.url).port)
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    with tenant_context(tenant):
        channel = services.connect("telegram", {"botToken": DEFAULT_TELEGRAM}, actor=None)
    webhook = channel_sandbox.providers["telegram"].webhook
    assert webhook["url"] == f"{tenant.url}channels/inbound/telegram/{channel.inbound_key}"
    assert webhook["secret_token"] == _secret(tenant, channel)

    answer = _submit(tenant)
    lead_id = answer["leadId"]
    [link] = answer["messengers"]
    assert link["kind"] == "telegram"
    assert link["label"] == "Написать в Telegram"
    assert link["url"].startswith("https://t.me/fastlead_sandbox_bot?start=")
    token = link["url"].rpartition("=")[2]

    # The visitor presses Start: the bot greets them in that chat, the lead is contacted.
    assert channel_sandbox.send_inbound("telegram", {"from": CHAT, "text": f"/start {token}",
                                                     "first_name": "Анна"})["status"] == 200
    [greeting] = [m for m in channel_sandbox.messages("telegram") if m["to"] == str(CHAT)]
    assert greeting["text"].startswith("Здравствуйте, Анна! «Улыбка»: получили вашу заявку")
    with tenant_context(tenant):
        lead = Lead.objects.get(pk=lead_id)
        assert lead.status == Lead.Status.CONTACTED
        assert lead.first_contact_at is not None
        assert Conversation.objects.get(provider="telegram", address=str(CHAT)).lead_id == lead_id
        assert ContactToken.objects.get(token=token).used_at is not None
    assert _events(tenant, lead_id) == ["Telegram-бот: клиент открыл чат по ссылке из формы"]

    # The visitor writes: the message is on the lead's timeline.
    assert channel_sandbox.send_inbound("telegram", {"from": CHAT, "text": "Можно в субботу?"})["status"] == 200
    assert _events(tenant, lead_id)[-1] == "Можно в субботу?"

    # An operator answers through the API: the bot delivers it to the chat, the timeline shows it.
    operator = make_user()
    add_member(operator, tenant, Membership.Role.OPERATOR)
    response = client_for(tenant, operator).post(f"/api/v1/leads/{lead_id}/messages",
                                                 json.dumps({"text": "Да, в субботу в 11:00 свободно."}),
                                                 content_type="application/json")
    assert response.status_code == 202, response.content
    assert response.json()["provider"] == "telegram"
    assert response.json()["recipient"] == str(CHAT)
    sent = [m["text"] for m in channel_sandbox.messages("telegram") if m["to"] == str(CHAT)]
    assert sent[-1] == "Да, в субботу в 11:00 свободно."
    assert _events(tenant, lead_id, LeadEvent.Kind.MESSAGE_OUT)[-1] == (
        f"Telegram-бот → {CHAT}: Да, в субботу в 11:00 свободно.")

    # The same link opened from another chat links nothing: that person becomes a lead of their own.
    assert channel_sandbox.send_inbound("telegram", {"from": CHAT + 1, "text": f"/start {token}",
                                                     "first_name": "Чужой"})["status"] == 200
    with tenant_context(tenant):
        other = Conversation.objects.get(provider="telegram", address=str(CHAT + 1)).lead
        assert other.pk != lead_id
        assert other.name == "Чужой"
        assert other.channel == "telegram"
        assert Conversation.objects.get(provider="telegram", address=str(CHAT)).lead_id == lead_id


def test_an_expired_token_links_no_chat(workspace, telegram):
    answer = _submit(workspace)
    token = answer["messengers"][0]["url"].rpartition("=")[2]
    with tenant_context(workspace):
        ContactToken.objects.filter(token=token).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = _post_telegram(workspace, telegram, _telegram_update(CHAT, f"/start {token}", 1),
                              _secret(workspace, telegram))
    assert response.status_code == 200
    with tenant_context(workspace):
        assert Conversation.objects.get(address=str(CHAT)).lead_id != answer["leadId"]
        assert ContactToken.objects.get(token=token).used_at is None


def test_no_messenger_buttons_without_a_bot(workspace, twilio):
    assert _submit(workspace)["messengers"] == []


def test_a_forged_telegram_update_is_refused_and_changes_nothing(workspace, telegram, caplog):
    body = _telegram_update(CHAT, "Здравствуйте", 1)
    for secret in ("wrong-secret", ""):
        assert _post_telegram(workspace, telegram, body, secret).status_code == 403
    with tenant_context(workspace):
        assert not InboundMessage.objects.exists()
        assert not Lead.objects.exists()
    assert "channel_inbound_forged" in caplog.text
    assert "Здравствуйте" not in caplog.text


def test_unknown_addresses_and_providers_are_404(workspace, telegram):
    secret = _secret(workspace, telegram)
    body = _telegram_update(CHAT, "Здравствуйте", 1)
    client = _webhook_client(workspace)
    for path in ("/channels/inbound/telegram/nope", f"/channels/inbound/smsc/{telegram.inbound_key}",
                 f"/channels/inbound/twilio/{telegram.inbound_key}"):
        assert client.post(path, body, content_type="application/json",
                           headers={"X-Telegram-Bot-Api-Secret-Token": secret}).status_code == 404
    assert client.get(f"/channels/inbound/telegram/{telegram.inbound_key}").status_code == 404
    assert client.put(f"/channels/inbound/telegram/{telegram.inbound_key}").status_code == 405


def test_a_redelivered_update_is_stored_once_and_an_unknown_sender_becomes_a_lead(workspace, telegram):
    secret = _secret(workspace, telegram)
    body = _telegram_update(CHAT, "Сколько стоит чистка?", 7, first_name="Пётр")
    assert _post_telegram(workspace, telegram, body, secret).status_code == 200
    assert _post_telegram(workspace, telegram, body, secret).status_code == 200
    with tenant_context(workspace):
        [lead] = Lead.objects.all()
        assert (lead.name, lead.channel, lead.phone) == ("Пётр", "telegram", "")
        assert Conversation.objects.get(address=str(CHAT)).lead == lead
    assert _events(workspace, lead.pk) == ["Сколько стоит чистка?"]


def test_a_lead_who_wrote_first_is_greeted_in_that_chat(workspace, telegram, send_mail_now, channel_sandbox):
    with send_mail_now():
        assert _post_telegram(workspace, telegram, _telegram_update(STARTED_CHAT, "Есть запись на завтра?", 1),
                              _secret(workspace, telegram)).status_code == 200
    [greeting] = channel_sandbox.messages("telegram")
    assert greeting["to"] == str(STARTED_CHAT)
    assert greeting["text"].startswith("Здравствуйте, Пётр!")
    with tenant_context(workspace):
        assert Lead.objects.get().status == Lead.Status.CONTACTED


@pytest.mark.parametrize(("text", "event"), [
    ("/start AbCdEf0123456789", "Клиент открыл бота (ссылка недействительна или уже использована)"),
    ("/start", "Клиент открыл бота"),
])
def test_a_stranger_who_opens_the_bot_is_a_lead_greeted_for_a_message_not_a_form(workspace, telegram,
                                                                                 send_mail_now, channel_sandbox,
                                                                                 text, event):
    with send_mail_now():
        assert _post_telegram(workspace, telegram, _telegram_update(STARTED_CHAT, text, 1),
                              _secret(workspace, telegram)).status_code == 200
    with tenant_context(workspace):
        lead = Lead.objects.get()
    assert (lead.name, lead.channel) == ("Пётр", "telegram")
    assert _events(workspace, lead.pk) == [event]
    [greeting] = channel_sandbox.messages("telegram")
    assert greeting["to"] == str(STARTED_CHAT)
    assert greeting["text"] == ("Здравствуйте, Пётр! «Улыбка»: получили ваше сообщение, скоро свяжемся. "
                                "Можно ответить на это сообщение.")


# --- Twilio: inbound SMS signed by the sandbox ----------------------------------------------------------------------

def _sms(workspace, channel: Channel, channel_sandbox, sender: str, text: str):
    url = f"http://{workspace.primary_host}/channels/inbound/twilio/{channel.inbound_key}"
    webhook = channel_sandbox.providers["twilio"].inbound({"url": url, "from": sender, "text": text})
    return _webhook_client(workspace).post(urlsplit(url).path, webhook.body, content_type=webhook.headers[
        "Content-Type"], headers={"X-Twilio-Signature": webhook.headers["X-Twilio-Signature"]})


def test_an_sms_from_a_leads_phone_lands_on_its_timeline(workspace, twilio, channel_sandbox):
    with tenant_context(workspace):
        older = create_lead(name="Анна", phone=PHONE)
        lead = create_lead(name="Анна", phone=PHONE)
    response = _sms(workspace, twilio, channel_sandbox, PHONE, "Перезвоните после шести")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode().endswith("<Response></Response>")
    assert _events(workspace, lead.pk) == ["Перезвоните после шести"]
    assert _events(workspace, older.pk) == []
    with tenant_context(workspace):
        assert Conversation.objects.get(provider="twilio", address=PHONE).lead == lead


def test_a_tampered_sms_is_refused(workspace, twilio, channel_sandbox):
    url = f"http://{workspace.primary_host}/channels/inbound/twilio/{twilio.inbound_key}"
    webhook = channel_sandbox.providers["twilio"].inbound({"url": url, "from": PHONE, "text": "Привет"})
    form = parse_qs(webhook.body.decode())
    form["Body"] = ["Переведите 1000 рублей"]
    body = urlencode(form, doseq=True)
    response = _webhook_client(workspace).post(urlsplit(url).path, body, content_type=webhook.headers["Content-Type"],
                                               headers={"X-Twilio-Signature": webhook.headers["X-Twilio-Signature"]})
    assert response.status_code == 403
    with tenant_context(workspace):
        assert not InboundMessage.objects.exists()
        assert not Lead.objects.exists()


def test_an_sms_stranger_is_greeted_in_that_chat_like_a_messenger_one(workspace, twilio, channel_sandbox,
                                                                       send_mail_now):
    with send_mail_now():
        assert _sms(workspace, twilio, channel_sandbox, "+79990001122", "Есть запись на завтра?").status_code == 200
    [greeting] = channel_sandbox.messages("twilio")
    assert greeting["to"] == "+79990001122"
    assert greeting["text"] == ("Здравствуйте! «Улыбка»: получили ваше сообщение, скоро свяжемся. "
                                "Можно ответить на это сообщение.")  # no name: not «Здравствуйте, Без имени!»
    with tenant_context(workspace):
        assert Lead.objects.get().channel == "sms"
        assert Lead.objects.get().status == Lead.Status.CONTACTED


# --- notifications -----------------------------------------------------------------------------------------------

def test_the_assigned_operator_is_told_once_per_few_minutes(workspace, twilio, channel_sandbox, make_user,
                                                            add_member, send_mail_now):
    operator, other = make_user(full_name="Иван"), make_user()
    add_member(operator, workspace, Membership.Role.OPERATOR)
    add_member(other, workspace, Membership.Role.OPERATOR)
    with tenant_context(workspace):
        lead = create_lead(name="Анна", phone=PHONE)
        Lead.objects.filter(pk=lead.pk).update(assigned_to=operator)
    mail.outbox.clear()
    with send_mail_now():
        assert _sms(workspace, twilio, channel_sandbox, PHONE, "Когда можно прийти?").status_code == 200
        assert _sms(workspace, twilio, channel_sandbox, PHONE, "И сколько это стоит?").status_code == 200
    [message] = mail.outbox
    assert message.to == [operator.email]
    assert message.subject == "Новое сообщение от клиента «Анна»"
    assert "Клиент «Анна» написал в «Улыбка»:" in message.body
    assert "Когда можно прийти?" in message.body
    assert f"{workspace.url}leads/{lead.pk}" in message.body


def test_without_an_assignee_admins_and_operators_are_told(workspace, twilio, channel_sandbox, make_user,
                                                           add_member, send_mail_now):
    operator, analyst = make_user(), make_user()
    add_member(operator, workspace, Membership.Role.OPERATOR)
    add_member(analyst, workspace, Membership.Role.ANALYST)
    admin = workspace.memberships.get(role=Membership.Role.ADMIN).user
    mail.outbox.clear()
    with send_mail_now():
        assert _sms(workspace, twilio, channel_sandbox, "+79990001122", "Добрый день").status_code == 200
    assert sorted(m.to[0] for m in mail.outbox) == sorted([admin.email, operator.email])
    with tenant_context(workspace):
        assert Lead.objects.get().name == "Без имени"


def test_names_with_quotes_of_their_own_are_not_quoted_again(make_tenant, channel_sandbox, send_mail_now):
    tenant = make_tenant(name="Стоматология «Улыбка»")
    with tenant_context(tenant):
        twilio = services.connect("twilio", {"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER}, actor=None)
        create_lead(name='ООО "Ромашка"', phone=PHONE)
    mail.outbox.clear()
    with send_mail_now():
        assert _sms(tenant, twilio, channel_sandbox, PHONE, "Добрый день").status_code == 200
    assert mail.outbox[0].subject == 'Новое сообщение от клиента ООО "Ромашка"'
    assert 'Клиент ООО "Ромашка" написал в Стоматология «Улыбка»:' in mail.outbox[0].body
    assert "««" not in mail.outbox[0].alternatives[0][0]


# --- replies -----------------------------------------------------------------------------------------------------

def test_a_reply_goes_by_sms_to_the_leads_phone_and_errors_are_russian(workspace, twilio, make_user, add_member,
                                                                        client_for, send_mail_now, channel_sandbox):
    operator, analyst = make_user(), make_user()
    add_member(operator, workspace, Membership.Role.OPERATOR)
    add_member(analyst, workspace, Membership.Role.ANALYST)
    with tenant_context(workspace):
        lead = create_lead(name="Анна", phone=PHONE)
        silent = create_lead(name="Без контактов")
    url = f"/api/v1/leads/{lead.pk}/messages"
    with send_mail_now():
        response = client_for(workspace, operator).post(url, json.dumps({"text": "Ждём вас завтра"}),
                                                        content_type="application/json")
    assert response.status_code == 202, response.content
    assert [(m["to"], m["text"]) for m in channel_sandbox.messages("twilio")][-1] == (PHONE, "Ждём вас завтра")

    client = client_for(workspace, operator)
    empty = client.post(url, json.dumps({"text": "  "}), content_type="application/json")
    assert empty.status_code == 400
    assert empty.json()["error"]["fields"]["text"] == "Напишите текст сообщения."
    nowhere = client.post(f"/api/v1/leads/{silent.pk}/messages", json.dumps({"text": "Привет"}),
                          content_type="application/json")
    assert nowhere.status_code == 400
    assert nowhere.json()["error"]["message"] == conversation.NO_REPLY_CHANNEL
    assert client.post("/api/v1/leads/999999/messages", json.dumps({"text": "Привет"}),
                       content_type="application/json").status_code == 404
    denied = client_for(workspace, analyst).post(url, json.dumps({"text": "Привет"}), content_type="application/json")
    assert denied.status_code == 403


def test_a_failed_reply_keeps_its_text_on_the_timeline(workspace, twilio, make_user, channel_sandbox,
                                                      send_mail_now):
    with tenant_context(workspace):
        lead = create_lead(name="Анна", phone=PHONE)
    channel_sandbox.set_fault("twilio", "revoked")
    with send_mail_now(), tenant_context(workspace):
        conversation.reply(lead, "Ждём вас завтра в 11:00", make_user())
    [failed] = _events(workspace, lead.pk, LeadEvent.Kind.MESSAGE_FAILED)
    assert failed.startswith("SMS (Twilio): не отправлено — Twilio не принял")
    assert failed.endswith(" Текст: Ждём вас завтра в 11:00")


def test_whatsapp_takes_free_text_only_within_24_hours(workspace, make_user):
    user = make_user()
    with tenant_context(workspace):
        lead = create_lead(name="Анна", phone=PHONE)
        channel = Channel.objects.create(provider="whatsapp", kind="whatsapp", credentials_token=crypto.encrypt({}),
                                         secret_hint="••••0000")
        chat = Conversation.objects.create(lead=lead, channel=channel, provider="whatsapp", address="79161234567",
                                           last_inbound_at=timezone.now() - dt.timedelta(hours=25))
        with pytest.raises(conversation.InvalidInput) as refused:
            conversation.reply(lead, "Здравствуйте", user)
        assert refused.value.message.startswith("WhatsApp разрешает свободный текст только в течение 24 часов")
        assert not DeliveryAttempt.objects.exists()
        chat.last_inbound_at = timezone.now() - dt.timedelta(hours=23)
        chat.save()
        attempt = conversation.reply(lead, "Здравствуйте", user)
        assert (attempt.provider, attempt.recipient) == ("whatsapp", "79161234567")


def test_the_admin_is_shown_where_to_paste_twilios_webhook(workspace, twilio, telegram, client_for):
    admin = workspace.memberships.get(role=Membership.Role.ADMIN).user
    listed = {item["provider"]: item for item in client_for(workspace, admin).get("/api/v1/channels").json()}
    assert listed["twilio"]["inboundUrl"] == f"{workspace.url}channels/inbound/twilio/{twilio.inbound_key}"
    assert "A message comes in" in listed["twilio"]["inboundSetup"]
    assert (listed["telegram"]["inboundUrl"], listed["telegram"]["inboundSetup"]) == (None, "")  # set by setWebhook


def test_over_the_plans_lead_limit_a_stranger_is_not_made_a_lead(workspace, telegram, caplog):
    Plan.objects.filter(code="start").update(leads_per_month=1)
    Subscription.objects.update_or_create(account=workspace.account,
                                          defaults={"plan": Plan.objects.get(code="start"), "status": "active"})
    secret = _secret(workspace, telegram)
    assert _post_telegram(workspace, telegram, _telegram_update(CHAT, "Первый", 1), secret).status_code == 200
    assert _post_telegram(workspace, telegram, _telegram_update(CHAT + 1, "Второй", 2), secret).status_code == 200
    assert _post_telegram(workspace, telegram, _telegram_update(CHAT, "Снова первый", 3), secret).status_code == 200
    with tenant_context(workspace):
        [lead] = Lead.objects.all()
        assert list(InboundMessage.objects.values_list("provider_message_id", flat=True).order_by("id")) == [
            f"{CHAT}:1", f"{CHAT}:3"]
    assert _events(workspace, lead.pk) == ["Первый", "Снова первый"]  # a known chat is not a new lead
    assert "inbound_lead_refused" in caplog.text


def test_a_blocked_workspace_still_keeps_its_clients_messages(workspace, telegram):
    secret = _secret(workspace, telegram)
    assert _post_telegram(workspace, telegram, _telegram_update(CHAT, "Первый", 1), secret).status_code == 200
    Subscription.objects.update_or_create(account=workspace.account, defaults={
        "plan": Plan.objects.get(code="start"), "status": Subscription.Status.BLOCKED})
    assert _post_telegram(workspace, telegram, _telegram_update(CHAT, "Вы работаете?", 2), secret).status_code == 200
    assert _post_telegram(workspace, telegram, _telegram_update(CHAT + 1, "Новый", 3), secret).status_code == 200
    with tenant_context(workspace):
        [lead] = Lead.objects.all()  # no new leads on a blocked account
    assert _events(workspace, lead.pk) == ["Первый", "Вы работаете?"]
