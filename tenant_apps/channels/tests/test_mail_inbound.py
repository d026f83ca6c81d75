"""Replies by e-mail: SendGrid Inbound Parse posts and SES receipts through SNS read into our messages, forgeries
and what is not one refused."""

import base64
import json
import secrets

import pytest
from django.test import RequestFactory

from dev.channel_sandbox import DEFAULT_SENDGRID, DEFAULT_SES
from dev.channel_sandbox.sendgrid import BOUNDARY, multipart
from dev.channel_sandbox.sendgrid import SendGrid as SendGridSandbox
from dev.channel_sandbox.ses import TOPIC_ARN
from tenant_apps.channels.providers.sendgrid import SendGrid
from tenant_apps.channels.providers.ses import Ses
from tenant_apps.channels.transport import INBOUND_SECRET, Inbound, InboundRejected

API_KEY, SENDER = DEFAULT_SENDGRID
URL = "https://acme.fastlead.test/channels/inbound/sendgrid/key"
HEADERS = ("From: =?utf-8?b?0JjQstCw0L0=?= <ivan@example.com>\r\nTo: sales@client.example\r\nSubject: Re\r\n"
           "Message-ID: <reply-1@mail.example>\r\n")


@pytest.fixture
def transport() -> SendGrid:
    return SendGrid({"apiKey": API_KEY, "fromEmail": SENDER, INBOUND_SECRET: "s" * 43})


def _post(body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}"):
    return RequestFactory().generic("POST", "/channels/inbound/sendgrid/key", data=body, content_type=content_type)


def _fields(**overrides: str) -> dict[str, str]:
    fields = {"headers": HEADERS, "from": "Иван <ivan@example.com>", "to": SENDER, "subject": "Re",
              "text": "Да, удобно завтра в 10.",
              "envelope": '{"to":["sales@client.example"],"from":"ivan@example.com"}',
              "charsets": '{"to":"UTF-8","from":"UTF-8","subject":"UTF-8","text":"UTF-8"}', "SPF": "pass"}
    return {**fields, **overrides}


def test_the_sandboxs_inbound_parse_post_is_read_into_one_message(transport):
    webhook = SendGridSandbox(*DEFAULT_SENDGRID).inbound(
        {"url": URL, "from": "ivan@example.com", "name": "Иван Петров", "text": "Перезвоните, пожалуйста"})

    [message] = transport.parse_inbound(_post(webhook.body, webhook.headers["Content-Type"]))

    assert (message.sender, message.sender_name, message.text) == ("ivan@example.com", "Иван Петров",
                                                                   "Перезвоните, пожалуйста")
    assert message.provider_message_id.startswith("<")
    assert message.provider_message_id.endswith("@mail.example>")
    assert webhook.url == URL


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251", "koi8-r"])
def test_raw_mode_reads_the_whole_mail_in_its_own_charset(transport, charset):
    webhook = SendGridSandbox(*DEFAULT_SENDGRID).inbound({"url": URL, "from": "ivan@example.com", "name": "Иван",
                                                          "text": "Добрый день, жду звонка", "raw": True,
                                                          "charset": charset})

    [message] = transport.parse_inbound(_post(webhook.body, webhook.headers["Content-Type"]))

    assert (message.sender, message.sender_name, message.text) == ("ivan@example.com", "Иван",
                                                                   "Добрый день, жду звонка")
    assert message.provider_message_id.endswith("@mail.example>")


def test_a_post_delivered_twice_keeps_its_id_even_without_a_message_id(transport):
    body = multipart(_fields(headers="From: ivan@example.com\r\nSubject: Re\r\n"))
    first, second = (transport.parse_inbound(_post(body))[0] for _ in range(2))
    assert first.provider_message_id == second.provider_message_id
    assert first.provider_message_id.startswith("sha256:")
    other = transport.parse_inbound(_post(multipart(_fields(headers="From: ivan@example.com\r\n", text="Другое"))))
    assert other[0].provider_message_id != first.provider_message_id


def test_autoreplies_bounces_and_empty_mail_are_not_a_persons_message(transport):
    auto = _fields(headers=HEADERS + "Auto-Submitted: auto-replied\r\n", text="I am out of office")
    bounce = _fields(**{"from": "Mail Delivery Subsystem <MAILER-DAEMON>"})
    assert transport.parse_inbound(_post(multipart(auto))) == []
    assert transport.parse_inbound(_post(multipart(bounce))) == []
    assert transport.parse_inbound(_post(multipart(_fields(text="", html="<p>Только <b>HTML</b></p>"))))[0].text == (
        "Только HTML")
    assert transport.parse_inbound(_post(multipart(_fields(text="  ")))) == []


