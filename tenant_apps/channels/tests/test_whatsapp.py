"""WhatsApp Business Cloud API against the channel sandbox: webhook signatures, Meta's handshake, the 24-hour window
and the template first contact of a widget lead."""

import json
from urllib.parse import urlsplit

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import tenant_context

from core.errors import InvalidInput
from dev.channel_sandbox import DEFAULT_WHATSAPP, WINDOW_OPEN
from tenant_apps.channels import crypto, services
from tenant_apps.channels.models import Channel, Conversation, DeliveryAttempt
from tenant_apps.channels.providers.whatsapp import ERRORS, PHONE_NOT_FOUND, WRONG_APP_SECRET, WhatsApp, signature
from tenant_apps.channels.transport import INBOUND_SECRET, InboundRejected, Message
from tenant_apps.leads.models import Lead, LeadEvent
from tenant_apps.leads.services import create_lead

TOKEN, NUMBER_ID, APP_SECRET = DEFAULT_WHATSAPP
CREDENTIALS = {"accessToken": TOKEN, "phoneNumberId": NUMBER_ID, "appSecret": APP_SECRET,
               "templateName": "hello_lead", "templateLanguage": "ru"}
VERIFY_TOKEN = "verify-token-0123456789"
PHONE = "+79161234567"
URL = "https://example.com/channels/inbound/whatsapp/key"


def _transport() -> WhatsApp:
    return WhatsApp({**CREDENTIALS, INBOUND_SECRET: VERIFY_TOKEN})


def _webhook(channel_sandbox, **params):
    """The webhook the sandbox would post for a person's message, as a Django request to our view."""
    with channel_sandbox.lock:
        webhook = channel_sandbox.providers["whatsapp"].inbound({"url": URL, **params})
    return webhook, RequestFactory().post("/", webhook.body, content_type="application/json",
                                          headers={key: value for key, value in webhook.headers.items()
                                                   if key != "Content-Type"})


def test_the_signature_matches_the_reference_vector():
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    assert signature("app_secret_123", body) == \
        "sha256=02fe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d1f"
    assert signature("app_secret_124", body) != signature("app_secret_123", body)


