"""Providers' refusals in plain Russian, Twilio's sender check, neutral retry facts and formatted test numbers."""

import logging
import re

import httpx
import pytest
from django_tenants.utils import tenant_context

from dev.channel_sandbox import WINDOW_OPEN
from tenant_apps.channels.models import Channel, DeliveryAttempt
from tenant_apps.channels.transport import Message, PermanentError, TemporaryError, refusal, transport_class

from .test_channels_api import PROVIDERS, SENDER, SID, TOKEN, _connect, _post

TWILIO = PROVIDERS["twilio"][0]
NOT_OURS = "+15005550007"
LATIN_SENTENCE = re.compile(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+")


@pytest.fixture
def workspace(admin_and_operator, channel_sandbox):
    return admin_and_operator


def _numbers(sandbox, query: dict, auth=(SID, TOKEN)) -> httpx.Response:
    return httpx.get(f"{sandbox.base_url}/twilio/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers.json",
                     params=query, auth=auth)


def test_the_twilio_sandbox_lists_only_the_seeded_number_in_twilios_paging_envelope(channel_sandbox):
    found = _numbers(channel_sandbox, {"PhoneNumber": SENDER})
    assert found.status_code == 200
    body = found.json()
    [number] = body["incoming_phone_numbers"]
    assert (number["phone_number"], number["account_sid"], number["capabilities"]["sms"]) == (SENDER, SID, True)
    assert number["sid"].startswith("PN")
    assert (body["page"], body["page_size"], body["start"], body["end"], body["next_page_uri"],
            body["previous_page_uri"]) == (0, 50, 0, 0, None, None)
    assert body["first_page_uri"] == body["uri"]
    assert body["uri"].startswith(f"/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers.json?PhoneNumber=%2B1500")

    assert _numbers(channel_sandbox, {"PhoneNumber": NOT_OURS}).json()["incoming_phone_numbers"] == []
    assert len(_numbers(channel_sandbox, {"PhoneNumber": "555*06"}).json()["incoming_phone_numbers"]) == 1
    assert _numbers(channel_sandbox, {"PageSize": "0"}).json()["code"] == 20001
    refused = _numbers(channel_sandbox, {}, auth=(SID, "0" * 32))
    assert (refused.status_code, refused.json()["code"]) == (401, 20003)


@pytest.mark.django_db
def test_connecting_twilio_with_a_number_not_in_the_account_is_refused_on_the_sender_field(workspace):
    tenant, admin, _ = workspace
    response = _post(admin, "/api/v1/channels",
                     {"provider": "twilio", "credentials": {**TWILIO, "fromNumber": NOT_OURS}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "credentials_rejected"
    assert error["fields"] == {"credentials.fromNumber": "Этого номера нет среди номеров аккаунта Twilio: укажите "
                                                         "номер из раздела Phone Numbers → Active numbers."}
    with tenant_context(tenant):
        assert not Channel.objects.exists()


def test_twilio_refusals_are_russian_and_an_unknown_code_is_named_not_quoted(channel_sandbox, caplog):
    foreign = transport_class("twilio")({**TWILIO, "fromNumber": NOT_OURS})
    with pytest.raises(PermanentError) as refused:
        foreign.send(Message("+79161234567", "Привет", "k1"))
    assert refused.value.reason == ("Номер отправителя не принадлежит аккаунту Twilio или не может отправлять SMS "
                                    "в эту страну.")

    caplog.set_level(logging.INFO, logger="tenant_apps.channels.transport")
    with pytest.raises(PermanentError) as unknown:
        transport_class("twilio")(TWILIO).send(Message("+79161234567", "я" * 1601, "k2"))
    assert unknown.value.reason == ("Twilio отклонил запрос (код 21617) — описание кода: "
                                    "twilio.com/docs/errors/21617.")
    [record] = [record for record in caplog.records if record.getMessage() == "provider_refused"]
    assert (record.provider, record.providerCode) == ("Twilio", "21617")
    assert record.providerMessage == "The concatenated message body exceeds the 1600 character limit."


def test_an_unknown_telegram_refusal_keeps_its_english_out_of_the_reason(channel_sandbox, caplog):
    caplog.set_level(logging.INFO, logger="tenant_apps.channels.transport")
    telegram = transport_class("telegram")(PROVIDERS["telegram"][0])
    with pytest.raises(PermanentError) as refused:
        telegram.send(Message(PROVIDERS["telegram"][3], "я" * 5000, "k3"))
    assert refused.value.reason == "Telegram отклонил запрос (код 400)."
    [record] = [record for record in caplog.records if record.getMessage() == "provider_refused"]
    assert record.providerMessage == "Bad Request: message is too long"


def test_the_refusal_log_leaves_out_phone_numbers_and_addresses(caplog):
    caplog.set_level(logging.INFO, logger="tenant_apps.channels.transport")
    assert refusal("SendGrid", "HTTP 400", "The to +7 (916) 123-45-67 and ivan@example.com fail") == (
        "SendGrid отклонил запрос (код HTTP 400).")
    [record] = caplog.records
    assert record.providerMessage == "The to … and … fail"


@pytest.mark.parametrize("fault", ["http_500", "rate_limit"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_temporary_failure_states_a_fact_and_leaves_the_advice_to_whoever_retries(channel_sandbox, provider,
                                                                                   fault):
    channel_sandbox.set_fault(provider, fault)
    transport = transport_class(provider)(PROVIDERS[provider][0])
    with pytest.raises(TemporaryError) as failed:
        transport.send(Message(PROVIDERS[provider][3], "Привет", "k4"))
    assert failed.value.reason.endswith(".")
    assert not re.search(r"Попробуйте|Повтор|позже|через", failed.value.reason), failed.value.reason


@pytest.mark.django_db
@pytest.mark.parametrize(("provider", "typed", "sent_to"), [
    ("twilio", "+7 900 111-22-33", "+79001112233"),
    ("twilio", "89001234567", "+79001234567"),
    ("smsc", "8 (916) 123-45-67", "+79161234567"),
    ("whatsapp", "8 (900) 000-00-31", WINDOW_OPEN),
])
def test_the_test_form_takes_a_number_as_people_type_it(workspace, channel_sandbox, provider, typed, sent_to):
    tenant, admin, _ = workspace
    channel = _connect(admin, provider)
    response = _post(admin, f"/api/v1/channels/{channel['id']}/test", {"recipient": typed, "text": "Проверка"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "sent"
    with tenant_context(tenant):
        assert DeliveryAttempt.objects.get().recipient == sent_to
    [sent] = channel_sandbox.messages(provider)
    assert sent["to"] in (sent_to, sent_to.lstrip("+"))


@pytest.mark.django_db
def test_the_test_form_still_explains_what_is_not_a_number(workspace, channel_sandbox):
    _, admin, _ = workspace
    channel = _connect(admin, "whatsapp")
    response = _post(admin, f"/api/v1/channels/{channel['id']}/test", {"recipient": "Иван", "text": "Проверка"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"recipient"}
    assert not LATIN_SENTENCE.search(response.json()["error"]["fields"]["recipient"])
    assert channel_sandbox.messages() == []
