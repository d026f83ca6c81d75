"""Channels through the workspace API against the channel sandbox (Twilio and Telegram over real HTTP)."""

import io
import json
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from dev.channel_sandbox import (
    BLOCKED_CHAT,
    DEFAULT_MAX,
    DEFAULT_SENDGRID,
    DEFAULT_SES,
    DEFAULT_SMSC,
    DEFAULT_SMTP,
    DEFAULT_TELEGRAM,
    DEFAULT_TWILIO,
    DEFAULT_WHATSAPP,
    INVALID_RECIPIENT,
    NOT_ON_WHATSAPP,
    STARTED_CHAT,
    STARTED_DIALOG,
    STOPPED_DIALOG,
    UNDELIVERABLE,
    UNKNOWN_MAILBOX,
    UNSUBSCRIBED,
    VERIFIED_RECIPIENT,
    WINDOW_OPEN,
)
from shared_apps.tenancy.permissions import DENIED_MESSAGE
from tenant_apps.channels import crypto
from tenant_apps.channels.models import Channel, DeliveryAttempt
from tenant_apps.channels.transport import REGISTRY, transport_class

SID, TOKEN, SENDER = DEFAULT_TWILIO
WRONG_TWILIO_TOKEN = "0" * 32
WRONG_BOT_TOKEN = "7000000001:AAWrongTokenWrongTokenWrongToken-000"
WA_TOKEN, WA_NUMBER_ID, WA_APP_SECRET = DEFAULT_WHATSAPP
WHATSAPP = {"accessToken": WA_TOKEN, "phoneNumberId": WA_NUMBER_ID, "appSecret": WA_APP_SECRET,
            "templateName": "hello_lead", "templateLanguage": "ru"}
SENDGRID = {"apiKey": DEFAULT_SENDGRID[0], "fromEmail": DEFAULT_SENDGRID[1], "fromName": "Студия «Ромашка»"}
SES = dict(zip(("accessKeyId", "secretAccessKey", "region", "fromEmail"), DEFAULT_SES, strict=True))
SMSC = dict(zip(("login", "password", "sender"), DEFAULT_SMSC, strict=True))
# The sandbox's SMTP port is known once it runs: conftest.py puts it in.
SMTP = {"host": "127.0.0.1", "port": "25", "security": "none", "username": DEFAULT_SMTP[0],
        "password": DEFAULT_SMTP[1], "fromEmail": DEFAULT_SMTP[2], "fromName": "Студия «Ромашка»"}

# provider → (good credentials, the same with a wrong secret, the secret, a recipient that receives,
#             (a recipient the provider refuses, the Russian reason))
PROVIDERS = {
    "twilio": ({"accountSid": SID, "authToken": TOKEN, "fromNumber": SENDER},
               {"accountSid": SID, "authToken": WRONG_TWILIO_TOKEN, "fromNumber": SENDER}, TOKEN, "+79161234567",
               (UNSUBSCRIBED, "Получатель отписался от SMS с этого номера (ответил STOP).")),
    "telegram": ({"botToken": DEFAULT_TELEGRAM}, {"botToken": WRONG_BOT_TOKEN}, DEFAULT_TELEGRAM, str(STARTED_CHAT),
                 (str(BLOCKED_CHAT), "Пользователь заблокировал бота в Telegram.")),
    "whatsapp": (WHATSAPP, {**WHATSAPP, "accessToken": "EAA" + "0" * 40}, WA_TOKEN, WINDOW_OPEN,
                 (NOT_ON_WHATSAPP, "WhatsApp не может доставить сообщение: у получателя нет WhatsApp "
                                   "или слишком старое приложение.")),
    "max": ({"botToken": DEFAULT_MAX}, {"botToken": "WrongMaxBotToken_0123456789"}, DEFAULT_MAX, str(STARTED_DIALOG),
            (str(STOPPED_DIALOG), "Пользователь остановил бота в MAX или закрыл доступ к чату.")),
    "sendgrid": (SENDGRID, {**SENDGRID, "apiKey": "SG.WrongSandboxKey_000001.wrong-secret-0123456789abcdefghijk"},
                 DEFAULT_SENDGRID[0], "ivan@example.com",
                 (INVALID_RECIPIENT, "SendGrid не принимает этот адрес получателя: проверьте e-mail.")),
    "ses": (SES, {**SES, "secretAccessKey": "Wrong/Secret+Key000000000000000000000000"}, DEFAULT_SES[1],
            VERIFIED_RECIPIENT,
            ("ivan@example.com", "Аккаунт Amazon SES в режиме песочницы: письма уходят только на подтверждённые "
                                 "адреса. Подтвердите адрес получателя или запросите production-доступ в консоли "
                                 "SES.")),
    "smsc": (SMSC, {**SMSC, "password": "wrong-smsc-password"}, DEFAULT_SMSC[1], "+79161234567",
             (UNDELIVERABLE, "SMSC.ru не может доставить SMS на этот номер.")),
    "smtp": (SMTP, {**SMTP, "password": "wrong-smtp-password"}, DEFAULT_SMTP[1], "ivan@example.com",
             (UNKNOWN_MAILBOX, "SMTP-сервер не принимает письма на этот адрес (ошибка 550).")),
}
DOWN_CODE = {"smtp": 421}  # what a provider's outage looks like when it is not HTTP 500
REJECTED = {
    "twilio": "Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio (или аккаунт приостановлен).",
    "telegram": "Telegram не принял токен бота: проверьте его у @BotFather (команда /token) — возможно, он отозван.",
    "whatsapp": "WhatsApp не принял токен доступа: выпустите постоянный токен системного пользователя в Meta Business "
                "Suite (разрешение whatsapp_business_messaging) и подключите канал заново.",
    "max": "MAX не принял токен бота: скопируйте его заново в business.max.ru → Чат-боты → Настройки (возможно, он "
           "отозван).",
    "sendgrid": "SendGrid не принял API-ключ: проверьте его в Settings → API Keys — возможно, ключ удалён или "
                "скопирован не полностью.",
    "ses": "Amazon SES не принял ключ доступа: проверьте Access key ID и Secret access key в IAM — возможно, ключ "
           "удалён, отключён или скопирован не полностью.",
    "smsc": "SMSC.ru не принял логин и пароль: проверьте их в личном кабинете SMSC.ru (или запрос пришёл с IP-адреса "
            "не из разрешённого списка).",
    "smtp": "SMTP-сервер не принял логин и пароль (ошибка 535): проверьте их; Яндекс, Mail.ru и Gmail требуют пароль "
            "приложения.",
}


