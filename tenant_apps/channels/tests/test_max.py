"""The MAX bot against the channel sandbox: the webhook subscription with our secret, ``bot_started`` with a deep
link's payload, people's messages, forged webhooks and the bot's deep link."""

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client, RequestFactory
from django_tenants.utils import tenant_context

from dev.channel_sandbox import DEFAULT_MAX
from tenant_apps.channels import services
from tenant_apps.channels.models import Conversation
from tenant_apps.channels.providers.max import CHAT_NOT_FOUND, Max
from tenant_apps.channels.transport import INBOUND_SECRET, InboundRejected, Message, PermanentError
from tenant_apps.leads.models import Lead

from .widget_leads import SITE, post_widget_lead


@pytest.fixture
def max_channel(make_tenant, channel_sandbox):
    """A workspace's MAX bot, connected: its webhook subscription points at the workspace."""
    tenant = make_tenant()
    with tenant_context(tenant):
        channel = services.connect("max", {"botToken": DEFAULT_MAX}, actor=None)
        return tenant, channel, services.transport_for(channel)


def _update(channel_sandbox, params: dict):
    """What MAX would post to the subscribed URL, as a Django request."""
    with channel_sandbox.lock:
        webhook = channel_sandbox.providers["max"].inbound(params)
    return webhook, RequestFactory().post("/", webhook.body, content_type="application/json",
                                          headers={key: value for key, value in webhook.headers.items()
                                                   if key != "Content-Type"})


@pytest.mark.django_db
def test_connecting_subscribes_the_bot_with_our_secret(max_channel, channel_sandbox):
    tenant, channel, transport = max_channel
    subscription = channel_sandbox.providers["max"]._subscription
    with tenant_context(tenant):
        assert subscription["url"] == services.inbound_url("max", channel.inbound_key)
    assert subscription["secret"] == transport.credentials[INBOUND_SECRET]
    assert subscription["update_types"] == ["bot_started", "message_created"]


@pytest.mark.django_db
def test_a_deep_link_start_gives_its_token_and_the_chat_may_then_be_written_to(max_channel, channel_sandbox):
    _, _, transport = max_channel
    assert transport.deep_link("lead_AbC123") == "https://max.ru/fastlead_sandbox_bot?start=lead_AbC123"
    new_user = 555000555

    _, request = _update(channel_sandbox, {"from": new_user, "start": "lead_AbC123", "name": "Анна Смирнова"})
    [started] = transport.parse_inbound(request)

    assert (started.start_token, started.text, started.sender_name) == ("lead_AbC123", "", "Анна Смирнова")
    assert transport.recipient_error(started.sender) is None
    delivery = transport.send(Message(started.sender, "Здравствуйте, Анна!", "key"))
    [sent] = channel_sandbox.messages("max")
    assert (sent["to"], sent["text"], sent["id"]) == (started.sender, "Здравствуйте, Анна!",
                                                      delivery.provider_message_id)

    _, request = _update(channel_sandbox, {"from": new_user, "text": "Хочу записаться"})
    [message] = transport.parse_inbound(request)
    assert (message.sender, message.text, message.start_token) == (started.sender, "Хочу записаться", "")
    assert message.provider_message_id.startswith("mid.")


@pytest.mark.django_db
def test_a_chat_that_never_started_the_bot_is_refused_in_russian(max_channel, channel_sandbox):
    _, _, transport = max_channel
    with pytest.raises(PermanentError) as refused:
        transport.send(Message("777000777", "Привет", "key"))
    assert refused.value.reason == CHAT_NOT_FOUND
    assert channel_sandbox.messages() == []


@pytest.mark.django_db
@pytest.mark.parametrize("forge", ["wrong secret", "no header", "no secret stored"])
def test_a_forged_webhook_is_rejected(max_channel, channel_sandbox, forge):
    _, _, transport = max_channel
    webhook, _ = _update(channel_sandbox, {"text": "Привет"})
    headers = {"X-Max-Bot-Api-Secret": "guessed-secret"} if forge == "wrong secret" else {}
    if forge == "no secret stored":
        headers, transport = webhook.headers, Max({"botToken": DEFAULT_MAX})
    request = RequestFactory().post("/", webhook.body, content_type="application/json",
                                    headers={key: value for key, value in headers.items() if key != "Content-Type"})
    with pytest.raises(InboundRejected):
        transport.parse_inbound(request)


@pytest.mark.django_db
def test_other_updates_and_bots_give_no_messages(max_channel):
    _, _, transport = max_channel
    secret = {"X-Max-Bot-Api-Secret": transport.credentials[INBOUND_SECRET]}
    for update in ({"update_type": "bot_stopped", "timestamp": 1, "chat_id": 1, "user": {"user_id": 1}},
                   {"update_type": "message_created", "timestamp": 1, "message": {
                       "sender": {"user_id": 2, "is_bot": True}, "recipient": {"chat_id": 1, "chat_type": "dialog"},
                       "body": {"mid": "mid.1", "seq": 1, "text": "echo"}}},
                   ["not", "an", "update"]):
        request = RequestFactory().post("/", json.dumps(update), content_type="application/json", headers=secret)
        assert transport.parse_inbound(request) == []


# --- the deep link end to end (live server: the sandbox posts MAX's webhook over HTTP) -------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_widget_lead_opens_the_max_bot_by_its_link_and_is_greeted_there(live_server, settings, make_tenant,
                                                                         channel_sandbox, eager_tasks):
    settings.PLATFORM_PORT = str(urlsplit(live_server.url).port)
    tenant = make_tenant(name="Улыбка")
    tenant.site_domains = [urlsplit(SITE).hostname]
    tenant.save()
    with tenant_context(tenant):
        services.connect("max", {"botToken": DEFAULT_MAX}, actor=None)
    response = post_widget_lead(tenant, phone="", email="anna@example.ru")
    [link] = [item for item in response.json()["messengers"] if item["kind"] == "max"]
    assert link["url"].startswith("https://max.ru/fastlead_sandbox_bot?start=")
    token = link["url"].rpartition("=")[2]

    user = 555000555
    assert channel_sandbox.send_inbound("max", {"from": user, "start": token, "name": "Анна"})["status"] == 200

    [greeting] = channel_sandbox.messages("max")
    assert greeting["text"].startswith("Здравствуйте, Анна! «Улыбка»: получили вашу заявку")
    with tenant_context(tenant):
        lead = Lead.objects.get(pk=response.json()["leadId"])
        assert lead.status == Lead.Status.CONTACTED
        assert Conversation.objects.get(provider="max").address == greeting["to"]

    forged = Client(HTTP_HOST=tenant.primary_host).post(
        urlsplit(channel_sandbox.providers["max"]._subscription["url"]).path,
        json.dumps({"update_type": "bot_started", "timestamp": 1, "chat_id": 1, "payload": token}),
        content_type="application/json", headers={"X-Max-Bot-Api-Secret": "guessed-secret"})
    assert forged.status_code == 403
