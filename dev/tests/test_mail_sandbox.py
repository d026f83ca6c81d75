"""The channel sandbox is as strict as SendGrid and Amazon SES: what a lenient emulator would let through is refused
with the provider's own error body; SES requests must carry a SigV4 signature made with the seeded secret."""

import json
from datetime import UTC, datetime, timedelta

import botocore.auth
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from dev.channel_sandbox import DEFAULT_SENDGRID, DEFAULT_SES, INVALID_RECIPIENT, VERIFIED_RECIPIENT

API_KEY, SENDER = DEFAULT_SENDGRID
KEY_ID, SECRET, REGION, SES_SENDER = DEFAULT_SES
MAIL = {"personalizations": [{"to": [{"email": "ivan@example.com"}]}], "from": {"email": SENDER, "name": "Студия"},
        "subject": "Заявка", "content": [{"type": "text/plain", "value": "Здравствуйте!"}]}
EMAIL = {"FromEmailAddress": SES_SENDER, "Destination": {"ToAddresses": [VERIFIED_RECIPIENT]},
         "Content": {"Simple": {"Subject": {"Data": "Заявка", "Charset": "UTF-8"},
                                "Body": {"Text": {"Data": "Здравствуйте!", "Charset": "UTF-8"}}}}}



def _errors(response: httpx.Response) -> list[tuple[str | None, str]]:
    return [(error["field"], error["message"]) for error in response.json()["errors"]]


def test_sendgrid_wants_the_bearer_key_and_a_complete_mail_from_the_verified_sender(sandbox):
    server, base = sandbox
    send, auth = f"{base}/sendgrid/v3/mail/send", {"Authorization": f"Bearer {API_KEY}"}

    assert _errors(httpx.post(send, json=MAIL)) == [(None, "authorization required")]
    wrong = httpx.post(send, json=MAIL, headers={"Authorization": "Bearer SG.x.y"})
    assert (wrong.status_code, _errors(wrong)) == (
        401, [(None, "The provided authorization grant is invalid, expired, or revoked")])
    assert httpx.get(f"{base}/sendgrid/v3/scopes", headers=auth).json()["scopes"][0] == "mail.send"
    for broken, field in (
        ({**MAIL, "subject": ""}, "subject"),
        ({**MAIL, "content": []}, "content"),
        ({**MAIL, "content": [{"type": "text/plain", "value": ""}]}, "content.0.value"),
        ({**MAIL, "personalizations": []}, "personalizations"),
        ({**MAIL, "personalizations": [{"to": [{"email": INVALID_RECIPIENT}]}]}, "personalizations.0.to.0.email"),
        ({**MAIL, "from": {"email": "not-an-address"}}, "from.email"),
        ({**MAIL, "custom_args": {"key": 1}}, "custom_args"),
    ):
        refused = httpx.post(send, json=broken, headers=auth)
        assert (refused.status_code, _errors(refused)[0][0]) == (400, field)
    assert httpx.post(send, content=json.dumps(MAIL), headers=auth).status_code == 400  # no JSON Content-Type
    unverified = httpx.post(send, json={**MAIL, "from": {"email": "boss@client.example"}}, headers=auth)
    assert unverified.status_code == 403
    assert _errors(unverified)[0][0] == "from"
    assert "verified Sender Identity" in _errors(unverified)[0][1]
    assert server.messages() == []

    sent = httpx.post(send, json=MAIL, headers=auth)
    assert (sent.status_code, sent.content) == (202, b"")
    assert server.messages("sendgrid") == [{
        "provider": "sendgrid", "id": sent.headers["X-Message-Id"], "to": "ivan@example.com", "from": SENDER,
        "text": "Здравствуйте!", "subject": "Заявка", "custom_args": {}}]


def test_sendgrid_faults_answer_in_its_own_format(sandbox):
    server, base = sandbox
    scopes, auth = f"{base}/sendgrid/v3/scopes", {"Authorization": f"Bearer {API_KEY}"}
    server.set_fault("sendgrid", "rate_limit")
    limited = httpx.get(scopes, headers=auth)
    assert (limited.status_code, _errors(limited)) == (429, [(None, "too many requests")])
    assert int(limited.headers["X-RateLimit-Reset"]) > datetime.now(UTC).timestamp()
    server.set_fault("sendgrid", "revoked")
    assert httpx.get(scopes, headers=auth).status_code == 401


