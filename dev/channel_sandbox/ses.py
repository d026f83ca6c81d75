"""Amazon SES API v2 as the sandbox speaks it: GetAccount, GetEmailIdentity and SendEmail (reference §5, §10).

Every request must carry a valid SigV4 signature (signing name ``ses``, the seeded region) over what was actually
sent; the sandbox recomputes it with the seeded secret, independently of botocore which signs on our side. Errors
name their code in ``x-amzn-ErrorType`` with ``{"message": ...}``. The account is in the SES sandbox: it sends from
its verified sender only to verified addresses (:data:`VERIFIED_RECIPIENT`), 200 messages a day.

Replies: :meth:`Ses.inbound` is the SNS delivery of a receipt rule's SNS action (or the subscription's confirmation),
signed with the sandbox's own RSA key (``cryptography``) whose certificate it serves at ``Ses.cert_path``; our app
accepts such a certificate URL only while ``CHANNEL_SANDBOX_URL`` is set, that is never in production.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import cached_property
from http import HTTPStatus
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from dev.channel_sandbox.base import Answer, Provider, Request, Webhook

# access key id, secret access key, region, verified sender
DEFAULT_SES = ("AKIAFASTLEADSANDBOX1", "FastLead/Sandbox+SES0secret0key012345678", "eu-central-1",
               "sales@client.example")
VERIFIED_RECIPIENT = "verified-lead@client.example"
TOPIC_ARN = "arn:aws:sns:eu-central-1:123456789012:fastlead-replies"  # the receipt rule's SNS action publishes here
CONFIRM_PATH = "/sns/confirm"
SNS_SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
SNS_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})")
MAX_SKEW = timedelta(minutes=15)
MAX_RECIPIENTS = 50
MAX_24_HOUR_SEND = 200
TAG = re.compile(r"[A-Za-z0-9_-]{1,256}")
ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                     r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
CORAL = ":http://internal.amazon.com/coral/com.amazon.coral.service/"


def error(status: int, code: str, message: str) -> Answer:
    suffix = CORAL if status == HTTPStatus.FORBIDDEN else ""
    return Answer(status, {"message": message},
                  headers={"x-amzn-ErrorType": code + suffix, "x-amzn-RequestId": str(uuid.uuid4())})


INVALID_TOKEN = (HTTPStatus.FORBIDDEN, "InvalidClientTokenId",
                 "The security token included in the request is invalid.")
MISMATCH = "The request signature we calculated does not match the signature you provided. Check your AWS Secret " \
           "Access Key and signing method. Consult the service documentation for details."


def signature(secret: str, date: str, region: str, service: str, string_to_sign: str) -> str:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


class Ses(Provider):
    name = "ses"

    def __init__(self, access_key_id: str, secret_access_key: str, region: str, sender: str, *, url: str = "") -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.sender = sender
        self.url = url  # where the sandbox serves this provider: SNS messages link to it
        self.verified = {sender.lower(), VERIFIED_RECIPIENT}  # e-mail identities; no domain is verified
        self._sent: list[float] = []
        self.subscription_tokens: deque[str] = deque(maxlen=100)  # issued by SubscriptionConfirmation messages
        self.confirmed: deque[str] = deque(maxlen=100)  # topics whose subscription our app confirmed

    def fault(self, mode: str) -> Answer:
        if mode == "revoked":
            return error(*INVALID_TOKEN)
        if mode == "http_500":
            return error(HTTPStatus.INTERNAL_SERVER_ERROR, "InternalFailure", "An internal error occurred.")
        return error(HTTPStatus.TOO_MANY_REQUESTS, "TooManyRequestsException", "Too Many Requests")

    def handle(self, request: Request) -> Answer:
        if request.method == "GET" and request.path == self.cert_path:  # SNS's certificate: public, as on AWS
            return Answer(HTTPStatus.OK, self._certificate_pem, headers={"Content-Type": "application/x-pem-file"})
        if request.method == "GET" and request.path == CONFIRM_PATH:
            return self._confirm(parse_qs(request.query))
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        if request.method == "GET" and request.path == "/v2/email/account":
            return Answer(HTTPStatus.OK, self._account())
        if request.method == "GET" and request.path.startswith("/v2/email/identities/"):
            return self._identity(unquote(request.path.removeprefix("/v2/email/identities/")))
        if request.method == "POST" and request.path == "/v2/email/outbound-emails":
            try:
                body = json.loads(request.body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict):
                return error(HTTPStatus.BAD_REQUEST, "SerializationException", "Start of structure or map found "
                             "where not expected.")
            return self._send(body)
        return error(HTTPStatus.NOT_FOUND, "UnknownOperationException", "")

    def _authenticate(self, request: Request) -> Answer | None:
        """The SigV4 ``Authorization`` header checked as AWS does: key, scope, clock, then the signature."""
        header = request.headers.get("Authorization", "")
        if not header:
            return error(HTTPStatus.FORBIDDEN, "MissingAuthenticationTokenException", "Missing Authentication Token")
        match = AUTHORIZATION.fullmatch(header.strip())
        amz_date = request.headers.get("X-Amz-Date", "")
        try:
            when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            when = None
        signed = match["signed"].split(";") if match else []
        if match is None or when is None or not {"host", "x-amz-date"} <= set(signed) or signed != sorted(signed):
            return error(HTTPStatus.BAD_REQUEST, "IncompleteSignatureException",
                         "Authorization header requires 'Credential', 'SignedHeaders' (with host and x-amz-date), "
                         "'Signature' and a valid 'X-Amz-Date'.")
        if not secrets.compare_digest(match["key"], self.access_key_id):
            return error(*INVALID_TOKEN)
        if abs(datetime.now(UTC) - when) > MAX_SKEW:
            return error(HTTPStatus.BAD_REQUEST, "RequestExpired",
                         f"Request has expired. X-Amz-Date {amz_date} is more than 15 minutes from the server time.")
        if match["service"] != self.name or match["region"] != self.region or match["date"] != amz_date[:8]:
            return error(HTTPStatus.FORBIDDEN, "SignatureDoesNotMatch",
                         f"Credential should be scoped to a valid region and to the service '{self.name}', "
                         f"on the date of X-Amz-Date. {MISMATCH}")
        if any(name not in request.headers for name in signed if name != "host") or "Host" not in request.headers:
            return error(HTTPStatus.FORBIDDEN, "SignatureDoesNotMatch", MISMATCH)
        scope = f"{match['date']}/{self.region}/{self.name}/aws4_request"
        canonical = self._canonical_request(request, signed)
        string_to_sign = "\n".join(("AWS4-HMAC-SHA256", amz_date, scope,
                                    hashlib.sha256(canonical.encode()).hexdigest()))
        expected = signature(self.secret_access_key, match["date"], self.region, self.name, string_to_sign)
        if not secrets.compare_digest(expected, match["signature"]):
            return error(HTTPStatus.FORBIDDEN, "SignatureDoesNotMatch", MISMATCH)
        return None

    def _canonical_request(self, request: Request, signed: list[str]) -> str:
        """SigV4's canonical request over the path as sent (URI-encoded once more, as for every service but S3),
        the sorted query, the signed headers' trimmed values and the SHA-256 of the body actually received."""
        path = quote(f"/{self.name}{request.path}", safe="/~")
        query = "&".join(f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}"
                         for key, value in sorted(parse_qsl(request.query, keep_blank_values=True)))
        headers = "".join(f"{name}:{','.join(' '.join(value.split()) for value in request.headers.get_all(name, []))}\n"
                          for name in signed)
        return "\n".join((request.method, path, query, headers, ";".join(signed),
                          hashlib.sha256(request.body).hexdigest()))

    def _account(self) -> dict:
        sent = self._sent_last_24_hours()
        return {"DedicatedIpAutoWarmupEnabled": False, "EnforcementStatus": "HEALTHY",
                "ProductionAccessEnabled": False, "SendingEnabled": True,
                "SendQuota": {"Max24HourSend": float(MAX_24_HOUR_SEND), "MaxSendRate": 1.0,
                              "SentLast24Hours": float(sent)}}

    def _identity(self, identity: str) -> Answer:
        if identity.lower() not in self.verified:
            return error(HTTPStatus.NOT_FOUND, "NotFoundException", f"Email identity {identity} does not exist.")
        return Answer(HTTPStatus.OK, {
            "IdentityType": "EMAIL_ADDRESS", "FeedbackForwardingStatus": True, "VerifiedForSendingStatus": True,
            "VerificationStatus": "SUCCESS", "DkimAttributes": {"SigningEnabled": False, "Status": "NOT_STARTED"},
            "MailFromAttributes": {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE", "MailFromDomainStatus": "PENDING"},
            "Policies": {}, "Tags": []})

    def _sent_last_24_hours(self) -> int:
        day_ago = time.time() - 86400
        self._sent = [moment for moment in self._sent if moment > day_ago]
        return len(self._sent)

    def _send(self, body: dict) -> Answer:
        def bad(message: str) -> Answer:
            return error(HTTPStatus.BAD_REQUEST, "BadRequestException", message)

        source = body.get("FromEmailAddress")
        if not isinstance(source, str) or not source.isascii():  # a non-ASCII name must be RFC 2047 encoded
            return bad("Illegal address")
        sender = parseaddr(source)[1]
        if not ADDRESS.fullmatch(sender):
            return bad("Illegal address")
        destination = body.get("Destination")
        to = destination.get("ToAddresses") if isinstance(destination, dict) else None
        if not isinstance(to, list) or not to or not all(isinstance(address, str) for address in to):
            return bad("Missing required field Destination.ToAddresses")
        if len(to) > MAX_RECIPIENTS:
            return error(HTTPStatus.BAD_REQUEST, "MessageRejected", "Recipient count exceeds 50.")
        if not all(ADDRESS.fullmatch(parseaddr(address)[1]) for address in to):
            return bad("Illegal address")
        content = body.get("Content")
        if not isinstance(content, dict) or len(content) != 1:
            return bad("Content must contain exactly one of Simple, Raw or Template.")
        simple = content.get("Simple")
        if not isinstance(simple, dict):
            return bad("Only Simple content is emulated by the sandbox.")
        subject, text = _data(simple.get("Subject")), _body_text(simple.get("Body"))
        if subject is None:
            return bad("Missing required field Content.Simple.Subject.Data")
        if text is None:
            return bad("Content.Simple.Body must contain Text or Html with Data.")
        tags = body.get("EmailTags", [])
        if not isinstance(tags, list) or not all(
                isinstance(tag, dict) and TAG.fullmatch(str(tag.get("Name", ""))) and TAG.fullmatch(
                    str(tag.get("Value", ""))) for tag in tags):
            return bad("Invalid EmailTags: names and values are 1-256 characters of A-Z, a-z, 0-9, '_' and '-'.")
        unverified = [address for address in (sender, *(parseaddr(item)[1] for item in to))
                      if address.lower() not in self.verified]
        if unverified:
            return error(HTTPStatus.BAD_REQUEST, "MessageRejected",
                         "Email address is not verified. The following identities failed the check in region "
                         f"{self.region.upper()}: {', '.join(unverified)}")
        if self._sent_last_24_hours() >= MAX_24_HOUR_SEND:
            return error(HTTPStatus.BAD_REQUEST, "LimitExceededException", "Daily message quota exceeded.")
        self._sent.append(time.time())
        message_id = f"{int(time.time() * 1000):016x}-{uuid.uuid4()}-000000"
        return Answer(HTTPStatus.OK, {"MessageId": message_id}, {
            "provider": "ses", "id": message_id, "to": ", ".join(to), "from": sender, "text": text,
            "subject": subject, "tags": {tag["Name"]: tag["Value"] for tag in tags}})

    # --- replies: SNS deliveries ---------------------------------------------------------------------------

    @cached_property
    def _key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @cached_property
    def _certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.eu-central-1.amazonaws.com")])
        now = datetime.now(UTC)
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                       .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                       .sign(self._key, hashes.SHA256()))
        return certificate.public_bytes(serialization.Encoding.PEM).decode()

    @cached_property
    def cert_path(self) -> str:
        """Named after the key, as SNS names its certificates: a new key is a new URL, never a stale cache."""
        der = self._key.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        return f"/sns/SimpleNotificationService-{hashlib.sha256(der).hexdigest()[:32]}.pem"

    def _confirm(self, query: dict[str, list[str]]) -> Answer:
        token, topic = query.get("Token", [""])[0], query.get("TopicArn", [""])[0]
        if query.get("Action", [""])[0] != "ConfirmSubscription" or token not in self.subscription_tokens:
            return Answer(HTTPStatus.BAD_REQUEST, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter"
                          "</Code><Message>Invalid token</Message></Error></ErrorResponse>",
                          headers={"Content-Type": "text/xml"})
        self.confirmed.append(topic)
        arn = f"{topic}:{uuid.uuid4()}"
        return Answer(HTTPStatus.OK, "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>"
                      f"{arn}</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>",
                      headers={"Content-Type": "text/xml"})

    def inbound(self, params: dict) -> Webhook:
        """What SNS posts to ``params["url"]`` (the subscription's HTTPS endpoint): ``type`` ``Notification`` (the
        default: a reply from ``from`` with ``text``, optional ``name``, ``subject``, ``encoding`` UTF8|BASE64) or
        ``SubscriptionConfirmation``; ``topic``, ``signature_version`` (1|2) and ``cert_url`` may be overridden."""
        url, kind = str(params.get("url") or ""), str(params.get("type") or "Notification")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise ValueError("ses: укажите url — адрес HTTPS-подписки SNS (вебхук канала).")
        if kind not in SNS_SIGNED_KEYS:
            raise ValueError(f"ses: type — одно из: {', '.join(SNS_SIGNED_KEYS)}.")
        version = str(params.get("signature_version") or "1")
        if version not in SNS_HASHES:
            raise ValueError("ses: signature_version — 1 или 2.")
        topic = str(params.get("topic") or TOPIC_ARN)
        message = {"Type": kind, "MessageId": str(uuid.uuid4()), "TopicArn": topic,
                   "Timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        if kind == "SubscriptionConfirmation":
            token = secrets.token_hex(64)
            self.subscription_tokens.append(token)
            message.update(Token=token, SubscribeURL=f"{self.url}{CONFIRM_PATH}?Action=ConfirmSubscription&"
                                                     f"TopicArn={quote(topic, safe='')}&Token={token}",
                           Message=f"You have chosen to subscribe to the topic {topic}.\nTo confirm the "
                                   "subscription, visit the SubscribeURL included in this message.")
        else:
            message.update(Subject="Amazon SES Email Receipt Notification",
                           Message=json.dumps(self._received(params, topic)))
        signed = "".join(f"{key}\n{message[key]}\n" for key in SNS_SIGNED_KEYS[kind] if key in message)
        signature = self._key.sign(signed.encode(), padding.PKCS1v15(), SNS_HASHES[version]())
        message.update(SignatureVersion=version, Signature=base64.b64encode(signature).decode(),
                       SigningCertURL=str(params.get("cert_url") or f"{self.url}{self.cert_path}"))
        return Webhook(url, json.dumps(message).encode(), {
            "Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": kind,
            "x-amz-sns-message-id": message["MessageId"], "x-amz-sns-topic-arn": topic,
            "User-Agent": "Amazon Simple Notification Service Agent"})

    def _received(self, params: dict, topic: str) -> dict:
        """SES's ``Received`` notification of a reply to the verified sender, the whole mail in ``content``."""
        sender, text = str(params.get("from") or ""), str(params.get("text") or "")
        if not ADDRESS.fullmatch(sender) or not text:
            raise ValueError("ses: from — e-mail отправителя, text — текст письма.")
        encoding = str(params.get("encoding") or "UTF8").upper()
        if encoding not in ("UTF8", "BASE64"):
            raise ValueError("ses: encoding — UTF8 или BASE64.")
        mail = EmailMessage()
        mail["From"] = formataddr((str(params.get("name") or ""), sender))
        mail["To"], mail["Subject"] = self.sender, str(params.get("subject") or "Re: заявка")
        mail["Date"], mail["Message-ID"] = formatdate(usegmt=True), make_msgid(domain="mail.example")
        mail.set_content(text)
        raw = mail.as_bytes()
        message_id = secrets.token_hex(20)
        return {
            "notificationType": "Received",
            "mail": {"timestamp": datetime.now(UTC).isoformat(), "source": sender, "messageId": message_id,
                     "destination": [self.sender], "headersTruncated": False,
                     "commonHeaders": {"from": [mail["From"]], "to": [self.sender], "subject": mail["Subject"],
                                       "messageId": mail["Message-ID"]}},
            "receipt": {"timestamp": datetime.now(UTC).isoformat(), "processingTimeMillis": 120,
                        "recipients": [self.sender], "spamVerdict": {"status": "PASS"},
                        "virusVerdict": {"status": "PASS"}, "spfVerdict": {"status": "PASS"},
                        "dkimVerdict": {"status": "PASS"}, "dmarcVerdict": {"status": "PASS"},
                        "action": {"type": "SNS", "topicArn": topic, "encoding": encoding}},
            "content": base64.b64encode(raw).decode() if encoding == "BASE64" else raw.decode(),
        }


def _data(content: object) -> str | None:
    data = content.get("Data") if isinstance(content, dict) else None
    return data if isinstance(data, str) and data else None


def _body_text(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    return _data(body.get("Text")) or _data(body.get("Html"))
