"""Twilio Programmable Messaging (SMS), REST API 2010-04-01: HTTP Basic AccountSid:AuthToken, form-encoded bodies.

Errors arrive as ``{"code": 20003, "message": "Authenticate", "more_info": ..., "status": 401}``; we branch on the
code (Twilio rewords messages), see ../shared/reference/channels-providers.md §1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
from django.http import HttpRequest, HttpResponse

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
    retry_after_of,
)

E164 = r"\+[1-9]\d{6,14}"
SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
DEFAULT_PORTS = {"https": 443, "http": 80}

FOREIGN_SENDER = "Номер отправителя не принадлежит аккаунту Twilio или не может отправлять SMS в эту страну."
UNVERIFIED_RECIPIENT = ("Пробный аккаунт Twilio отправляет SMS только на проверенные номера: добавьте номер "
                        "получателя в консоли Twilio (Phone Numbers → Verified Caller IDs) или пополните аккаунт.")
# Twilio error code → (error class, Russian reason).
ERRORS: dict[int, tuple[type[TransportError], str]] = {
    20003: (AuthError, "Twilio не принял Account SID и Auth Token: проверьте их в консоли Twilio "
                       "(или аккаунт приостановлен)."),
    20429: (TemporaryError, "Twilio ограничил частоту запросов."),
    21211: (PermanentError, "Twilio не принимает этот номер получателя: укажите его в формате +79001234567."),
    21606: (PermanentError, FOREIGN_SENDER),  # per destination too: not the whole channel's fault
    21614: (PermanentError, FOREIGN_SENDER),
    21608: (PermanentError, UNVERIFIED_RECIPIENT),
    14111: (PermanentError, UNVERIFIED_RECIPIENT),
    21610: (PermanentError, "Получатель отписался от SMS с этого номера (ответил STOP)."),
}


class Twilio(Transport):
    code = "twilio"
    kind = Kind.SMS
    base_url_setting = "TWILIO_API_URL"
    fields = (
        CredentialField(
            "accountSid", "Account SID",
            "Консоль Twilio → Account → API keys & tokens, строка «Account SID» (начинается с AC).",
            r"AC[0-9a-f]{32}", "Account SID — «AC» и 32 шестнадцатеричных символа, как в консоли Twilio."),
        CredentialField(
            "authToken", "Auth Token",
            "Консоль Twilio → Account → API keys & tokens, «Auth Token» (нажмите «Show»).",
            r"[0-9a-f]{32}", "Auth Token — 32 шестнадцатеричных символа, как в консоли Twilio.", secret=True),
        CredentialField(
            "fromNumber", "Номер отправителя",
            "Консоль Twilio → Phone Numbers → Active numbers: номер, с которого уходят SMS, в формате +15005550006.",
            E164, "Номер отправителя — в международном формате, например +15005550006."),
    )

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return None if re.fullmatch(E164, recipient) else "Укажите номер в международном формате: +79001234567."

    @property
    def _account_url(self) -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{self.credentials['accountSid']}"

    @property
    def _auth(self) -> tuple[str, str]:
        return self.credentials["accountSid"], self.credentials["authToken"]

    def check(self) -> None:
        response = self._request("GET", f"{self._account_url}.json", auth=self._auth)
        try:
            account = self._ok(response)
        except PermanentError as exc:
            raise CredentialsRejected(exc.reason) from exc
        if account.get("status") != "active":
            raise CredentialsRejected(f"Аккаунт Twilio не активен (статус «{account.get('status')}»).")
        self._check_sender()

    def _check_sender(self) -> None:
        """The From number must be one of the account's numbers able to send SMS, or every message fails (21606)."""
        response = self._request("GET", f"{self._account_url}/IncomingPhoneNumbers.json", auth=self._auth,
                                 params={"PhoneNumber": self.credentials["fromNumber"]})
        numbers = self._ok(response).get("incoming_phone_numbers")
        number = next((item for item in numbers if isinstance(item, dict)
                       and item.get("phone_number") == self.credentials["fromNumber"]),
                      None) if isinstance(numbers, list) else None
        if number is None:
            raise CredentialsRejected("Этого номера нет среди номеров аккаунта Twilio: укажите номер из раздела "
                                      "Phone Numbers → Active numbers.", field="fromNumber")
        capabilities = number.get("capabilities")
        if not (isinstance(capabilities, dict) and capabilities.get("sms") is True):
            raise CredentialsRejected("Этот номер Twilio не умеет отправлять SMS: выберите номер с отметкой SMS "
                                      "в разделе Phone Numbers → Active numbers.", field="fromNumber")

    def send(self, message: Message) -> Delivery:
        form = {"To": message.recipient, "From": self.credentials["fromNumber"], "Body": message.text}
        response = self._request("POST", f"{self._account_url}/Messages.json", auth=self._auth, data=form)
        sent = self._ok(response)
        return Delivery(provider_message_id=str(sent.get("sid", "")), status=str(sent.get("status", "")))

    # Twilio's inbound URL is set per number in its console: the channel shows the admin its URL to paste (our brief
    # does not cover the IncomingPhoneNumbers API). Signatures use the Auth Token, no secret of ours.
    inbound = True
    inbound_setup = ("Чтобы ответы клиентов попадали в карточку лида: консоль Twilio → Phone Numbers → "
                     "Active numbers → ваш номер → Messaging → «A message comes in»: Webhook, HTTP POST, "
                     "вставьте этот адрес.")

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        params = {key: request.POST.getlist(key) for key in request.POST}
        if not valid_signature(self.credentials["authToken"], request.build_absolute_uri(), params,
                               request.headers.get(SIGNATURE_HEADER, ""), request.body):
            raise InboundRejected("Неверная подпись X-Twilio-Signature.")
        sender, text, sid = (request.POST.get(name, "") for name in ("From", "Body", "MessageSid"))
        if not (sender and sid) or "MessageStatus" in request.POST:
            return []  # a delivery report, not a person's message
        return [Inbound(sender=sender, text=text, provider_message_id=sid)]

    def inbound_reply(self) -> HttpResponse:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")

    def _ok(self, response: httpx.Response) -> dict:
        """The JSON of a 2xx answer, or the error its body describes."""
        body = self._json_object(response)
        if response.is_success:
            return body
        code = body.get("code")
        error_class, reason = ERRORS.get(code, (None, "")) if isinstance(code, int) else (None, "")
        if error_class is TemporaryError:
            raise TemporaryError(reason, retry_after=retry_after_of(response))
        if error_class is not None:
            raise error_class(reason)
        if response.status_code == 401:
            raise AuthError(ERRORS[20003][1])
        if response.status_code == 429:
            raise TemporaryError(ERRORS[20429][1], retry_after=retry_after_of(response))
        raise PermanentError(refusal("Twilio", code, str(body.get("message", "")),
                                     docs=f"twilio.com/docs/errors/{code}" if isinstance(code, int) else ""))


