"""SendGrid v3 as the sandbox speaks it: ``GET /v3/scopes``, ``POST /v3/mail/send`` and Inbound Parse posts
(reference §4, §10).

As strict as SendGrid: ``Authorization: Bearer <key>``, a JSON body with personalizations, from, subject and
content, a From that is the verified sender, RFC 5322 addresses; errors ``{"errors": [{"field", "message"}]}``.
Success is 202 with an empty body and ``X-Message-Id``. :data:`INVALID_RECIPIENT` passes a lenient address check
but not SendGrid's.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from http import HTTPStatus
from urllib.parse import urlsplit

from dev.channel_sandbox.base import Answer, Provider, Request, Webhook

# RFC 5322 dot-atom local part @ a host name.
ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                     r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
DEFAULT_SENDGRID = ("SG.FastLeadSandboxKey_0001.sandbox-SendGrid-secret-0123456789abcdefghijk", "sales@client.example")
INVALID_RECIPIENT = "ivan..petrov@example.com"  # two dots in a row: not a dot-atom
MAX_PERSONALIZATIONS = 1000
BOUNDARY = "xYzZY"  # SendGrid's own, as in its sample posts
UNVERIFIED_FROM = ("The from address does not match a verified Sender Identity. Mail cannot be sent until this "
                   "error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ "
                   "to see the Sender Identity requirements")
SUBJECT_REQUIRED = ("The subject is required. You can get around this requirement if you use a template with a "
                    "subject defined or if every personalization has a subject defined.")
CONTENT_REQUIRED = ("Unless a valid template_id is provided, the content parameter is required. There must be at "
                    "least one defined content block. We typically suggest both text/plain and text/html blocks are "
                    "included, but only one block is required.")


def error(status: int, message: str, field: str | None = None) -> Answer:
    return Answer(status, {"errors": [{"field": field, "message": message, "help": None}]})


REVOKED = error(HTTPStatus.UNAUTHORIZED, "The provided authorization grant is invalid, expired, or revoked")


class SendGrid(Provider):
    name = "sendgrid"

    def __init__(self, api_key: str, sender: str) -> None:
        self.api_key = api_key
        self.sender = sender

    def fault(self, mode: str) -> Answer:
        if mode == "revoked":
            return REVOKED
        if mode == "http_500":
            return error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")
        limited = error(HTTPStatus.TOO_MANY_REQUESTS, "too many requests")
        return Answer(limited.status, limited.body, headers={
            "X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 5)})

    def handle(self, request: Request) -> Answer:
        route = (request.method, request.path)
        if route not in (("GET", "/v3/scopes"), ("POST", "/v3/mail/send")):
            return error(HTTPStatus.NOT_FOUND, "not found")
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key:
            return error(HTTPStatus.UNAUTHORIZED, "authorization required")
        if not secrets.compare_digest(key.encode(), self.api_key.encode()):
            return REVOKED
        if route[0] == "GET":
            return Answer(HTTPStatus.OK, {"scopes": ["mail.send", "scopes.read", "sender_verification_eligible"]})
        if request.content_type != "application/json":
            return error(HTTPStatus.BAD_REQUEST, "Content-Type should be application/json.")
        try:
            mail = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            mail = None
        if not isinstance(mail, dict):
            return error(HTTPStatus.BAD_REQUEST, "Bad Request")
        return self._send(mail)

    def _send(self, mail: dict) -> Answer:
        sender = mail.get("from")
        if not isinstance(sender, dict) or not _address(sender.get("email")):
            return error(HTTPStatus.BAD_REQUEST, "The from email does not contain a valid address.", "from.email")
        personalizations = mail.get("personalizations")
        if not isinstance(personalizations, list) or not 1 <= len(personalizations) <= MAX_PERSONALIZATIONS:
            return error(HTTPStatus.BAD_REQUEST, "The personalizations field is required and must have at least one "
                                                 "personalization.", "personalizations")
        recipients: list[str] = []
        for index, personalization in enumerate(personalizations):
            to = personalization.get("to") if isinstance(personalization, dict) else None
            if not isinstance(to, list) or not to:
                return error(HTTPStatus.BAD_REQUEST, "The to array is required for all personalization objects, and "
                             "must have at least one email object with a valid email address.",
                             f"personalizations.{index}.to")
            for position, person in enumerate(to):
                address = person.get("email") if isinstance(person, dict) else None
                if not _address(address):
                    return error(HTTPStatus.BAD_REQUEST, "Does not contain a valid address.",
                                 f"personalizations.{index}.to.{position}.email")
                recipients.append(str(address))
        subject = mail.get("subject")
        if not (isinstance(subject, str) and subject) and not all(
                isinstance(item.get("subject"), str) and item["subject"] for item in personalizations):
            return error(HTTPStatus.BAD_REQUEST, SUBJECT_REQUIRED, "subject")
        content = mail.get("content")
        if not isinstance(content, list) or not content:
            return error(HTTPStatus.BAD_REQUEST, CONTENT_REQUIRED, "content")
        for index, block in enumerate(content):
            if not isinstance(block, dict) or not isinstance(block.get("type"), str) or not block["type"]:
                return error(HTTPStatus.BAD_REQUEST, "The content type must be a string at least one character in "
                                                     "length.", f"content.{index}.type")
            if not isinstance(block.get("value"), str) or not block["value"]:
                return error(HTTPStatus.BAD_REQUEST, "The content value must be a string at least one character in "
                                                     "length.", f"content.{index}.value")
        custom_args = mail.get("custom_args", {})
        if not isinstance(custom_args, dict) or not all(isinstance(value, str) for value in custom_args.values()):
            return error(HTTPStatus.BAD_REQUEST, "Custom args values must be strings.", "custom_args")
        if str(sender["email"]).lower() != self.sender.lower():
            return error(HTTPStatus.FORBIDDEN, UNVERIFIED_FROM, "from")
        message_id = secrets.token_urlsafe(16)[:22]
        text = next((block["value"] for block in content if block["type"] == "text/plain"), content[0]["value"])
        return Answer(HTTPStatus.ACCEPTED, "", {
            "provider": "sendgrid", "id": message_id, "to": ", ".join(recipients), "from": sender["email"],
            "text": text, "subject": subject or personalizations[0]["subject"], "custom_args": custom_args,
        }, headers={"X-Message-Id": message_id})

    def inbound(self, params: dict) -> Webhook:
        """An Inbound Parse post of a reply from ``params["from"]`` to the verified sender, to ``params["url"]``
        (the URL the admin set in SendGrid's console); optional ``name``, ``subject``, ``raw`` (the whole MIME in
        ``email``, as with "POST the raw, full MIME message") and ``charset`` of the body (raw mode)."""
        url, sender, text = (str(params.get(name) or "") for name in ("url", "from", "text"))
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise ValueError("sendgrid: укажите url — адрес вебхука Inbound Parse (http или https).")
        if not _address(sender):
            raise ValueError("sendgrid: from — e-mail отправителя письма.")
        if not text:
            raise ValueError("sendgrid: text — текст письма.")
        name = str(params.get("name") or "")
        mail = EmailMessage()
        mail["From"] = formataddr((name, sender))  # RFC 2047 in the headers; SendGrid's "from" field is decoded
        mail["To"], mail["Subject"] = self.sender, str(params.get("subject") or "Re: заявка")
        mail["Date"], mail["Message-ID"] = formatdate(usegmt=True), make_msgid(domain="mail.example")
        try:
            mail.set_content(text, charset=str(params.get("charset") or "utf-8"), cte="quoted-printable")
        except (LookupError, UnicodeEncodeError) as exc:
            raise ValueError("sendgrid: charset — кодировка, в которой записывается text.") from exc
        fields = {"dkim": f"{{@{sender.rpartition('@')[2]} : pass}}", "to": self.sender,
                  "from": f"{name} <{sender}>" if name else sender, "sender_ip": "127.0.0.1",
                  "subject": str(params.get("subject") or "Re: заявка"),
                  "envelope": json.dumps({"to": [self.sender], "from": sender}), "SPF": "pass"}
        if params.get("raw"):
            fields.update(email=mail.as_string(), charsets=json.dumps({"to": "UTF-8", "from": "UTF-8",
                                                                      "subject": "UTF-8"}))
        else:
            headers = "".join(f"{key}: {value}\r\n" for key, value in mail.items())
            fields.update(headers=f"Received: by mx.sendgrid.net with SMTP id {secrets.token_hex(8)}\r\n{headers}",
                          text=text, attachments="0", charsets=json.dumps(
                              {"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8", "text": "UTF-8"}))
        return Webhook(url, multipart(fields), {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})

def multipart(fields: dict[str, str]) -> bytes:
    """An Inbound Parse body: one form-data part per field, UTF-8, SendGrid's boundary."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields.items()]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def _address(value: object) -> bool:
    return isinstance(value, str) and ADDRESS.fullmatch(value) is not None