@pytest.fixture
def workspace(admin_and_operator, channel_sandbox):
    return admin_and_operator


def _post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _channels(tenant) -> list[Channel]:
    with tenant_context(tenant):
        return list(Channel.objects.all())


def _connect(admin, provider: str) -> dict:
    response = _post(admin, "/api/v1/channels", {"provider": provider, "credentials": PROVIDERS[provider][0]})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_connect_checks_the_key_live_and_stores_it_encrypted(workspace, provider):
    tenant, admin, _ = workspace
    credentials, _, secret, _, _ = PROVIDERS[provider]

    channel = _connect(admin, provider)

    assert channel["provider"] == provider
    assert channel["status"] == "connected"
    assert channel["secretHint"] == "••••" + secret[-4:]
    assert channel["lastSuccessAt"]
    assert channel["lastError"] == ""
    listed = admin.get("/api/v1/channels")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [channel["id"]]
    assert secret not in listed.content.decode()
    assert secret[:-4] not in listed.content.decode()
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT credentials_token FROM channels_channel")
        (raw,) = cursor.fetchone()
        assert secret not in raw
        stored = crypto.decrypt(raw)  # plus what the channel keeps for itself (its webhook's secret, bot name)
        assert {name: stored[name] for name in credentials} == credentials
        assert set(stored) - set(credentials) <= {"inboundSecret", "botUsername"}


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_key_the_provider_rejects_is_a_400_with_its_reason_and_nothing_is_saved(workspace, provider):
    tenant, admin, _ = workspace
    response = _post(admin, "/api/v1/channels", {"provider": provider, "credentials": PROVIDERS[provider][1]})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "credentials_rejected", "message": REJECTED[provider], "fields": {}}
    assert _channels(tenant) == []


@pytest.mark.django_db
def test_malformed_fields_get_a_russian_message_each_without_asking_the_provider(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    response = _post(admin, "/api/v1/channels",
                     {"provider": "twilio", "credentials": {"accountSid": "AC123", "fromNumber": "89161234567"}})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "credentials.accountSid": "Account SID — «AC» и 32 шестнадцатеричных символа, как в консоли Twilio.",
        "credentials.authToken": "Укажите «Auth Token».",
        "credentials.fromNumber": "Номер отправителя — в международном формате, например +15005550006.",
    }
    unknown = _post(admin, "/api/v1/channels", {"provider": "pigeon", "credentials": {}})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"provider": "Неизвестный провайдер: выберите его из списка."}
    assert _channels(tenant) == []
    assert channel_sandbox.messages() == []


