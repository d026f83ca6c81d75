"""What the e-mail API providers (SendGrid, Amazon SES) share: addresses, the sender fields and the subject."""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parseaddr

from django.utils.html import strip_tags

from .. import transport
from ..transport import CredentialField, Inbound

# Pragmatic, as the providers' own checks are stricter and answer with their refusal.
EMAIL = r"[^@\s\"<>(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
SUBJECT_LENGTH = 78
MAX_MESSAGE_ID = 128  # InboundMessage.provider_message_id


def from_fields(console: str) -> tuple[CredentialField, CredentialField]:
    """The sender's address (``console`` says where it is verified) and the optional name shown beside it."""
    return (
        CredentialField(
            "fromEmail", "Адрес отправителя", console, EMAIL,
            "Адрес отправителя — e-mail вида sales@example.ru, подтверждённый у провайдера."),
        CredentialField(
            "fromName", "Имя отправителя",
            "Как получатель увидит отправителя, например «Студия Ромашка». Можно не заполнять.",
            r"[^\r\n\"<>]{1,100}", "Имя отправителя — до 100 символов, без кавычек, угловых скобок и переносов строк.",
            required=False),
    )


def recipient_error(recipient: str) -> str | None:
    return None if re.fullmatch(EMAIL, recipient) else "Укажите e-mail получателя, например ivan@example.ru."


def subject_for(message: transport.Message) -> str:
    """The subject the sender gave, else the text's first line."""
    return message.subject or subject_of(message.text)


def subject_of(text: str) -> str:
    """The message's first line as the subject, cut to a mail client's line."""
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return line if len(line) <= SUBJECT_LENGTH else line[:SUBJECT_LENGTH - 1].rstrip() + "…"


def automatic(headers: Message) -> bool:
    """An autoresponder's or a bounce's mail (RFC 3834 ``Auto-Submitted``), not a person's reply."""
    return str(headers.get("Auto-Submitted", "no")).strip().lower() != "no"


def dedup_id(message_id: str, content: str) -> str:
    """The mail's Message-ID as the key a redelivery is recognised by; a hash of ``content`` (the same in every
    delivery of the mail) when it has none or one too long to store."""
    message_id = message_id.strip()
    if 0 < len(message_id) <= MAX_MESSAGE_ID:
        return message_id
    return "sha256:" + hashlib.sha256((message_id or content).encode(errors="replace")).hexdigest()


def inbound_of_mime(raw: bytes, message_id: str = "") -> list[Inbound]:
    """A whole received mail (RFC 5322 bytes) as the person's message: its plain text, else its HTML's text;
    ``message_id`` is the provider's id of the mail, else its own Message-ID."""
    mime = BytesParser(policy=policy.default).parsebytes(raw)
    if automatic(mime):
        return []
    name, address = parseaddr(str(mime.get("From", "")))
    body = mime.get_body(preferencelist=("plain", "html"))
    try:
        content = body.get_content() if body is not None else ""
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        content = ""
    text = (content if body is None or body.get_content_type() == "text/plain" else strip_tags(content)).strip()
    if recipient_error(address) is not None or not text:
        return []
    message_id = message_id or dedup_id(str(mime.get("Message-ID", "")), raw.decode(errors="replace"))
    return [Inbound(sender=address, text=text, provider_message_id=message_id, sender_name=name)]
