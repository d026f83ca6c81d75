"""Transactional e-mails: Russian HTML + plain text, sent by a worker after the transaction commits."""

from django.conf import settings
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from . import outbox
from .links import platform_url

Attachment = tuple[str, str, str]  # (storage alias, stored name, file name shown)


def send(template: str, to: str, subject: str, context: dict, attachments: list[Attachment] | tuple = ()) -> None:
    """Render ``emails/<template>.txt`` and ``.html`` now; the outbox sends them once the transaction commits.

    ``attachments`` are PDFs already in storage: (storage alias, stored name, file name shown).
    """
    context = {"platform_home_url": platform_url("/"), **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    outbox.enqueue(send_email, to, header_safe(subject), text, html, [list(item) for item in attachments])


def header_safe(value: str) -> str:
    """A header value on one line: a line break from user data (a company name) would make the message unsendable."""
    return " ".join(value.split())


@outbox.handler
def send_email(to: str, subject: str, text: str, html: str, attachments: list[list[str]] | tuple = ()) -> None:
    """Attachments are read from storage at send time."""
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    for alias, stored_name, filename in attachments:
        with storages[alias].open(stored_name, "rb") as stored:
            message.attach(filename, stored.read(), "application/pdf")
    message.send()