@pytest.mark.django_db
def test_a_known_provider_without_a_transport_cannot_be_connected(workspace, monkeypatch):
    tenant, admin, _ = workspace
    monkeypatch.delitem(REGISTRY, "whatsapp")
    transport_class.cache_clear()
    try:
        later = _post(admin, "/api/v1/channels", {"provider": "whatsapp", "credentials": {}})
    finally:
        transport_class.cache_clear()  # monkeypatch puts WhatsApp back after the test
    assert later.json()["error"]["fields"] == {"provider": "«WhatsApp Business» пока нельзя подключить."}
    assert _channels(tenant) == []


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_same_provider_twice_is_a_409(workspace, provider):
    tenant, admin, _ = workspace
    _connect(admin, provider)
    response = _post(admin, "/api/v1/channels", {"provider": provider, "credentials": PROVIDERS[provider][0]})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "channel_exists"
    assert "уже подключен" in response.json()["error"]["message"]
    assert len(_channels(tenant)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_provider_that_is_down_while_connecting_is_a_503_and_nothing_is_saved(workspace, channel_sandbox, provider):
    tenant, admin, _ = workspace
    channel_sandbox.set_fault(provider, "http_500")
    response = _post(admin, "/api/v1/channels", {"provider": provider, "credentials": PROVIDERS[provider][0]})
    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert message == (f"{transport_class(provider)({}).label} временно недоступен (ошибка "
                       f"{DOWN_CODE.get(provider, 500)}). Попробуйте ещё раз через минуту.")
    assert _channels(tenant) == []


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_test_message_reaches_the_provider_and_is_recorded(workspace, channel_sandbox, provider):
    tenant, admin, _ = workspace
    channel = _connect(admin, provider)
    recipient = PROVIDERS[provider][3]

    response = _post(admin, f"/api/v1/channels/{channel['id']}/test",
                     {"recipient": recipient, "text": "Проверка связи"})

    assert response.status_code == 200, response.content
    result = response.json()
    assert result["status"] == "sent"
    assert result["error"] == ""
    assert result["channel"]["status"] == "connected"
    [sent] = channel_sandbox.messages(provider)
    assert (sent["to"], sent["text"], sent["id"]) == (recipient, "Проверка связи", result["providerMessageId"])
    with tenant_context(tenant):
        attempt = DeliveryAttempt.objects.get()
        assert (attempt.status, attempt.recipient, attempt.provider_message_id) == ("sent", recipient, sent["id"])


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_provider_5xx_on_send_is_a_clear_error_and_a_failed_attempt(workspace, channel_sandbox, provider):
    tenant, admin, _ = workspace
    channel = _connect(admin, provider)
    channel_sandbox.set_fault(provider, "http_500")

    response = _post(admin, f"/api/v1/channels/{channel['id']}/test",
                     {"recipient": PROVIDERS[provider][3], "text": "Проверка"})

    result = response.json()
    assert response.status_code == 200
    assert result["status"] == "failed"
    reason = f"{transport_class(provider)({}).label} временно недоступен (ошибка {DOWN_CODE.get(provider, 500)})."
    assert result["error"] == f"{reason} Попробуйте ещё раз через минуту."  # a person pressed the button
    assert result["channel"]["lastError"] == reason  # the channel's state: a fact, no advice
    assert result["channel"]["status"] == "connected"
    assert channel_sandbox.messages() == []
    with tenant_context(tenant):
        assert DeliveryAttempt.objects.get().status == "failed"


@pytest.mark.django_db
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_refused_recipient_and_revoked_credentials_are_reported_in_russian(workspace, channel_sandbox, provider):
    _, admin, _ = workspace
    channel = _connect(admin, provider)
    refused, reason = PROVIDERS[provider][4]
    url = f"/api/v1/channels/{channel['id']}/test"

    refused_result = _post(admin, url, {"recipient": refused, "text": "Привет"}).json()
    assert (refused_result["status"], refused_result["error"]) == ("failed", reason)

    channel_sandbox.set_fault(provider, "revoked")
    revoked = _post(admin, url, {"recipient": PROVIDERS[provider][3], "text": "Привет"}).json()
    assert (revoked["status"], revoked["error"]) == ("failed", REJECTED[provider])
    assert revoked["channel"]["status"] == "error"
    assert revoked["channel"]["lastError"] == REJECTED[provider]


@pytest.mark.django_db
def test_a_test_message_to_a_malformed_recipient_is_a_400(workspace, channel_sandbox):
    _, admin, _ = workspace
    channel = _connect(admin, "twilio")
    response = _post(admin, f"/api/v1/channels/{channel['id']}/test", {"recipient": "8 916 123", "text": " "})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"recipient": "Укажите номер в международном формате: +79001234567.",
                                                  "text": "Напишите текст сообщения."}
    assert channel_sandbox.messages() == []


