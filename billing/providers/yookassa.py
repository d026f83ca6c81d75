"""YooKassa (API v3) through the official ``yookassa`` SDK, plus the helpers the webhook needs.

The SDK keeps its configuration in process-global class attributes and sends requests with no
timeout; both are handled here so that callers never see SDK objects or SDK exceptions.
"""

import functools
import ipaddress
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from yookassa import Configuration, Payment
from yookassa.client import ApiClient
from yookassa.domain.exceptions import (
    ApiError,
    BadRequestError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    UnauthorizedError,
)
from yookassa.domain.response import PaymentResponse

from billing.providers.base import (
    NotificationRejected,
    PaymentRequest,
    PaymentState,
    ProviderPayment,
    ProviderRejected,
    ProviderUnavailable,
    SavedMethod,
)
from billing.providers.receipts import kopecks_to_value, value_to_kopecks, yookassa_receipt

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0)
STATES: dict[str, PaymentState] = {
    "pending": "pending",
    "waiting_for_capture": "pending",
    "succeeded": "succeeded",
    "canceled": "failed",
}
REJECTED_MESSAGES: dict[type[ApiError], str] = {
    BadRequestError: "ЮKassa отклонила платёж: неверные данные запроса.",
    UnauthorizedError: "ЮKassa не приняла запрос магазина. Попробуйте другой способ оплаты.",
    ForbiddenError: "ЮKassa не приняла запрос магазина. Попробуйте другой способ оплаты.",
    NotFoundError: "ЮKassa не нашла такой платёж.",
    GoneError: "ЮKassa не нашла такой платёж.",
}
UNAVAILABLE_MESSAGE = "ЮKassa не отвечает. Попробуйте ещё раз через несколько минут."
PAYMENT_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
EVENT = re.compile(r"[a-z_]{1,32}\.[a-z_.]{1,64}")  # "<object>.<status>": payment.succeeded, payout.canceled
EMAIL = re.compile(r"[^\s@]+@[^\s@]+")

_configuration_lock = threading.Lock()


class _TimeoutApiClient(ApiClient):
    """The SDK's client with an HTTP timeout on every request (the SDK sets none)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def get_session(self) -> requests.Session:
        session = super().get_session()
        session.request = functools.partial(session.request, timeout=self._timeout)
        return session


class _Payment(Payment):
    """``Payment`` whose client snapshots our credentials and URL while holding the lock."""

    def __init__(self) -> None:
        with _configuration_lock:
            # Without api_url, configure() silently switches back to production.
            Configuration.configure(
                settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY, api_url=settings.YOOKASSA_API_URL, verify=None
            )
            self.client = _TimeoutApiClient(timeout=settings.PAYMENT_TIMEOUT_SECONDS)


class YooKassaGateway:
    """Payments and renewals through YooKassa; notifications come via the webhook helpers below."""

    code = "yookassa"

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        """A checkout page that saves the card, or (with ``saved_token``) an autopayment."""
        if not request.idempotence_key:
            raise ValueError("YooKassa payments need an idempotence key")
        params: dict[str, Any] = {
            "amount": {"value": kopecks_to_value(request.amount_kopecks), "currency": "RUB"},
            "capture": True,
            "description": request.description[:128],
            "metadata": {"order_id": request.order_id},
            "receipt": yookassa_receipt(request.description, request.amount_kopecks, request.receipt_email),
        }
        if request.saved_token:
            params["payment_method_id"] = request.saved_token
        else:
            params["confirmation"] = {"type": "redirect", "return_url": request.return_url}
            params["save_payment_method"] = request.save_method
        response = _call("create", lambda: _Payment.create(params, idempotency_key=request.idempotence_key))
        return _provider_payment(response)

    def fetch(self, provider_payment_id: str) -> ProviderPayment:
        """The payment as YooKassa reports it now."""
        return _provider_payment(_call("find_one", lambda: _Payment.find_one(provider_payment_id)))


def is_trusted_sender(ip: str) -> bool:
    """Whether a notification comes from YOOKASSA_TRUSTED_NETWORKS (IPv4, IPv6, IPv4-mapped IPv6)."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network) for network in settings.YOOKASSA_TRUSTED_NETWORKS)


