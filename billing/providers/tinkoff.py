"""T-Bank Acquiring API v2 through a small httpx client of our own.

T-Bank has no idempotency key, so a request whose answer was lost is never simply repeated:
before another Init we look at the order (CheckOrder), before another Charge at the payment (GetState).
An internal error (ErrorCode 3 / 9999) on Charge is no answer either: GetState tells what happened.
Every Init asks for a one-stage payment (``PayType: "O"``): a terminal switched to two stages would otherwise
leave the payment — a renewal too — AUTHORIZED, waiting for a Confirm we never send.
"""

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx
from django.conf import settings

from billing.providers.base import (
    NotificationRejected,
    PaymentRequest,
    PaymentState,
    ProviderPayment,
    ProviderRejected,
    ProviderUnavailable,
    SavedMethod,
)
from billing.providers.receipts import tinkoff_receipt
from billing.providers.tinkoff_token import tinkoff_token, token_is_valid

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0)
DESCRIPTION_MAX = 140
STATES: dict[str, PaymentState] = {
    "NEW": "pending",
    "FORM_SHOWED": "pending",
    "AUTHORIZING": "pending",
    "3DS_CHECKING": "pending",
    "3DS_CHECKED": "pending",
    "AUTHORIZED": "pending",
    "CONFIRMING": "pending",
    "CONFIRMED": "succeeded",
    # Refunds are out of scope: the money was taken, so the payment stays succeeded.
    "REVERSING": "succeeded",
    "PARTIAL_REVERSED": "succeeded",
    "REFUNDING": "succeeded",
    "PARTIAL_REFUNDED": "succeeded",
    "REFUNDED": "succeeded",
    "REJECTED": "failed",
    "AUTH_FAIL": "failed",
    "CANCELED": "failed",
    "DEADLINE_EXPIRED": "failed",
    "REVERSED": "failed",
}
# Charge refusals that are the card's (or the terminal's) answer, not a bad request: the renewal failed.
FAILED_CHARGE_CODES = frozenset({"10", "103", "104", "116", "1051"})
# T-Bank's own internal errors (error codes list: 3 "Внутренняя ошибка системы интернет-эквайринга",
# 9999 "Внутренняя ошибка системы"): the Charge may have gone through, so the outcome is asked, never assumed.
UNKNOWN_OUTCOME_CODES = frozenset({"3", "9999"})
UNAVAILABLE_MESSAGE = "Т-Банк не отвечает. Попробуйте ещё раз через несколько минут."
REJECTED_MESSAGE = "Т-Банк отклонил запрос на оплату."
NOTIFICATION_MESSAGE = "Уведомление Т-Банка не прошло проверку."


class TinkoffGateway:
    """Payments, renewals (Init + Charge) and notification checks for a T-Bank terminal."""

    code = "tinkoff"

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        """A checkout page (``payment_url``), or with ``saved_token`` (a RebillId) a Charge of the saved card."""
        if request.saved_token:
            return self._autopay(request)
        return self._checkout(request)

    def fetch(self, provider_payment_id: str) -> ProviderPayment:
        """The payment as GetState reports it now (GetState carries no RebillId: see :meth:`saved_card`)."""
        return _payment(_state("GetState", _post("GetState", {"PaymentId": provider_payment_id})))

    def saved_card(self, customer_key: str) -> SavedMethod | None:
        """The customer's usable saved card from GetCardList: how a RebillId whose AUTHORIZED notification
        never arrived is recovered (brief §4.13). The active card with a RebillId and the highest CardId (the
        latest bound — T-Bank does not document the list's order), or None."""
        answer = _post_any("GetCardList", {"CustomerKey": customer_key})
        if not isinstance(answer, list):  # an error object, e.g. 7 "Покупатель не найден"
            logger.info("T-Bank GetCardList: no cards (ErrorCode=%s)", answer.get("ErrorCode"))
            return None
        usable = [card for card in answer
                  if isinstance(card, dict) and card.get("Status") == "A" and card.get("RebillId") not in (None, "")]
        if not usable:
            return None
        card = max(usable, key=_card_number)
        return SavedMethod(token=str(card["RebillId"]), title=str(card.get("Pan") or ""))

    def verify_notification(self, payload: dict[str, Any]) -> ProviderPayment:
        """The payment a notification reports, once its Token and TerminalKey check out.

        The caller still has to match OrderId and Amount against its own record.
        """
        if not isinstance(payload, dict) or not token_is_valid(payload, settings.TINKOFF_PASSWORD):
            raise NotificationRejected(NOTIFICATION_MESSAGE, code="bad_token")
        if payload.get("TerminalKey") != settings.TINKOFF_TERMINAL_KEY:
            raise NotificationRejected(NOTIFICATION_MESSAGE, code="foreign_terminal")
        try:
            payment = _payment(payload)
        except (KeyError, TypeError, ValueError):
            raise NotificationRejected(NOTIFICATION_MESSAGE, code="malformed") from None
        rebill_id = payload.get("RebillId")
        if rebill_id in (None, ""):
            return payment
        return replace(payment, saved_method=SavedMethod(token=str(rebill_id), title=str(payload.get("Pan") or "")))

    def _checkout(self, request: PaymentRequest) -> ProviderPayment:
        payload = _init_payload(request, recurrent=request.save_method)

        def attempt(number: int) -> ProviderPayment:
            if number > 1:
                reusable = _reuse_or_clear(request.order_id)
                if reusable:
                    return _payment(reusable, order_id=request.order_id)
            answer = _ok("Init", _post("Init", payload))
            return ProviderPayment(
                provider_payment_id=str(answer["PaymentId"]),
                order_id=request.order_id,
                state="pending",
                provider_status=str(answer.get("Status") or "NEW"),
                amount_kopecks=request.amount_kopecks,
                payment_url=str(answer["PaymentURL"]),
            )

        return _retrying("checkout", attempt)

    def _autopay(self, request: PaymentRequest) -> ProviderPayment:
        payment_id = ""
        charge_sent = False

        def attempt(number: int) -> ProviderPayment:
            nonlocal payment_id, charge_sent
            if not payment_id:
                # Looked up even before the first Init: a caller retrying a renewal whose Charge
                # answer was lost must not charge the card a second time.
                payments = _order_payments(request.order_id)
                started = _started(payments)
                if started:
                    return _payment(started, order_id=request.order_id)
                fresh = next((p for p in payments if p.get("Status") == "NEW"), None)
                init = fresh or _ok("Init", _post("Init", _init_payload(request, recurrent=False)))
                payment_id = str(init["PaymentId"])
            if charge_sent:
                state = _state("GetState", _post("GetState", {"PaymentId": payment_id}))
                if state.get("Status") != "NEW":
                    return _payment(state, order_id=request.order_id)
            charge_sent = True
            answer = _post("Charge", {"PaymentId": payment_id, "RebillId": request.saved_token})
            return _charge_result(answer, payment_id, request)

        return _retrying("renewal", attempt)


