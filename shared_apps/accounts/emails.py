"""The e-mails about a person's own login: confirmation, welcome, password reset, e-mail change."""

from core.email import send
from core.links import platform_url

from .models import User


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