@pytest.mark.django_db
def test_operators_see_channels_but_cannot_connect_test_or_remove_them(workspace, channel_sandbox):
    tenant, admin, operator = workspace
    channel = _connect(admin, "telegram")

    listed = operator.get("/api/v1/channels")
    assert listed.status_code == 200
    assert listed.json()[0]["secretHint"] == "••••" + DEFAULT_TELEGRAM[-4:]
    assert DEFAULT_TELEGRAM not in listed.content.decode()
    for response in (
        _post(operator, "/api/v1/channels", {"provider": "twilio", "credentials": PROVIDERS["twilio"][0]}),
        _post(operator, f"/api/v1/channels/{channel['id']}/test", {"recipient": str(STARTED_CHAT), "text": "x"}),
        operator.delete(f"/api/v1/channels/{channel['id']}"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["message"] == DENIED_MESSAGE
    assert [item.provider for item in _channels(tenant)] == ["telegram"]
    assert channel_sandbox.messages() == []


@pytest.mark.django_db
def test_delete_removes_the_channel_and_keeps_its_attempts(workspace, channel_sandbox):
    tenant, admin, _ = workspace
    channel = _connect(admin, "telegram")
    _post(admin, f"/api/v1/channels/{channel['id']}/test", {"recipient": str(STARTED_CHAT), "text": "Привет"})

    assert admin.delete(f"/api/v1/channels/{channel['id']}").status_code == 204
    assert admin.delete(f"/api/v1/channels/{channel['id']}").status_code == 404
    assert _channels(tenant) == []
    with tenant_context(tenant):
        assert DeliveryAttempt.objects.get().provider == "telegram"
    _connect(admin, "telegram")  # and it can be connected again


@pytest.mark.django_db
def test_rotate_channel_keys_reencrypts_every_workspace_with_the_new_key(make_tenant, client_for, channel_sandbox,
                                                                         settings):
    first, second = make_tenant(), make_tenant()
    old_key = settings.CHANNEL_SECRET_KEYS[0]
    _connect(client_for(first, first.memberships.get().user), "twilio")
    _connect(client_for(second, second.memberships.get().user), "telegram")
    new_key = Fernet.generate_key().decode()
    settings.CHANNEL_SECRET_KEYS = [new_key, old_key]

    out = io.StringIO()
    call_command("rotate_channel_keys", stdout=out)
    assert out.getvalue().strip() == "Перешифровано каналов: 2."

    settings.CHANNEL_SECRET_KEYS = [new_key]  # the old key is gone: everything still decrypts
    for tenant, provider in ((first, "twilio"), (second, "telegram")):
        [channel] = _channels(tenant)
        assert crypto.decrypt(channel.credentials_token).items() >= PROVIDERS[provider][0].items()
        assert Fernet(new_key.encode()).decrypt(channel.credentials_token.encode())
    settings.CHANNEL_SECRET_KEYS = [old_key]
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(_channels(first)[0].credentials_token)


@pytest.mark.django_db
def test_no_log_line_carries_the_bot_token_in_its_url(workspace, caplog):
    _, admin, _ = workspace
    with caplog.at_level(logging.DEBUG):
        channel = _connect(admin, "telegram")
        _post(admin, f"/api/v1/channels/{channel['id']}/test", {"recipient": str(STARTED_CHAT), "text": "Привет"})
    assert caplog.records
    secret = DEFAULT_TELEGRAM.split(":", 1)[1]
    assert not [record.getMessage() for record in caplog.records if secret in record.getMessage()]


@pytest.mark.django_db
def test_a_channel_whose_key_was_removed_says_so_and_is_marked_broken(workspace, settings):
    tenant, admin, _ = workspace
    channel = _connect(admin, "twilio")
    settings.CHANNEL_SECRET_KEYS = [Fernet.generate_key().decode()]  # the old key removed without a rotation
    response = _post(admin, f"/api/v1/channels/{channel['id']}/test", {"recipient": "+79161234567", "text": "Тест"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "credentials_unreadable"
    [stored] = _channels(tenant)
    assert stored.status == Channel.Status.ERROR
    assert stored.last_error.startswith("Ключи этого канала не удаётся расшифровать")
