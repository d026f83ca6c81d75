"""The one list of providers of each channel kind (the kinds are ``core.channel_kinds``): every other list of
providers (models, API, pages) reads it."""

from dataclasses import dataclass

from core.channel_kinds import Kind

__all__ = ["BY_CODE", "PROVIDERS", "PROVIDER_CHOICES", "Kind", "Provider"]


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
