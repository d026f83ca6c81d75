"""The «Каналы» page: cards per provider, connect checked live against the channel sandbox, test, replace keys,
disable/enable, delete; operators read only; secrets never shown again."""

import json
import re

import pytest
from django_tenants.utils import tenant_context

from dev.channel_sandbox import DEFAULT_TELEGRAM, DEFAULT_TWILIO
from tenant_apps.channels.kinds import PROVIDERS
from tenant_apps.channels.models import Channel
from tenant_apps.channels.transport import REGISTRY

SID, TOKEN, SENDER = DEFAULT_TWILIO
WRONG_TOKEN = "0" * 32
WRONG_BOT_TOKEN = "7000000001:AAWrongTokenWrongTokenWrongToken-000"
TWILIO_REJECTED = ("Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio "
                   "(или аккаунт приостановлен).")

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace(admin_and_operator, channel_sandbox):
    return admin_and_operator


def _channels(tenant) -> list[Channel]:
    with tenant_context(tenant):
        return list(Channel.objects.all())


def _card(body: str, provider: str) -> str:
    return re.search(rf'<article id="provider-{provider}".*?</article>', body, re.S).group(0)


def _top(body: str) -> str:
    """The page above its first section: where untagged messages are shown."""
    return body.split('<section aria-labelledby="kind-', 1)[0]


def _messages(card: str) -> str:
    """A card's own messages: after a redirect to its anchor they are where the page lands."""
    return re.search(r'<div [^>]*id="provider-\w+-messages"[^>]*>.*?</div>', card, re.S).group(0)


def _last_error(card: str) -> str:
    return re.search(r"Последняя ошибка</dt>\s*<dd[^>]*>(.*?)</dd>", card, re.S).group(1)


def _connect_twilio(admin, token: str = TOKEN):
    return admin.post("/channels/connect/twilio", {"accountSid": SID, "authToken": token, "fromNumber": SENDER})


def test_admin_sees_every_kind_with_its_providers_and_connect_forms(workspace):
    _, admin, _ = workspace
    response = admin.get("/channels")
    assert response.status_code == 200
    body = response.content.decode()
    headings = re.findall(r'<h2 id="kind-(\w+)"', body)
    assert headings == ["sms", "email", "telegram", "whatsapp", "max"]
    twilio = _card(body, "twilio")
    assert "Не подключен" in twilio
    assert 'action="/channels/connect/twilio"' in twilio
    assert 'type="password" name="authToken"' in twilio
    assert 'type="text" name="accountSid"' in twilio
    assert "Консоль Twilio → Account → API keys &amp; tokens" in twilio  # where to find the key
    assert 'name="csrfmiddlewaretoken"' in twilio
    for provider in PROVIDERS:
        card = _card(body, provider.code)
        if provider.code in REGISTRY:
            assert f'action="/channels/connect/{provider.code}"' in card
        else:
            assert "Скоро" in card
            assert "<form" not in card
    assert 'aria-current="page"' in body
    assert "<script>" not in body


