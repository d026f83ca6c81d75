"""The one list of channel kinds and of the providers of each: every other list (models, API, pages) reads it."""

from dataclasses import dataclass

from django.db import models


class Kind(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "E-mail"
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    MAX = "max", "MAX"


@dataclass(frozen=True)
class Provider:
    code: str
    kind: Kind
    label: str


PROVIDERS: tuple[Provider, ...] = (
    Provider("twilio", Kind.SMS, "SMS (Twilio)"),
    Provider("smsc", Kind.SMS, "SMS (SMSC.ru)"),
    Provider("smtp", Kind.EMAIL, "E-mail (SMTP)"),
    Provider("sendgrid", Kind.EMAIL, "E-mail (SendGrid)"),
    Provider("ses", Kind.EMAIL, "E-mail (Amazon SES)"),
    Provider("telegram", Kind.TELEGRAM, "Telegram-бот"),
    Provider("whatsapp", Kind.WHATSAPP, "WhatsApp Business"),
    Provider("max", Kind.MAX, "Бот MAX"),
)
BY_CODE: dict[str, Provider] = {provider.code: provider for provider in PROVIDERS}
PROVIDER_CHOICES = [(provider.code, provider.label) for provider in PROVIDERS]
