"""SendGrid and Amazon SES beyond the per-provider matrix of test_channels_api: their fields, the subject, and the
refusals each maps to our errors (against the channel sandbox over real HTTP)."""

import pytest

from dev.channel_sandbox import DEFAULT_SENDGRID, DEFAULT_SES, VERIFIED_RECIPIENT
from tenant_apps.channels.providers import mail, sendgrid, ses
from tenant_apps.channels.transport import AuthError, CredentialsRejected, Message, TemporaryError

API_KEY, SENDER = DEFAULT_SENDGRID
KEY_ID, SECRET, REGION, SES_SENDER = DEFAULT_SES
SES_CREDENTIALS = {"accessKeyId": KEY_ID, "secretAccessKey": SECRET, "region": REGION, "fromEmail": SES_SENDER}


def test_the_sender_name_is_optional_but_checked_when_given():
    clean, errors = sendgrid.SendGrid.clean_credentials({"apiKey": API_KEY, "fromEmail": SENDER, "fromName": " "})
    assert (clean, errors) == ({"apiKey": API_KEY, "fromEmail": SENDER}, {})
    _, errors = sendgrid.SendGrid.clean_credentials({"apiKey": "sk-123", "fromEmail": "sales",
                                                     "fromName": "Ромашка <boss@x.ru>"})
    assert errors == {
        "apiKey": "API-ключ SendGrid начинается с «SG.» и состоит из трёх частей через точку — скопируйте его целиком.",
        "fromEmail": "Адрес отправителя — e-mail вида sales@example.ru, подтверждённый у провайдера.",
        "fromName": "Имя отправителя — до 100 символов, без кавычек, угловых скобок и переносов строк.",
    }
    _, errors = ses.Ses.clean_credentials({**SES_CREDENTIALS, "accessKeyId": "ASIA" + "0" * 16, "region": "Frankfurt"})
    assert set(errors) == {"accessKeyId", "region"}


def test_the_subject_is_the_first_line_cut_to_a_mail_clients_width():
    assert mail.subject_of("  Здравствуйте, Иван!\nВы оставили заявку.") == "Здравствуйте, Иван!"
    long = mail.subject_of("Очень " * 30)
    assert len(long) == mail.SUBJECT_LENGTH
    assert long.endswith("…")


def test_sendgrid_refuses_an_unverified_sender_and_says_when_to_retry_a_rate_limit(channel_sandbox):
    stranger = sendgrid.SendGrid({"apiKey": API_KEY, "fromEmail": "boss@client.example"})
    with pytest.raises(AuthError) as refused:
        stranger.send(Message("ivan@example.com", "Привет", "key-1"))
    assert refused.value.reason == sendgrid.UNVERIFIED_SENDER

    channel_sandbox.set_fault("sendgrid", "rate_limit")
    with pytest.raises(TemporaryError) as limited:
        sendgrid.SendGrid({"apiKey": API_KEY, "fromEmail": SENDER}).send(Message("ivan@example.com", "x", "key-2"))
    assert limited.value.retry_after is not None
    assert 0 < limited.value.retry_after <= 5
    assert channel_sandbox.messages("sendgrid") == []


def test_sendgrid_sends_the_sender_name_and_our_idempotency_key(channel_sandbox):
    transport = sendgrid.SendGrid({"apiKey": API_KEY, "fromEmail": SENDER, "fromName": "Студия"})
    delivery = transport.send(Message("ivan@example.com", "Здравствуйте!\nПодробности ниже.", "key-3"))
    [sent] = channel_sandbox.messages("sendgrid")
    assert (sent["id"], sent["subject"], sent["custom_args"]) == (
        delivery.provider_message_id, "Здравствуйте!", {"idempotency_key": "key-3"})


def test_the_api_providers_send_the_subject_they_are_given(channel_sandbox):
    subject = "Стоматология «Улыбка»: ваша заявка получена"
    sendgrid.SendGrid({"apiKey": API_KEY, "fromEmail": SENDER}).send(
        Message("ivan@example.com", "Здравствуйте, Иван! Получили вашу заявку.", "key-6", subject=subject))
    ses.Ses(SES_CREDENTIALS).send(Message(VERIFIED_RECIPIENT, "Здравствуйте!", "key-7", subject=subject))
    assert [channel_sandbox.messages(name)[0]["subject"] for name in ("sendgrid", "ses")] == [subject, subject]


def test_ses_checks_that_the_sender_is_a_verified_identity(channel_sandbox):
    with pytest.raises(CredentialsRejected) as rejected:
        ses.Ses({**SES_CREDENTIALS, "fromEmail": "boss@client.example"}).check()
    assert rejected.value.reason == ses.UNVERIFIED_SENDER
    ses.Ses(SES_CREDENTIALS).check()


def test_ses_sends_a_cyrillic_sender_name_encoded_and_maps_throttling(channel_sandbox):
    transport = ses.Ses({**SES_CREDENTIALS, "fromName": "Студия «Ромашка»"})
    delivery = transport.send(Message(VERIFIED_RECIPIENT, "Здравствуйте!", "key-4"))
    [sent] = channel_sandbox.messages("ses")
    assert (sent["id"], sent["from"], sent["tags"]) == (delivery.provider_message_id, SES_SENDER,
                                                        {"idempotency_key": "key-4"})
    channel_sandbox.set_fault("ses", "rate_limit")
    with pytest.raises(TemporaryError, match="ограничил частоту"):
        transport.send(Message(VERIFIED_RECIPIENT, "Ещё раз", "key-5"))
