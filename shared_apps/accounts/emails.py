"""Transactional e-mails: Russian HTML + plain text, sent by a worker after the transaction commits."""

from django.db import transaction
from django.template.loader import render_to_string

from shared_apps.tenancy.links import platform_url

from .models import User
from .tasks import send_email

SUBJECTS = {
    "confirm_email": "Подтвердите e-mail для Fast Lead",
    "welcome": "Добро пожаловать в Fast Lead",
    "reset_password": "Сброс пароля Fast Lead",
    "change_email": "Подтвердите новый e-mail для Fast Lead",
}


def send(template: str, to: str, context: dict) -> None:
    context = {"platform_home_url": platform_url("/"), **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    subject = SUBJECTS[template]
    transaction.on_commit(lambda: send_email.delay(to, subject, text, html))


def send_confirmation(user: User, raw_token: str) -> None:
    link = platform_url(f"/email/confirm/{raw_token}")
    send("confirm_email", user.email, {"user": user, "link": link})


def send_welcome(user: User, workspace_url: str) -> None:
    send("welcome", user.email, {"user": user, "workspace_url": workspace_url})


def send_password_reset(user: User, raw_token: str) -> None:
    send("reset_password", user.email, {"user": user, "link": platform_url(f"/password/reset/{raw_token}")})


def send_email_change(user: User, new_email: str, raw_token: str) -> None:
    link = platform_url(f"/email/change/{raw_token}")
    send("change_email", new_email, {"user": user, "link": link, "new_email": new_email})
