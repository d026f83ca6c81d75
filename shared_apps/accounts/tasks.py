from celery import shared_task
from django.conf import settings
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_email(to: str, subject: str, text: str, html: str, attachments: list[tuple[str, str, str]] = ()) -> None:
    """``attachments``: (storage alias, stored name, file name shown) — read from storage at send time."""
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    for alias, stored_name, filename in attachments:
        with storages[alias].open(stored_name, "rb") as stored:
            message.attach(filename, stored.read(), "application/pdf")
    message.send()