def _card_number(card: dict[str, Any]) -> int:
    value = str(card.get("CardId") or "")
    return int(value) if value.isdigit() else 0


def _init_payload(request: PaymentRequest, *, recurrent: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "Amount": request.amount_kopecks,
        "OrderId": request.order_id,
        "Description": request.description[:DESCRIPTION_MAX],
        "PayType": "O",  # one stage whatever the terminal's setting (Init_FULL.PayType overrides it)
        "CustomerKey": request.customer_key,
        "NotificationURL": request.notification_url,
        "DATA": {"Email": request.receipt_email},
        "Receipt": tinkoff_receipt(request.description, request.amount_kopecks, request.receipt_email),
    }
    if recurrent:
        payload["Recurrent"] = "Y"
    if not request.saved_token:
        payload["SuccessURL"] = payload["FailURL"] = request.return_url
    return {key: value for key, value in payload.items() if value != ""}


def _post(method: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """One signed call; the answer is returned whatever its ``Success`` (callers decide)."""
    answer = _post_any(method, payload)
    if not isinstance(answer, dict):
        logger.warning("T-Bank %s: the answer is not a JSON object", method)
        raise ProviderUnavailable(UNAVAILABLE_MESSAGE, code="bad_answer")
    return answer


def _post_any(method: str, payload: Mapping[str, Any]) -> dict[str, Any] | list[Any]:
    """One signed call answered with a JSON object — or, for GetCardList, a bare array."""
    body = {"TerminalKey": settings.TINKOFF_TERMINAL_KEY, **payload}
    body["Token"] = tinkoff_token(body, settings.TINKOFF_PASSWORD)
    url = f"{settings.TINKOFF_API_URL.rstrip('/')}/{method}"
    try:
        response = httpx.post(url, json=body, timeout=settings.PAYMENT_TIMEOUT_SECONDS)
    except httpx.TransportError as exc:
        logger.warning("T-Bank %s: no answer (%s)", method, type(exc).__name__)
        raise ProviderUnavailable(UNAVAILABLE_MESSAGE, code="unavailable") from exc
    if response.status_code >= 500:
        logger.warning("T-Bank %s: HTTP %s", method, response.status_code)
        raise ProviderUnavailable(UNAVAILABLE_MESSAGE, code=f"http_{response.status_code}")
    if response.status_code != 200:
        logger.warning("T-Bank %s: HTTP %s", method, response.status_code)
        raise ProviderRejected(REJECTED_MESSAGE, code=f"http_{response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict | list):
        logger.warning("T-Bank %s: the answer is not JSON", method)
        raise ProviderUnavailable(UNAVAILABLE_MESSAGE, code="bad_answer")
    return answer


def _ok(method: str, answer: dict[str, Any]) -> dict[str, Any]:
    """The answer itself, or ``ProviderRejected`` carrying its ErrorCode when ``Success`` is false."""
    if answer.get("Success") is True:
        return answer
    code = str(answer.get("ErrorCode") or "")
    logger.warning("T-Bank %s rejected: ErrorCode=%s Message=%s", method, code, answer.get("Message"))
    raise ProviderRejected(REJECTED_MESSAGE, code=code)


def _state(method: str, answer: dict[str, Any]) -> dict[str, Any]:
    # A payment's state may come with Success:false (e.g. REJECTED); only an answer without one is an error.
    return answer if answer.get("Status") and answer.get("PaymentId") else _ok(method, answer)


def _order_payments(order_id: str) -> list[dict[str, Any]]:
    answer = _post("CheckOrder", {"OrderId": order_id})
    payments = answer.get("Payments")
    if answer.get("Success") is not True or not isinstance(payments, list):
        # An order T-Bank has never seen is answered with an error: there is nothing to reuse.
        logger.info("T-Bank CheckOrder: no payments (ErrorCode=%s)", answer.get("ErrorCode"))
        return []
    return [payment for payment in payments if isinstance(payment, dict) and payment.get("PaymentId")]


def _reuse_or_clear(order_id: str) -> dict[str, Any] | None:
    """A paid or in-progress payment of the order to reuse; stale NEW ones (nobody has their URL) are canceled."""
    payments = _order_payments(order_id)
    started = _started(payments)
    if started:
        return started
    for payment in payments:
        if payment.get("Status") == "NEW":
            answer = _post("Cancel", {"PaymentId": str(payment["PaymentId"])})
            if answer.get("Success") is not True:
                logger.warning("T-Bank Cancel of a stale payment failed: ErrorCode=%s", answer.get("ErrorCode"))
    return None


def _started(payments: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The order's payment that is paid or being paid (past NEW, not failed), if any."""
    return next((
        payment for payment in payments
        if payment.get("Status") != "NEW" and STATES.get(str(payment.get("Status")), "pending") != "failed"
    ), None)


def _charge_result(answer: dict[str, Any], payment_id: str, request: PaymentRequest) -> ProviderPayment:
    code = str(answer.get("ErrorCode") or "0")
    if answer.get("Success") is not True and code in UNKNOWN_OUTCOME_CODES and answer.get("Status") != "REJECTED":
        # Not a decline: T-Bank failed inside and the card may have been charged. Declaring a failure here
        # would start dunning and a second charge; the payment's own state decides (pending: reconciled).
        logger.warning("T-Bank Charge: internal error %s, asking GetState", code)
        state = _state("GetState", _post("GetState", {"PaymentId": str(answer.get("PaymentId") or payment_id)}))
        return _payment(state, order_id=request.order_id, amount_kopecks=request.amount_kopecks)
    if answer.get("Status") != "REJECTED" and code not in FAILED_CHARGE_CODES:
        return _payment(_ok("Charge", answer), order_id=request.order_id, amount_kopecks=request.amount_kopecks)
    logger.info("T-Bank Charge declined: ErrorCode=%s", code)
    return ProviderPayment(
        provider_payment_id=str(answer.get("PaymentId") or payment_id),
        order_id=request.order_id,
        state="failed",
        provider_status=str(answer.get("Status") or "REJECTED"),
        amount_kopecks=request.amount_kopecks,
        failure_reason=code if code != "0" else "REJECTED",
    )


def _payment(data: Mapping[str, Any], *, order_id: str = "", amount_kopecks: int | None = None) -> ProviderPayment:
    """A ProviderPayment from a T-Bank answer or notification (PaymentId/Amount may be JSON numbers)."""
    status = str(data["Status"])
    state = STATES.get(status, "pending")
    code = str(data.get("ErrorCode") or "0")
    amount = data.get("Amount", amount_kopecks)
    if isinstance(amount, bool) or not isinstance(amount, int | str):
        raise TypeError(f"Amount must be whole kopecks, got {type(amount).__name__}")
    return ProviderPayment(
        provider_payment_id=str(data["PaymentId"]),
        order_id=str(data.get("OrderId") or order_id),
        state=state,
        provider_status=status,
        amount_kopecks=int(amount),
        failure_reason=(code if code != "0" else status) if state == "failed" else "",
    )


def _retrying(operation: str, attempt: Callable[[int], ProviderPayment]) -> ProviderPayment:
    """Run ``attempt(1..ATTEMPTS)`` until one gets an answer; the last failure propagates."""
    for number in range(1, ATTEMPTS):
        try:
            return attempt(number)
        except ProviderUnavailable:
            logger.warning("T-Bank %s: no answer, retrying (attempt %d/%d)", operation, number + 1, ATTEMPTS)
            time.sleep(BACKOFF_SECONDS[number - 1])
    return attempt(ATTEMPTS)
