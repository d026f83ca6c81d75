"""What every payment provider gateway speaks: our own request and result shapes, never SDK objects.

Amounts are whole kopecks everywhere; gateways convert to the provider's format ("990.00" for
YooKassa, integer kopecks for T-Bank) and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

PaymentState = Literal["pending", "succeeded", "failed"]


class ProviderError(Exception):
    """Base of the errors a gateway raises; ``message`` is Russian and safe to show to the customer."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ProviderUnavailable(ProviderError):
    """Timeout, refused connection or 5xx after our retries: outcome unknown; retry later or use the other provider."""


class ProviderRejected(ProviderError):
    """The provider answered and refused the request (bad data, bad credentials, receipt errors, ...)."""


class NotificationRejected(ProviderError):
    """A notification failed verification (bad token, unknown terminal, malformed body)."""


@dataclass(frozen=True)
class PaymentRequest:
    order_id: str  # ours, ≤ 36 chars, unique per payment
    idempotence_key: str  # stable per attempt: a retry of the same attempt must reuse it
    amount_kopecks: int
    description: str  # "Подписка Про, 1 мес." — also the receipt line
    receipt_email: str
    return_url: str  # where the browser comes back to (never grants access by itself)
    notification_url: str  # T-Bank NotificationURL; YooKassa's is configured in its dashboard
    customer_key: str  # stable per account (T-Bank CustomerKey)
    save_method: bool = True  # first payment saves the card for renewals
    saved_token: str = ""  # renewal: YooKassa payment_method_id or T-Bank RebillId; no checkout page then


@dataclass(frozen=True)
class SavedMethod:
    token: str  # YooKassa payment_method.id / T-Bank RebillId
    title: str  # "Bank card *4444" / "220138******0013"


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider reports it (from its API, or from a verified notification)."""

    provider_payment_id: str
    order_id: str
    state: PaymentState
    provider_status: str  # the provider's own status word, e.g. "waiting_for_capture", "CONFIRMED"
    amount_kopecks: int
    currency: str = "RUB"
    payment_url: str = ""  # checkout page for a payment that needs the customer
    failure_reason: str = ""  # e.g. "insufficient_funds", "3d_secure_failed", "1051"
    saved_method: SavedMethod | None = None


class Gateway(Protocol):
    code: str  # "yookassa" | "tinkoff"

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        """Start a payment: a checkout page (``payment_url``) or, with ``saved_token``, a charge of the saved card."""

    def fetch(self, provider_payment_id: str) -> ProviderPayment:
        """The payment's current state, asked from the provider's API."""
