"""Amazon SES API v2 (rest-json) at ``https://email.{region}.amazonaws.com``, every request signed with SigV4 under
the signing name ``ses``; errors name their code in ``x-amzn-ErrorType`` or the body's ``code``/``__type``
(reference §5).

Replies come from a receipt rule whose SNS action publishes the whole mail to a topic that our webhook subscribes
to: each delivery's signature is verified (:mod:`.sns`) and only the channel's topic is accepted.

An account still in the SES sandbox passes the check — it sends, but only to verified addresses, and SES says so
(``MessageRejected``) when a message goes elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import json
from email.utils import formataddr
from typing import Any
from urllib.parse import quote

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.http import HttpRequest

from ..kinds import Kind
from ..transport import (
    AuthError,
    CredentialField,
    CredentialsRejected,
    Delivery,
    Inbound,
    InboundRejected,
    Message,
    PermanentError,
    TemporaryError,
    Transport,
    TransportError,
    refusal,
)
from . import mail, sns

SIGNING_NAME = "ses"
REJECTED = ("Amazon SES не принял ключ доступа: проверьте Access key ID и Secret access key в IAM — возможно, "
            "ключ удалён, отключён или скопирован не полностью.")
REJECTED_CODES = frozenset({
    "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException",
    "MissingAuthenticationToken", "MissingAuthenticationTokenException", "IncompleteSignature",
    "IncompleteSignatureException",
})
THROTTLED_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling"})
# code → (error class, Russian reason)
ERRORS: dict[str, tuple[type[TransportError], str]] = {
    "AccessDeniedException": (AuthError, "Ключу доступа не хватает прав в IAM: разрешите ему ses:GetAccount, "
                                         "ses:GetEmailIdentity и ses:SendEmail."),
    "AccountSuspendedException": (AuthError, "Amazon SES приостановил отправку писем с этого аккаунта: подробности "
                                             "— в консоли SES, раздел Reputation metrics."),
    "SendingPausedException": (AuthError, "Отправка писем в аккаунте Amazon SES выключена: включите её в консоли "
                                          "SES (Account dashboard)."),
    "MailFromDomainNotVerifiedException": (PermanentError, "Домен MAIL FROM адреса отправителя не подтверждён в "
                                                           "Amazon SES: проверьте его DNS-записи в консоли SES."),
    "LimitExceededException": (TemporaryError, "Исчерпана суточная квота писем Amazon SES. Письмо уйдёт позже."),
    "RequestExpired": (PermanentError, "Часы сервера расходятся с AWS больше чем на 15 минут: Amazon SES не "
                                       "принимает такие запросы."),
}
SANDBOX_RECIPIENT = ("Аккаунт Amazon SES в режиме песочницы: письма уходят только на подтверждённые адреса. "
                     "Подтвердите адрес получателя или запросите production-доступ в консоли SES.")
UNVERIFIED_SENDER = ("Адрес отправителя не подтверждён в Amazon SES в этом регионе: подтвердите адрес или его домен "
                     "в консоли SES → Identities.")
SENDING_DISABLED = "Отправка писем в аккаунте Amazon SES выключена или аккаунт заблокирован: проверьте консоль SES."


class Ses(Transport):
    code = "ses"
    kind = Kind.EMAIL
    base_url_setting = "SES_API_URL"
    label = "Amazon SES"
    fields = (
        CredentialField(
            "accessKeyId", "Access key ID",
            "Консоль AWS → IAM → Users → пользователь → Security credentials → Create access key; "
            "начинается с AKIA.",
            r"AKIA[A-Z0-9]{16}", "Access key ID — «AKIA» и 16 заглавных латинских букв или цифр."),
        CredentialField(
            "secretAccessKey", "Secret access key",
            "Показывается один раз при создании ключа доступа в IAM, рядом с Access key ID.",
            r"[A-Za-z0-9/+]{40}", "Secret access key — 40 символов (латинские буквы, цифры, «/» и «+»).",
            secret=True),
        CredentialField(
            "region", "Регион",
            "Регион, где подтверждён адрес отправителя: в консоли SES он справа вверху, например eu-central-1.",
            r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}", "Регион AWS выглядит так: eu-central-1, us-east-1."),
        *mail.from_fields("Консоль Amazon SES → Identities: подтверждённый адрес или адрес на подтверждённом "
                          "домене (статус Verified) в выбранном регионе."),
        CredentialField(
            "topicArn", "ARN темы SNS для ответов",
            "Для входящих писем: консоль SES → Email receiving → правило с действием SNS; ARN его темы (Amazon SNS → "
            "Topics), подписка HTTPS — на адрес вебхука канала. Можно не заполнять.",
            r"arn:aws(?:-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}",
            "ARN темы SNS выглядит так: arn:aws:sns:eu-central-1:123456789012:fastlead-replies.", required=False),
    )
    inbound = True

    def __init__(self, credentials: Any) -> None:
        super().__init__(credentials)
        region = self.credentials.get("region", "")
        self.base_url = self.base_url or f"https://email.{region}.amazonaws.com"
        self._signer = SigV4Auth(Credentials(self.credentials.get("accessKeyId", ""),
                                             self.credentials.get("secretAccessKey", "")), SIGNING_NAME, region)

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return mail.recipient_error(recipient)

    def check(self) -> None:
        try:
            account = self._call("GET", "/v2/email/account")
            if account.get("SendingEnabled") is not True or account.get("EnforcementStatus") == "SHUTDOWN":
                raise PermanentError(SENDING_DISABLED)
            if not self._sender_verified():
                raise PermanentError(UNVERIFIED_SENDER)
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc

    def _sender_verified(self) -> bool:
        """The sender's address, or else its domain, is an identity verified for sending."""
        address = self.credentials["fromEmail"]
        for identity in (address, address.rpartition("@")[2]):
            try:
                found = self._call("GET", f"/v2/email/identities/{quote(identity, safe='')}")
            except _NotFound:
                continue
            if found.get("VerifiedForSendingStatus") is True:
                return True
        return False

    def send(self, message: Message) -> Delivery:
        address, name = self.credentials["fromEmail"], self.credentials.get("fromName", "")
        payload = {
            "FromEmailAddress": formataddr((name, address)) if name else address,  # RFC 2047 for a Cyrillic name
            "Destination": {"ToAddresses": [message.recipient]},
            "Content": {"Simple": {"Subject": {"Data": mail.subject_for(message), "Charset": "UTF-8"},
                                   "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}}}},
            # SES does not deduplicate; the tag comes back in its event notifications.
            "EmailTags": [{"Name": "idempotency_key", "Value": message.idempotency_key}],
        }
        sent = self._call("POST", "/v2/email/outbound-emails", payload)
        return Delivery(provider_message_id=str(sent.get("MessageId", "")), status="queued")

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        """One SNS delivery: a subscription confirmation is confirmed, a received mail becomes the message."""
        topic = self.credentials.get("topicArn", "")
        if not topic:
            raise InboundRejected("В канале Amazon SES не указан ARN темы SNS для ответов.")
        message = sns.verified_message(request.body, topic, self.timeout)
        if message["Type"] == "SubscriptionConfirmation":
            sns.confirm_subscription(message, self.timeout)
            return []
        try:
            notification = json.loads(message["Message"]) if message["Type"] == "Notification" else None
        except ValueError:
            notification = None
        if not isinstance(notification, dict) or notification.get("notificationType") != "Received":
            return []
        return _received(notification, fallback_id=message["MessageId"])

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        url = f"{self.base_url}{path}"
        body = json.dumps(payload).encode() if payload is not None else b""
        request = AWSRequest(method=method, url=url, data=body,
                             headers={"Content-Type": "application/json"} if payload is not None else {})
        self._signer.add_auth(request)
        response = self._request(method, url, content=body, headers=dict(request.headers.items()))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.is_success and isinstance(answer, dict):
            return answer
        raise self._error(response, answer if isinstance(answer, dict) else {})

    def _error(self, response: httpx.Response, body: dict) -> TransportError:
        code = (response.headers.get("x-amzn-ErrorType", "").split(":")[0]
                or str(body.get("code") or body.get("__type") or "")).rpartition("#")[2]
        text = str(body.get("message") or body.get("Message") or "")
        if code in REJECTED_CODES:
            return AuthError(REJECTED)
        if code in THROTTLED_CODES or response.status_code == 429:
            return TemporaryError("Amazon SES ограничил частоту запросов.")
        if code in ERRORS:
            error_class, reason = ERRORS[code]
            return error_class(reason)
        if code == "MessageRejected" and "not verified" in text:
            sender = self.credentials["fromEmail"].lower()
            return AuthError(UNVERIFIED_SENDER) if sender in text.lower() else PermanentError(SANDBOX_RECIPIENT)
        if code == "NotFoundException":
            return _NotFound("Amazon SES не нашёл запрошенное (NotFoundException).")
        if response.status_code in (401, 403):
            return AuthError(REJECTED)
        if not code:
            return TemporaryError(f"Amazon SES ответил непонятно (HTTP {response.status_code}).")
        return PermanentError(refusal("Amazon SES", code, text))


class _NotFound(PermanentError):
    """SES's ``NotFoundException``: an identity or resource that does not exist."""


def _received(notification: dict, *, fallback_id: str) -> list[Inbound]:
    """The mail of an SES ``Received`` notification: ``content`` is its MIME, as is or in Base64 (the SNS
    action's encoding)."""
    receipt, mail_info = notification.get("receipt"), notification.get("mail")
    action = receipt.get("action") if isinstance(receipt, dict) else None
    encoding = str(action.get("encoding", "")) if isinstance(action, dict) else ""
    content = notification.get("content")
    if not isinstance(content, str):
        return []
    try:
        raw = base64.b64decode(content, validate=True) if encoding.upper() == "BASE64" else content.encode()
    except binascii.Error:
        return []
    message_id = mail_info.get("messageId") if isinstance(mail_info, dict) else None
    return mail.inbound_of_mime(raw, str(message_id or fallback_id)[:128])
