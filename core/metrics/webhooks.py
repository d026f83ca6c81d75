"""Payment providers' notifications by outcome: accepted (2xx), rejected (4xx: forged, malformed, a mismatch),
error (5xx or a crash: the provider will redeliver)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from prometheus_client import Counter

from ..errors import DomainError
from .registry import OWN

OUTCOMES = ("accepted", "rejected", "error")
PAYMENT_WEBHOOKS = Counter("fastlead_payment_webhooks", "Payment provider notifications by outcome",
                           ["provider", "outcome"], registry=OWN)


def count_payment_webhook(provider: str, outcome: str) -> None:
    PAYMENT_WEBHOOKS.labels(provider=provider, outcome=outcome).inc()


def _outcome(status: int) -> str:
    return "accepted" if status < 400 else "rejected" if status < 500 else "error"


def counts_payment_webhook(provider: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Count each answer of the decorated notification view by its status (a domain error's too)."""
    for outcome in OUTCOMES:  # every series from 0, so the first failure is an increase (rate, increase)
        PAYMENT_WEBHOOKS.labels(provider=provider, outcome=outcome)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def counted(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                response = view(request, *args, **kwargs)
            except DomainError as error:
                count_payment_webhook(provider, _outcome(error.status))
                raise
            except Exception:
                count_payment_webhook(provider, "error")
                raise
            count_payment_webhook(provider, _outcome(getattr(response, "status_code", 200)))
            return response

        return counted

    return decorate