def signature(token: str, url: str, params: Mapping[str, str | Sequence[str]]) -> str:
    """``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL followed by each parameter's name and value, names
    sorted, each name's values sorted and de-duplicated (reference §1, vectors §12.1)."""
    data = url
    for name in sorted(params):
        values = params[name]
        for value in sorted(set([values] if isinstance(values, str) else values)):
            data += name + value
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def valid_signature(token: str, url: str, params: Mapping[str, str | Sequence[str]], given: str,
                    body: bytes = b"") -> bool:
    """Twilio's check: the URL as called, with and without the scheme's default port; a JSON request signs its URL
    alone and carries ``bodySHA256`` of the raw body in the query."""
    parts = urlsplit(url)
    body_hash = parse_qs(parts.query).get("bodySHA256")
    if body_hash:
        if not secrets.compare_digest(body_hash[0].encode(), hashlib.sha256(body).hexdigest().encode()):
            return False
        params = {}
    return any(secrets.compare_digest(signature(token, candidate, params).encode(), given.encode())
               for candidate in _port_variants(parts))


def _port_variants(parts) -> list[str]:
    host = parts.hostname or ""
    default = DEFAULT_PORTS.get(parts.scheme)
    variants = [urlunsplit(parts)]
    if parts.port is None and default:
        variants.append(urlunsplit(parts._replace(netloc=f"{_userinfo(parts)}{host}:{default}")))
    elif parts.port == default:
        variants.append(urlunsplit(parts._replace(netloc=f"{_userinfo(parts)}{host}")))
    return variants


def _userinfo(parts) -> str:
    return parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""