def _signed(url: str, body: dict | None = None, *, key: str = KEY_ID, secret: str = SECRET, region: str = REGION,
            service: str = "ses") -> httpx.Request:
    """The request our SES transport sends: botocore's SigV4 over the exact bytes."""
    content = json.dumps(body).encode() if body is not None else b""
    method = "POST" if body is not None else "GET"
    aws = AWSRequest(method=method, url=url, data=content,
                     headers={"Content-Type": "application/json"} if body is not None else {})
    SigV4Auth(Credentials(key, secret), service, region).add_auth(aws)
    return httpx.Request(method, url, content=content, headers=dict(aws.headers.items()))


def _ses_error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.headers["x-amzn-ErrorType"].split(":")[0]


def test_ses_recomputes_the_sigv4_signature_and_refuses_every_forgery(sandbox, monkeypatch):
    server, base = sandbox
    account, send = f"{base}/ses/v2/email/account", f"{base}/ses/v2/email/outbound-emails"
    with httpx.Client() as client:
        assert _ses_error(client.get(account)) == (403, "MissingAuthenticationTokenException")
        assert _ses_error(client.send(_signed(account, secret="W" * 40))) == (403, "SignatureDoesNotMatch")
        assert _ses_error(client.send(_signed(account, key="AKIA" + "0" * 16))) == (403, "InvalidClientTokenId")
        assert _ses_error(client.send(_signed(account, region="us-east-1"))) == (403, "SignatureDoesNotMatch")
        assert _ses_error(client.send(_signed(account, service="email"))) == (403, "SignatureDoesNotMatch")
        tampered = _signed(send, EMAIL)
        headers = {name: value for name, value in tampered.headers.items() if name.lower() != "content-length"}
        forged = httpx.Request("POST", send, headers=headers,
                               content=json.dumps({**EMAIL, "FromEmailAddress": "boss@client.example"}).encode())
        assert _ses_error(client.send(forged)) == (403, "SignatureDoesNotMatch")
        redated = _signed(account)  # the date sent is not the date signed
        redated.headers["X-Amz-Date"] = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y%m%dT%H%M%SZ")
        assert _ses_error(client.send(redated)) == (403, "SignatureDoesNotMatch")
        stale = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=16)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: stale)
        assert _ses_error(client.send(_signed(account))) == (400, "RequestExpired")
        monkeypatch.undo()
        assert server.messages() == []

        got = client.send(_signed(account))
        assert got.status_code == 200
        assert (got.json()["ProductionAccessEnabled"], got.json()["SendingEnabled"]) == (False, True)
        sent = client.send(_signed(send, EMAIL))
        assert sent.status_code == 200
    assert server.messages("ses") == [{"provider": "ses", "id": sent.json()["MessageId"], "to": VERIFIED_RECIPIENT,
                                       "from": SES_SENDER, "text": "Здравствуйте!", "subject": "Заявка", "tags": {}}]


def test_ses_sends_from_a_verified_identity_to_verified_addresses_only(sandbox):
    server, base = sandbox
    send = f"{base}/ses/v2/email/outbound-emails"
    with httpx.Client() as client:
        def refusal(body: dict) -> tuple[int, str, str]:
            response = client.send(_signed(send, body))
            return (*_ses_error(response), response.json()["message"])

        assert refusal({**EMAIL, "Destination": {"ToAddresses": ["ivan@example.com"]}}) == (
            400, "MessageRejected", "Email address is not verified. The following identities failed the check in "
                                    "region EU-CENTRAL-1: ivan@example.com")
        assert refusal({**EMAIL, "FromEmailAddress": "boss@client.example"})[:2] == (400, "MessageRejected")
        assert refusal({**EMAIL, "FromEmailAddress": "Студия <sales@client.example>"})[:2] == (
            400, "BadRequestException")  # a non-ASCII name must be RFC 2047 encoded
        assert refusal({**EMAIL, "Content": {}})[:2] == (400, "BadRequestException")
        assert refusal({**EMAIL, "EmailTags": [{"Name": "key", "Value": "a b"}]})[:2] == (400, "BadRequestException")
        identity = client.send(_signed(f"{base}/ses/v2/email/identities/boss%40client.example"))
        assert _ses_error(identity) == (404, "NotFoundException")
        verified = client.send(_signed(f"{base}/ses/v2/email/identities/sales%40client.example"))
        assert verified.json()["VerifiedForSendingStatus"] is True
        server.set_fault("ses", "rate_limit")
        assert _ses_error(client.send(_signed(send, EMAIL))) == (429, "TooManyRequestsException")
    assert server.messages() == []
