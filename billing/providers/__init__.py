"""Payment gateways by provider code; which ones customers may use comes from PAYMENT_PROVIDERS."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from billing.providers.base import Gateway
from billing.providers.tinkoff import TinkoffGateway
from billing.providers.yookassa import YooKassaGateway

GATEWAYS: dict[str, type[Gateway]] = {
    YooKassaGateway.code: YooKassaGateway,
    TinkoffGateway.code: TinkoffGateway,
}


def enabled_providers() -> list[str]:
    """Provider codes from PAYMENT_PROVIDERS, in their configured order."""
    codes = list(settings.PAYMENT_PROVIDERS)
    unknown = [code for code in codes if code not in GATEWAYS]
    if unknown:
        raise ImproperlyConfigured(f"PAYMENT_PROVIDERS has unknown providers: {', '.join(unknown)}")
    return codes


def gateway(code: str) -> Gateway:
    """The gateway of an enabled provider; ValueError for an unknown or disabled one."""
    if code not in GATEWAYS or code not in settings.PAYMENT_PROVIDERS:
        raise ValueError(f"payment provider {code!r} is unknown or disabled")
    return GATEWAYS[code]()