@pytest.mark.parametrize("request_of", [
    lambda: _post(b'{"from": "ivan@example.com", "text": "hi"}', "application/json"),
    lambda: _post(multipart({"from": "ivan@example.com", "text": "без заголовков и конверта"})),
    lambda: RequestFactory().get("/channels/inbound/sendgrid/key", {"from": "ivan@example.com"}),
], ids=["json", "no-headers-or-envelope", "get"])
def test_what_is_not_an_inbound_parse_post_is_rejected(transport, request_of):
    with pytest.raises(InboundRejected):
        transport.parse_inbound(request_of())


@pytest.fixture
def ses(channel_sandbox):
    key_id, secret, region, sender = DEFAULT_SES
    return Ses({"accessKeyId": key_id, "secretAccessKey": secret, "region": region, "fromEmail": sender,
                "topicArn": TOPIC_ARN})


def _sns(channel_sandbox, **params):
    webhook = channel_sandbox.providers["ses"].inbound({"url": URL, **params})
    assert webhook.headers["x-amz-sns-message-type"] == params.get("type", "Notification")
    return webhook.body


def _sns_post(body: bytes):
    return RequestFactory().generic("POST", "/channels/inbound/ses/key", data=body, content_type="text/plain")


@pytest.mark.parametrize(("encoding", "version"), [("UTF8", "1"), ("BASE64", "2")])
def test_a_reply_through_a_receipt_rule_and_sns_is_verified_and_read(channel_sandbox, ses, encoding, version):
    body = _sns(channel_sandbox, **{"from": "ivan@example.com", "name": "Иван Петров", "text": "Жду звонка завтра",
                                    "encoding": encoding, "signature_version": version})

    [message] = ses.parse_inbound(_sns_post(body))

    notification = json.loads(json.loads(body)["Message"])
    assert message == Inbound(sender="ivan@example.com", text="Жду звонка завтра", sender_name="Иван Петров",
                              provider_message_id=notification["mail"]["messageId"])


def test_the_subscription_is_confirmed_only_after_its_signature_checks_out(channel_sandbox, ses):
    confirmation = _sns(channel_sandbox, type="SubscriptionConfirmation")
    forged = json.loads(confirmation)
    forged["Message"] = "Subscribe to this topic, please."
    sandbox = channel_sandbox.providers["ses"]

    with pytest.raises(InboundRejected):
        ses.parse_inbound(_sns_post(json.dumps(forged).encode()))
    assert list(sandbox.confirmed) == []
    assert ses.parse_inbound(_sns_post(confirmation)) == []
    assert list(sandbox.confirmed) == [TOPIC_ARN]


def _tampered(body: bytes, **changes: str) -> bytes:
    return json.dumps({**json.loads(body), **changes}).encode()


@pytest.mark.parametrize("forge", [
    lambda body: _tampered(body, Message=json.loads(body)["Message"].replace("ivan@", "boss@")),
    lambda body: _tampered(body, Signature=base64.b64encode(secrets.token_bytes(256)).decode()),
    lambda body: _tampered(body, SignatureVersion="3"),
    lambda body: _tampered(body, SigningCertURL="https://sns.eu-central-1.amazonaws.com.evil.example/cert.pem"),
    lambda body: _tampered(body, SigningCertURL="http://sns.eu-central-1.amazonaws.com/cert.pem"),
    lambda body: _tampered(body, TopicArn="arn:aws:sns:eu-central-1:999999999999:someone-else"),
    lambda body: b"not json",
], ids=["body", "signature", "version", "cert-host", "cert-http", "topic", "garbage"])
def test_a_forged_or_foreign_sns_delivery_is_rejected(channel_sandbox, ses, forge):
    body = _sns(channel_sandbox, **{"from": "ivan@example.com", "text": "Привет"})
    assert len(ses.parse_inbound(_sns_post(body))) == 1  # the genuine one passes
    with pytest.raises(InboundRejected):
        ses.parse_inbound(_sns_post(forge(body)))


def test_the_sandboxs_certificate_is_trusted_only_while_the_sandbox_is_configured(channel_sandbox, ses, settings):
    body = _sns(channel_sandbox, **{"from": "ivan@example.com", "text": "Привет"})
    settings.CHANNEL_SANDBOX_URL = ""  # as in production: only sns.<region>.amazonaws.com over https
    with pytest.raises(InboundRejected):
        ses.parse_inbound(_sns_post(body))


def test_without_a_topic_no_sns_delivery_is_accepted(channel_sandbox, ses):
    body = _sns(channel_sandbox, **{"from": "ivan@example.com", "text": "Привет"})
    no_topic = Ses({key: value for key, value in ses.credentials.items() if key != "topicArn"})
    with pytest.raises(InboundRejected, match="ARN темы SNS"):
        no_topic.parse_inbound(_sns_post(body))