@dataclass(frozen=True)
class Notification:
    """A well-formed YooKassa notification: its event and the id of its object ("" when it has none we can use)."""

    event: str
    object_id: str

    @property
    def is_payment(self) -> bool:
        """``payment.*``: the only events that change our state (``payment_method.active`` is not one)."""
        return self.event.startswith("payment.")


def read_notification(body: bytes) -> Notification:
    """Parse a notification's envelope. A ``payment.*`` event must name a payment id (the caller re-fetches it
    and trusts only that); other events (``refund.succeeded``, ``payout.*``, ``deal.*``, ...) are returned for
    the caller to acknowledge. NotificationRejected when it is not a YooKassa notification at all."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise NotificationRejected("Уведомление ЮKassa не распознано.", code="malformed") from None
    obj = data.get("object") if isinstance(data, dict) else None
    event = data.get("event") if isinstance(data, dict) else None
    if (
        not isinstance(obj, dict)
        or data.get("type") != "notification"
        or not isinstance(event, str)
        or not EVENT.fullmatch(event)
    ):
        raise NotificationRejected("Уведомление ЮKassa не распознано.", code="malformed")
    raw_id = obj.get("id")
    object_id = raw_id if isinstance(raw_id, str) and PAYMENT_ID.fullmatch(raw_id) else ""
    notification = Notification(event, object_id)
    if notification.is_payment and not object_id:
        raise NotificationRejected("Уведомление ЮKassa не распознано.", code="malformed")
    return notification


def notification_payment_id(body: bytes) -> str:
    """The payment id of a ``payment.*`` notification; NotificationRejected for anything else."""
    notification = read_notification(body)
    if not notification.is_payment:
        raise NotificationRejected("Уведомление ЮKassa не о платеже.", code="not_a_payment")
    return notification.object_id


def _call(operation: str, send: Callable[[], PaymentResponse]) -> PaymentResponse:
    """Send, retrying 5xx/429/202/timeouts (same idempotence key); 4xx become ``ProviderRejected``."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return send()
        except tuple(REJECTED_MESSAGES) as exc:
            _log_rejection(operation, exc)
            raise ProviderRejected(REJECTED_MESSAGES[type(exc)], code=_error_field(exc, "code")) from None
        except (ApiError, requests.RequestException) as exc:
            failure: Exception = exc
        except AttributeError as exc:
            # The SDK turns a transport error into AttributeError ('NoneType' ... 'status_code').
            if not isinstance(exc.__context__, requests.RequestException):
                raise
            failure = exc.__context__
        logger.warning("YooKassa %s failed (attempt %d/%d): %s", operation, attempt, ATTEMPTS, type(failure).__name__)
        if attempt < ATTEMPTS:
            time.sleep(BACKOFF_SECONDS[attempt - 1])
    raise ProviderUnavailable(UNAVAILABLE_MESSAGE, code="unavailable") from failure


def _provider_payment(response: PaymentResponse) -> ProviderPayment:
    method = response.payment_method
    confirmation = response.confirmation
    cancellation = response.cancellation_details
    return ProviderPayment(
        provider_payment_id=response.id,
        order_id=(response.metadata or {}).get("order_id", ""),
        state=STATES.get(response.status, "pending"),
        provider_status=response.status,
        amount_kopecks=value_to_kopecks(response.amount.value),
        currency=response.amount.currency,
        payment_url=getattr(confirmation, "confirmation_url", None) or "",
        failure_reason=(cancellation.reason or "") if response.status == "canceled" and cancellation else "",
        saved_method=SavedMethod(token=method.id, title=method.title or "") if method and method.saved else None,
    )


def _error_field(exc: ApiError, field: str) -> str:
    return str((exc.content or {}).get(field) or "")


def _log_rejection(operation: str, exc: ApiError) -> None:
    logger.warning(
        "YooKassa %s rejected: HTTP %s code=%s parameter=%s description=%s request=%s",
        operation,
        exc.HTTP_CODE,
        _error_field(exc, "code"),
        _error_field(exc, "parameter"),
        EMAIL.sub("<e-mail>", _error_field(exc, "description")),
        _error_field(exc, "id"),
    )
