"""Transactional e-mails: Russian HTML + plain text, sent by a worker after the transaction commits."""

from celery import shared_task
from django.conf import settings
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from .links import platform_url

Attachment = tuple[str, str, str]  # (storage alias, stored name, file name shown)


def send(template: str, to: str, subject: str, context: dict, attachments: list[Attachment] | tuple = ()) -> None:
    """Render ``emails/<template>.txt`` and ``.html`` now; a worker sends them once the transaction commits.

    ``attachments`` are PDFs already in storage: (storage alias, stored name, file name shown).
    """
    context = {"platform_home_url": platform_url("/"), **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    # argsrepr keeps the address and the message (with its one-time link) out of Celery's own logs.
    args = (to, subject, text, html, list(attachments))
    transaction.on_commit(lambda: send_email.apply_async(args=args, argsrepr="(скрыто)", kwargsrepr="{}"))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_email(to: str, subject: str, text: str, html: str, attachments: list[Attachment] | tuple = ()) -> None:
    """Attachments are read from storage at send time."""
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    for alias, stored_name, filename in attachments:
        with storages[alias].open(stored_name, "rb") as stored:
            message.attach(filename, stored.read(), "application/pdf")
    message.send()