def test_connect_through_the_page_checks_the_key_and_shows_the_channel(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    response = _connect_twilio(admin)
    assert response.status_code == 302
    assert response["Location"] == "/channels#provider-twilio"
    [channel] = _channels(tenant)
    assert (channel.provider, channel.status) == ("twilio", "connected")

    body = admin.get("/channels").content.decode()
    card = _card(body, "twilio")
    flash = _messages(card)
    assert "«SMS (Twilio)» подключен: ключи проверены у провайдера." in flash  # on the card, not the page's top
    assert 'tabindex="-1" data-scroll-into-view' in flash
    assert "ключи проверены у провайдера" not in _top(body)
    # the key check is a provider's answer, not a message sent
    assert "Последний успешный ответ провайдера" in card
    assert "Последняя отправка" not in card
    assert _last_error(card) == "—"
    assert ">Подключен<" in card
    assert "••••" + TOKEN[-4:] in card
    assert TOKEN not in body
    assert SID not in body
    assert "Проверить подключение" in card
    assert f'action="/channels/{channel.pk}/keys"' in card
    assert "Да, удалить" in card


def test_a_wrong_key_shows_the_providers_reason_and_saves_nothing(workspace):
    tenant, admin, _ = workspace
    response = _connect_twilio(admin, WRONG_TOKEN)
    assert response.status_code == 400
    body = response.content.decode()
    card = _card(body, "twilio")
    assert TWILIO_REJECTED in card
    assert "<details class=\"group mt-3\" open>" in card  # the form stays open
    assert f'value="{SID}"' in card  # what was typed comes back ...
    assert WRONG_TOKEN not in body  # ... but never the secret
    assert _channels(tenant) == []


def test_malformed_fields_get_russian_messages_inline(workspace):
    tenant, admin, _ = workspace
    response = admin.post("/channels/connect/twilio", {"accountSid": "AC1", "authToken": "", "fromNumber": "8916"})
    assert response.status_code == 400
    card = _card(response.content.decode(), "twilio")
    assert 'id="twilio-authToken-error" class="field-error">Укажите «Auth Token».' in card
    assert 'aria-invalid="true"' in card
    assert "Номер отправителя — в международном формате" in card
    assert _channels(tenant) == []


def test_check_connection_sends_a_test_message_and_says_connected_or_why_not(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    _connect_twilio(admin)
    [channel] = _channels(tenant)

    sent = admin.post(f"/channels/{channel.pk}/test", {"recipient": "+79161234567", "text": "Проверка"}, follow=True)
    assert sent.redirect_chain == [("/channels#provider-twilio", 302)]
    assert ("«SMS (Twilio)»: Подключен — провайдер принял сообщение для +79161234567."
            in _messages(_card(sent.content.decode(), "twilio")))
    [message] = channel_sandbox.messages("twilio")
    assert (message["to"], message["text"]) == ("+79161234567", "Проверка")

    channel_sandbox.set_fault("twilio", "revoked")
    failed = admin.post(f"/channels/{channel.pk}/test", {"recipient": "+79161234567", "text": "Ещё"}, follow=True)
    body = failed.content.decode()
    card = _card(body, "twilio")
    assert f"«SMS (Twilio)»: Ошибка: {TWILIO_REJECTED}" in _messages(card)  # the reason, where the page lands
    assert "border-red-200" in _messages(card)
    assert TWILIO_REJECTED not in _top(body)
    assert ">Ошибка<" in card
    assert card.count(f"Ошибка: {TWILIO_REJECTED}") == 1  # the message says it: no status line repeating it
    assert TWILIO_REJECTED in _last_error(card)
    card = _card(admin.get("/channels").content.decode(), "twilio")  # later, the state tells why
    assert f'<p class="mt-2 text-sm text-red-800">Ошибка: {TWILIO_REJECTED}</p>' in card

    bad = admin.post(f"/channels/{channel.pk}/test", {"recipient": "8 916", "text": ""})
    assert bad.status_code == 400
    card = _card(bad.content.decode(), "twilio")
    assert "Укажите номер в международном формате: +79001234567." in card
    assert "Напишите текст сообщения." in card
    # the page opens at the card: cabinet.js scrolls to the first invalid field and focuses it
    assert card.count("data-scroll-into-view") == 2
    assert re.search(r'<input type="tel" name="recipient"[^>]*aria-invalid="true"[^>]*data-scroll-into-view', card)

    no_text = admin.post(f"/channels/{channel.pk}/test", {"recipient": "+79161234567", "text": "  "})
    assert no_text.status_code == 400
    body = no_text.content.decode()
    card = _card(body, "twilio")
    assert 'id="twilio-text-error" class="field-error">Напишите текст сообщения.' in card
    assert re.search(r'<textarea name="text"[^>]*aria-invalid="true"[^>]*data-scroll-into-view', card)
    assert body.count("data-scroll-into-view") == 1


def test_replace_keys_disable_enable_and_delete(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    admin.post("/channels/connect/telegram", {"botToken": DEFAULT_TELEGRAM})
    [channel] = _channels(tenant)

    refused = admin.post(f"/channels/{channel.pk}/keys", {"botToken": WRONG_BOT_TOKEN})
    assert refused.status_code == 400
    assert "Telegram не принял токен бота" in _card(refused.content.decode(), "telegram")
    assert _channels(tenant)[0].credentials_token == channel.credentials_token

    assert admin.post(f"/channels/{channel.pk}/keys", {"botToken": DEFAULT_TELEGRAM}).status_code == 302
    assert admin.post(f"/channels/{channel.pk}/toggle", {"enabled": "0"}).status_code == 302
    assert _channels(tenant)[0].status == "disabled"
    card = _card(admin.get("/channels").content.decode(), "telegram")
    assert ">Отключен<" in card
    assert ">Включить<" in card
    assert admin.post(f"/channels/{channel.pk}/toggle", {"enabled": "1"}).status_code == 302
    assert _channels(tenant)[0].status == "connected"

    assert "Да, удалить" in card
    assert "адрес для входящих сообщений будет другим" not in card  # Telegram's webhook is set by us again
    deleted = admin.post(f"/channels/{channel.pk}/delete", follow=True)
    assert deleted.redirect_chain == [("/channels#provider-telegram", 302)]
    assert "«Telegram-бот» удалён, его ключи стёрты." in _messages(_card(deleted.content.decode(), "telegram"))
    assert _channels(tenant) == []
    assert admin.post(f"/channels/{channel.pk}/delete").status_code == 404


def test_a_refused_connect_opens_the_page_at_the_card(workspace):
    _, admin, _ = workspace
    body = _connect_twilio(admin, WRONG_TOKEN).content.decode()
    alert = re.search(r'<p [^>]*id="provider-twilio-error"[^>]*>', _card(body, "twilio")).group(0)
    assert 'role="alert"' in alert
    assert 'tabindex="-1" data-scroll-into-view' in alert
    assert body.count("data-scroll-into-view") == 1

    body = admin.post("/channels/connect/twilio", {"accountSid": SID, "authToken": "", "fromNumber": ""}
                      ).content.decode()
    first = re.search(r"<input [^>]*data-scroll-into-view[^>]*>", body).group(0)
    assert 'name="authToken"' in first  # the first invalid field of the form, in the page's order
    assert 'aria-invalid="true"' in first


def test_every_action_answers_on_its_card_and_a_cleared_error_leaves_no_trace(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    _connect_twilio(admin)
    [channel] = _channels(tenant)
    test_message = {"recipient": "+79161234567", "text": "Проверка"}

    channel_sandbox.set_fault("twilio", "revoked")
    admin.post(f"/channels/{channel.pk}/test", test_message)
    assert _channels(tenant)[0].last_error_at is not None
    channel_sandbox.set_fault("twilio", "none")
    replaced = admin.post(f"/channels/{channel.pk}/keys", {"accountSid": SID, "authToken": TOKEN,
                                                           "fromNumber": SENDER}, follow=True)
    assert replaced.redirect_chain == [("/channels#provider-twilio", 302)]
    card = _card(replaced.content.decode(), "twilio")
    assert "Ключи «SMS (Twilio)» заменены: провайдер их принял." in _messages(card)
    assert (_channels(tenant)[0].status, _channels(tenant)[0].last_error, _channels(tenant)[0].last_error_at) == (
        "connected", "", None)
    assert _last_error(card) == "—"  # no time without a reason

    channel_sandbox.set_fault("twilio", "revoked")
    admin.post(f"/channels/{channel.pk}/test", test_message)
    channel_sandbox.set_fault("twilio", "none")
    disabled = admin.post(f"/channels/{channel.pk}/toggle", {"enabled": "0"}, follow=True)
    assert "«SMS (Twilio)» отключен: через него ничего не отправляется." in _messages(
        _card(disabled.content.decode(), "twilio"))
    enabled = admin.post(f"/channels/{channel.pk}/toggle", {"enabled": "1"}, follow=True)
    card = _card(enabled.content.decode(), "twilio")
    assert "«SMS (Twilio)» включен: ключи проверены у провайдера." in _messages(card)
    assert _channels(tenant)[0].last_error_at is None
    assert _last_error(card) == "—"
    assert "ключи проверены у провайдера" not in _top(enabled.content.decode())

    # Twilio is pointed at our webhook by hand: deleting says the new address must be pasted again
    assert "адрес для входящих сообщений будет другим: его нужно будет снова вставить в&nbsp;консоли провайдера" in card


def test_the_first_contact_order_answers_in_its_section(workspace):
    _, admin, _ = workspace
    saved = admin.post("/channels/first-contact", {"order": ["sms"]}, follow=True)
    assert saved.redirect_chain == [("/channels#first-contact", 302)]
    body = saved.content.decode()
    section = re.search(r'<section id="first-contact".*?</section>', body, re.S).group(0)
    assert "Порядок каналов для первого сообщения сохранён." in section
    assert 'id="first-contact-messages" tabindex="-1" data-scroll-into-view' in section
    assert "сохранён" not in _top(body)

    refused = admin.post("/channels/first-contact", {"order": ["sms", "sms"]})
    assert refused.status_code == 400
    error = re.search(r'<p [^>]*id="first-contact-error"[^>]*>', refused.content.decode()).group(0)
    assert 'role="alert"' in error
    assert "data-scroll-into-view" in error


def test_operators_see_the_page_read_only(workspace, channel_sandbox):
    tenant, admin, operator = workspace
    _connect_twilio(admin)
    [channel] = _channels(tenant)
    response = operator.get("/channels")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Подключает и&nbsp;настраивает каналы администратор" in body
    assert not [provider for provider in PROVIDERS if "<form" in _card(body, provider.code)]
    assert ">Подключен<" in _card(body, "twilio")
    assert "Проверить подключение" not in body
    for url, data in ((f"/channels/{channel.pk}/toggle", {"enabled": "0"}), (f"/channels/{channel.pk}/delete", {}),
                      ("/channels/connect/telegram", {"botToken": DEFAULT_TELEGRAM})):
        assert operator.post(url, data).status_code == 403
    assert [(item.provider, item.status) for item in _channels(tenant)] == [("twilio", "connected")]


def test_a_provider_that_cannot_be_connected_yet_is_a_404(workspace):
    _, admin, _ = workspace
    assert admin.post("/channels/connect/pigeon", {}).status_code == 404


def _editor_channels(client) -> dict[str, bool]:
    raw = re.search(r'<script id="widget-editor-data" type="application/json">(.*?)</script>',
                    client.get("/widget").content.decode(), re.S).group(1)
    return {item["code"]: item["available"] for item in json.loads(raw)["channels"]}


def _save_widget_channels(client, channels: list[str]):
    config = client.get("/api/v1/widget").json()
    body = {key: value for key, value in config.items() if key not in {"updatedAt", "updatedBy"}}
    body["consent"]["privacyPolicyUrl"] = "https://example.ru/privacy"
    body["channels"] = channels
    return client.put("/api/v1/widget", data=json.dumps(body), content_type="application/json")


def test_the_widget_offers_visitors_the_connected_channels_only(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    assert _editor_channels(admin) == {"web": True, "sms": False, "email": False, "telegram": False,
                                       "whatsapp": False, "max": False}
    refused = _save_widget_channels(admin, ["web", "sms"])
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "channels": "Сначала подключите канал в разделе «Каналы»: SMS."}

    _connect_twilio(admin)
    admin.post("/channels/connect/telegram", {"botToken": DEFAULT_TELEGRAM})
    assert _editor_channels(admin) == {"web": True, "sms": True, "email": False, "telegram": True,
                                       "whatsapp": False, "max": False}
    body = admin.get("/widget").content.decode()
    assert 'value="sms"' in body
    assert 'value="telegram"' in body
    saved = _save_widget_channels(admin, ["web", "sms", "telegram"])
    assert saved.status_code == 200, saved.content
    assert saved.json()["channels"] == ["web", "sms", "telegram"]

    [sms] = [channel for channel in _channels(tenant) if channel.provider == "twilio"]
    admin.post(f"/channels/{sms.pk}/toggle", {"enabled": "0"})  # a disabled channel is not offered any more
    assert _editor_channels(admin)["sms"] is False
    body = admin.get("/widget").content.decode()
    assert 'value="sms"' in body  # still chosen: listed, so that it can be unticked
    assert "Не подключен — снимите галочку" in body
    assert _save_widget_channels(admin, ["web", "sms"]).status_code == 400
    assert _save_widget_channels(admin, ["web", "telegram"]).status_code == 200