def test_a_signed_text_message_is_read_with_its_sender_name_and_id(channel_sandbox):
    webhook, request = _webhook(channel_sandbox, **{"from": PHONE, "text": "Здравствуйте, есть запись?",
                                                    "name": "Анна"})
    assert b"\\u0417" in webhook.body  # Meta escapes non-ASCII: the signature covers the bytes as sent

    [inbound] = _transport().parse_inbound(request)

    message_id = json.loads(webhook.body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert (inbound.sender, inbound.text, inbound.sender_name) == (PHONE, "Здравствуйте, есть запись?", "Анна")
    assert inbound.provider_message_id == message_id
    assert inbound.start_token == ""


@pytest.mark.parametrize("forge", ["wrong secret", "tampered body", "re-serialised", "no header", "sha1"])
def test_a_forged_webhook_is_rejected(channel_sandbox, forge):
    webhook, _ = _webhook(channel_sandbox, **{"from": PHONE, "text": "Привет"})
    body, header = webhook.body, webhook.headers["X-Hub-Signature-256"]
    if forge == "wrong secret":
        header = signature("0" * 32, body)
    elif forge == "tampered body":
        body = body.replace(b"79161234567", b"79161234568")
    elif forge == "re-serialised":
        body = json.dumps(json.loads(body), ensure_ascii=False).encode()
    elif forge == "sha1":
        header = header.replace("sha256=", "sha1=")
    headers = {} if forge == "no header" else {"X-Hub-Signature-256": header}
    request = RequestFactory().post("/", body, content_type="application/json", headers=headers)
    with pytest.raises(InboundRejected):
        _transport().parse_inbound(request)


def test_statuses_and_other_numbers_give_no_messages():
    def webhook(value: dict) -> dict:
        return {"object": "whatsapp_business_account",
                "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}

    statuses = webhook({"messaging_product": "whatsapp", "metadata": {"phone_number_id": NUMBER_ID},
                        "statuses": [{"id": "wamid.1", "status": "delivered", "recipient_id": "79161234567"}]})
    other = webhook({"messaging_product": "whatsapp", "metadata": {"phone_number_id": "999"},
                     "messages": [{"from": "79161234567", "id": "wamid.2", "type": "text", "text": {"body": "Hi"}}]})
    for payload in (statuses, other):
        body = json.dumps(payload).encode()
        request = RequestFactory().post("/", body, content_type="application/json",
                                        headers={"X-Hub-Signature-256": signature(APP_SECRET, body)})
        assert _transport().parse_inbound(request) == []


def test_metas_handshake_echoes_the_challenge_only_for_our_verify_token():
    factory = RequestFactory()
    good = _transport().inbound_handshake(factory.get("/", {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                           "hub.challenge": "1158201444"}))
    assert good is not None
    assert (good.status_code, good.content, good["Content-Type"]) == (200, b"1158201444", "text/plain; charset=utf-8")
    for query in ({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
                  {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}, {}):
        forged = _transport().inbound_handshake(factory.get("/", query))
        assert forged is not None
        assert forged.status_code == 403
        assert b"1" not in forged.content
    no_secret = WhatsApp(CREDENTIALS).inbound_handshake(
        factory.get("/", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}))
    assert no_secret is not None
    assert no_secret.status_code == 403
    assert _transport().inbound_handshake(factory.post("/")) is None


@pytest.mark.django_db
def test_connecting_checks_the_phone_number_id_and_the_app_secret_live(make_tenant, channel_sandbox):
    tenant = make_tenant()
    with tenant_context(tenant):
        for wrong, reason in (({"phoneNumberId": "100000000000001"}, PHONE_NOT_FOUND),
                              ({"appSecret": "0" * 32}, WRONG_APP_SECRET)):
            with pytest.raises(InvalidInput) as refused:
                services.connect("whatsapp", {**CREDENTIALS, **wrong}, actor=None)
            assert refused.value.message == reason
        assert not Channel.objects.exists()
        channel = services.connect("whatsapp", CREDENTIALS, actor=None)
        assert channel.status == Channel.Status.CONNECTED
    assert channel_sandbox.messages() == []


@pytest.mark.django_db
def test_free_text_outside_the_24_hour_window_is_refused_in_russian_until_the_person_writes(make_tenant,
                                                                                          channel_sandbox):
    tenant = make_tenant()
    with tenant_context(tenant):
        channel = services.connect("whatsapp", CREDENTIALS, actor=None)
        refused = services.send_test(channel, PHONE, "Добрый день!")
        assert (refused.status, refused.error) == ("failed", ERRORS[131047][1])
        assert refused.error.startswith("Клиент не писал в WhatsApp больше 24 часов")
        assert channel_sandbox.messages() == []

        _webhook(channel_sandbox, **{"from": PHONE, "text": "Здравствуйте"})  # the person writes: the window opens
        sent = services.send_test(channel, PHONE, "Добрый день!")
        assert sent.status == "sent", sent.error
    [message] = channel_sandbox.messages("whatsapp")
    assert (message["to"], message["text"], message["template"]) == (PHONE, "Добрый день!", None)


def test_a_template_goes_outside_the_window(channel_sandbox):
    transport = WhatsApp(CREDENTIALS)
    template = transport.first_contact_template(("Анна",))
    delivery = transport.send(Message(PHONE, "", "key", template))
    [message] = channel_sandbox.messages("whatsapp")
    assert message["id"] == delivery.provider_message_id
    assert message["template"] == {"name": "hello_lead", "language": "ru", "parameters": ["Анна"]}
    assert message["text"].startswith("Здравствуйте, Анна!")


# --- first contact of a widget lead ----------------------------------------------------------------------------------

@pytest.fixture
def workspace(make_tenant, channel_sandbox, settings):
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = ["ulybka-dent.ru"]
    tenant.save()
    publication = tenant.widget_publication
    publication.config = {**publication.config, "channels": ["web", "whatsapp"]}
    publication.save()
    return tenant




@pytest.mark.django_db
def test_a_widget_lead_who_prefers_whatsapp_gets_the_approved_template(workspace, submit, channel_sandbox):
    with tenant_context(workspace):
        services.connect("whatsapp", CREDENTIALS, actor=None)

    lead = submit(preferredChannel="whatsapp")

    [message] = channel_sandbox.messages("whatsapp")
    assert message["to"] == PHONE
    assert message["template"] == {"name": "hello_lead", "language": "ru", "parameters": ["Анна"]}
    with tenant_context(workspace):
        attempt = DeliveryAttempt.objects.get(lead=lead)
        assert attempt.template == {"name": "hello_lead", "language": "ru", "parameters": ["Анна"]}
        assert (attempt.status, attempt.provider_message_id) == ("sent", message["id"])
        assert attempt.text == "Шаблон «hello_lead» (ru): Анна"
        lead.refresh_from_db()
        assert lead.status == Lead.Status.CONTACTED
        out = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.MESSAGE_OUT)
        assert out.text == f"WhatsApp Business → {PHONE}: Шаблон «hello_lead» (ru): Анна"


@pytest.mark.django_db
def test_a_template_whatsapp_does_not_know_fails_with_a_russian_reason(workspace, submit, channel_sandbox):
    with tenant_context(workspace):
        # submitted, not approved
        services.connect("whatsapp", {**CREDENTIALS, "templateName": "summer_sale"}, actor=None)

    lead = submit(preferredChannel="whatsapp")

    assert channel_sandbox.messages() == []
    with tenant_context(workspace):
        attempt = DeliveryAttempt.objects.get(lead=lead)
        assert (attempt.status, attempt.error) == ("failed", ERRORS[132001][1])
        assert Channel.objects.get().last_error == ERRORS[132001][1]
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


@pytest.mark.django_db
def test_a_lead_who_wrote_within_24_hours_gets_free_text(workspace, channel_sandbox, send_mail_now):
    with tenant_context(workspace):
        channel = services.connect("whatsapp", CREDENTIALS, actor=None)
        # The person wrote through WhatsApp a minute ago (the sandbox and our records agree).
        _webhook(channel_sandbox, **{"from": WINDOW_OPEN, "text": "Привет"})
        with send_mail_now():  # the lead's first contact runs once this block commits
            lead = create_lead(name="Анна", phone=WINDOW_OPEN, preferred_channel="whatsapp")
            Conversation.objects.create(lead=lead, channel=channel, provider="whatsapp", address=WINDOW_OPEN,
                                        last_inbound_at=timezone.now())

    [message] = channel_sandbox.messages("whatsapp")
    assert message["template"] is None
    assert message["text"].startswith("Здравствуйте, Анна! «Улыбка»: получили вашу заявку")


# --- Meta's webhook end to end (live server: the sandbox calls it over HTTP) -----------------------------------------

@pytest.mark.django_db(transaction=True)
def test_metas_handshake_and_a_message_reach_the_workspace_and_open_the_window(live_server, settings, make_tenant,
                                                                              channel_sandbox, eager_tasks):
    settings.PLATFORM_PORT = str(urlsplit(live_server.url).port)
    tenant = make_tenant(name="Улыбка")
    with tenant_context(tenant):
        channel = services.connect("whatsapp", CREDENTIALS, actor=None)
        url = services.inbound_url("whatsapp", channel.inbound_key)
        verify_token = crypto.decrypt(channel.credentials_token)[INBOUND_SECRET]

    handshake = channel_sandbox.send_inbound("whatsapp", {"url": url, "verify_token": verify_token})
    assert handshake["status"] == 200
    assert handshake["body"].isdigit()
    assert channel_sandbox.send_inbound("whatsapp", {"url": url, "verify_token": "guess"})["status"] == 403

    answer = channel_sandbox.send_inbound("whatsapp", {"url": url, "from": PHONE, "text": "Есть запись на завтра?",
                                                       "name": "Анна"})
    assert answer["status"] == 200, answer
    with tenant_context(tenant):
        conversation = Conversation.objects.get(provider="whatsapp")
        assert conversation.address == PHONE
        assert conversation.last_inbound_at is not None
        assert LeadEvent.objects.filter(lead=conversation.lead, text__contains="Есть запись на завтра?").exists()
        sent = services.send_test(Channel.objects.get(), PHONE, "Да, на 10:00")
        assert sent.status == "sent", sent.error
    assert channel_sandbox.messages("whatsapp")[-1]["text"] == "Да, на 10:00"
