"""Transactional e-mails: Russian HTML + plain text, sent by a worker after the transaction commits."""

from django.db import transaction
from django.template.loader import render_to_string

from shared_apps.tenancy.links import platform_url

from .models import User
from .tasks import send_email


def send(template: str, to: str, subject: str, context: dict, attachments: list[tuple[str, str, str]] = ()) -> None:
    """Render ``emails/<template>.txt`` and ``.html`` now; a worker sends them once the transaction commits.

    ``attachments`` are PDFs already in storage: (storage alias, stored name, file name shown).
    """
    context = {"platform_home_url": platform_url("/"), **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    # argsrepr keeps the address and the message (with its one-time link) out of Celery's own logs.
    args = (to, subject, text, html, list(attachments))
    transaction.on_commit(lambda: send_email.apply_async(args=args, argsrepr="(скрыто)", kwargsrepr="{}"))


def send_confirmation(user: User, raw_token: str) -> None:
    link = platform_url(f"/email/confirm/{raw_token}")
    send("confirm_email", user.email, "Подтвердите e-mail для Fast Lead", {"user": user, "link": link})


def send_welcome(user: User, workspace_url: str) -> None:
    send("welcome", user.email, "Добро пожаловать в Fast Lead", {"user": user, "workspace_url": workspace_url})


def send_password_reset(user: User, raw_token: str) -> None:
    link = platform_url(f"/password/reset/{raw_token}")
    send("reset_password", user.email, "Сброс пароля Fast Lead", {"user": user, "link": link})


def send_email_change(user: User, new_email: str, raw_token: str) -> None:
    link = platform_url(f"/email/change/{raw_token}")
    context = {"user": user, "link": link, "new_email": new_email}
    send("change_email", new_email, "Подтвердите новый e-mail для Fast Lead", context)
