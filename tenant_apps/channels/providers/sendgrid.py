"""SendGrid v3 Mail Send: ``Authorization: Bearer <API key>``, JSON bodies, errors
``{"errors": [{"field": ..., "message": ...}]}`` (reference §4).

Replies come through SendGrid Inbound Parse (best with "POST the raw, full MIME message" ticked): a multipart POST
that SendGrid does not sign in any way the brief documents. The unguessable key in the webhook URL the admin enters
in SendGrid's console is what authenticates it (the inbound view finds the channel by it); here we only accept what
has Inbound Parse's shape.
"""

from __future__ import annotations

import time
from email.parser import HeaderParser
from email.utils import parseaddr

import httpx
from django.http import HttpRequest
from django.utils.html import strip_tags

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
from . import mail

REJECTED = ("SendGrid не принял API-ключ: проверьте его в Settings → API Keys — возможно, ключ удалён или "
            "скопирован не полностью.")
NO_MAIL_SEND = "У API-ключа SendGrid нет права «Mail Send»: создайте ключ с доступом Mail Send (Full Access)."
UNVERIFIED_SENDER = ("SendGrid не принимает адрес отправителя: подтвердите его в Settings → Sender Authentication "
                     "(Single Sender или домен).")
NO_CREDITS = "В аккаунте SendGrid закончился лимит писем (Maximum credits exceeded): проверьте тариф."
FORBIDDEN = "SendGrid запретил отправку: аккаунт или ключ ограничены, подробности — в консоли SendGrid."
BAD_RECIPIENT = "SendGrid не принимает этот адрес получателя: проверьте e-mail."
PARSE_FIELDS = ("from", "headers", "envelope")  # every Inbound Parse post (non-raw mode) carries them


class SendGrid(Transport):
    code = "sendgrid"
    kind = Kind.EMAIL
    base_url_setting = "SENDGRID_API_URL"
    label = "SendGrid"
    inbound = True
    fields = (
        CredentialField(
            "apiKey", "API-ключ",
            "Консоль SendGrid → Settings → API Keys → Create API Key (право Mail Send); ключ показывается один раз.",
            r"SG\.[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{16,128}",
            "API-ключ SendGrid начинается с «SG.» и состоит из трёх частей через точку — скопируйте его целиком.",
            secret=True),
        *mail.from_fields("Консоль SendGrid → Settings → Sender Authentication: подтверждённый адрес (Single Sender) "
                          "или адрес на подтверждённом домене."),
    )

    @classmethod
    def recipient_error(cls, recipient: str) -> str | None:
        return mail.recipient_error(recipient)

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credentials['apiKey']}", "Accept": "application/json"}

    def check(self) -> None:
        response = self._request("GET", f"{self.base_url}/v3/scopes", headers=self._headers)
        if not response.is_success:
            error = self._error(response)
            raise CredentialsRejected(error.reason) if isinstance(error, PermanentError) else error
        try:
            scopes = response.json().get("scopes")
        except (ValueError, AttributeError):
            scopes = None
        if not isinstance(scopes, list):
            raise TemporaryError(f"SendGrid ответил непонятно (HTTP {response.status_code}).")
        if "mail.send" not in scopes:
            raise CredentialsRejected(NO_MAIL_SEND)

    def send(self, message: Message) -> Delivery:
        sender = {"email": self.credentials["fromEmail"]}
        if self.credentials.get("fromName"):
            sender["name"] = self.credentials["fromName"]
        payload = {
            "personalizations": [{"to": [{"email": message.recipient}]}],
            "from": sender,
            "subject": mail.subject_for(message),
            "content": [{"type": "text/plain", "value": message.text}],
            # SendGrid does not deduplicate; the key comes back in its event webhooks.
            "custom_args": {"idempotency_key": message.idempotency_key},
        }
        response = self._request("POST", f"{self.base_url}/v3/mail/send", headers=self._headers, json=payload)
        if response.status_code != 202:
            raise self._error(response)
        return Delivery(provider_message_id=response.headers.get("X-Message-Id", ""), status="queued")

    @staticmethod
    def _error(response: httpx.Response) -> TransportError:
        try:
            errors = response.json().get("errors")
        except (ValueError, AttributeError):
            errors = None
        errors = [error for error in errors if isinstance(error, dict)] if isinstance(errors, list) else []
        first = errors[0] if errors else {}
        text, field = str(first.get("message") or ""), str(first.get("field") or "")
        status = response.status_code
        if status == 401:
            return AuthError(NO_CREDITS if "credits" in text.lower() else REJECTED)
        if status == 403:
            return AuthError(UNVERIFIED_SENDER if field == "from" or "Sender Identity" in text else FORBIDDEN)
        if status == 429:
            return TemporaryError("SendGrid ограничил частоту запросов.",
                                  retry_after=_seconds_until(response.headers.get("X-RateLimit-Reset")))
        if status == 400 and field.startswith("personalizations") and field.endswith("email"):
            return PermanentError(BAD_RECIPIENT)
        if not errors:
            return TemporaryError(f"SendGrid ответил непонятно (HTTP {status}).")
        return PermanentError(refusal("SendGrid", f"HTTP {status}", f"{field}: {text}" if field else text))

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        """One Inbound Parse post. In raw mode (``email``: the whole MIME) the mail is read with its own charsets.
        The default mode's fields come in the charsets its ``charsets`` field names, but our request guard has read
        the form as UTF-8 before us, so only UTF-8 ones (nearly all mail today) read right: prefer raw mode."""
        form = request.POST if request.method == "POST" and request.content_type == "multipart/form-data" else {}
        if "email" in form and "envelope" in form:
            return mail.inbound_of_mime(form["email"].encode())
        if any(name not in form for name in PARSE_FIELDS):
            raise InboundRejected("Это не письмо от SendGrid Inbound Parse.")
        headers = HeaderParser().parsestr(form["headers"])
        if mail.automatic(headers):
            return []
        name, address = parseaddr(form["from"])
        text = form.get("text", "").strip() or strip_tags(form.get("html", "")).strip()
        if mail.recipient_error(address) is not None or not text:
            return []
        message_id = mail.dedup_id(headers.get("Message-ID") or "", form["headers"] + text)
        return [Inbound(sender=address, text=text, provider_message_id=message_id, sender_name=name)]

def _seconds_until(reset: str | None) -> float | None:
    """``X-RateLimit-Reset`` (Unix time) as seconds from now."""
    try:
        return max(0.0, float(reset or "") - time.time())
    except ValueError:
        return None
