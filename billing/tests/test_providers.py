"""Payment gateways: receipts, amounts, notification checks and status mapping; then both gateways
against the local payment sandbox (``payment_sandbox`` fixture)."""

import hashlib
import json
import logging
import socket
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from pytest_django.fixtures import Settings
from yookassa.domain.common import SecurityHelper
from yookassa.domain.response import PaymentResponse

from billing.providers import enabled_providers, gateway, tinkoff, yookassa
from billing.providers.base import (
    NotificationRejected,
    PaymentRequest,
    ProviderRejected,
    ProviderUnavailable,
    SavedMethod,
)
from billing.providers.receipts import kopecks_to_value, tinkoff_receipt, value_to_kopecks, yookassa_receipt
from billing.providers.tinkoff import TinkoffGateway
from billing.providers.tinkoff_token import tinkoff_token
from billing.providers.yookassa import (
    Notification,
    YooKassaGateway,
    is_trusted_sender,
    notification_payment_id,
    read_notification,
)
from dev.payment_sandbox import PaymentSandbox

PRODUCTION_NETWORKS = [
    "185.71.76.0/27", "185.71.77.0/27", "77.75.153.0/25", "77.75.156.11/32", "77.75.156.35/32",
    "77.75.154.128/25", "2a02:5180::/32",
]
TERMINAL = {"TINKOFF_TERMINAL_KEY": "1234567890DEMO", "TINKOFF_PASSWORD": "SandboxPass123"}


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yookassa, "BACKOFF_SECONDS", (0, 0))
    monkeypatch.setattr(tinkoff, "BACKOFF_SECONDS", (0, 0))


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def payment_request(order_id: str = "ord-1", **overrides: Any) -> PaymentRequest:
    fields: dict[str, Any] = {
        "order_id": order_id,
        "idempotence_key": f"{order_id}:1",
        "amount_kopecks": 99000,
        "description": "Подписка Про, 1 мес.",
        "receipt_email": "owner@example.ru",
        "return_url": "https://app.example.ru/billing/return",
        "notification_url": "https://app.example.ru/api/v1/billing/webhooks/tinkoff",
        "customer_key": "account-1",
    }
    return PaymentRequest(**{**fields, **overrides})


# --- amounts and receipts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("kopecks", "value"), [(999000, "9990.00"), (99000, "990.00"), (1999, "19.99"), (5, "0.05"),
                                                (0, "0.00")])
def test_kopecks_and_values_round_trip(kopecks: int, value: str) -> None:
    assert kopecks_to_value(kopecks) == value
    assert value_to_kopecks(value) == kopecks


def test_values_convert_exactly_or_not_at_all() -> None:
    assert value_to_kopecks("990") == 99000
    assert value_to_kopecks(Decimal("19.990")) == 1999
    for bad in ("19.999", "abc", "NaN", "Infinity", ""):
        with pytest.raises(ValueError, match=r"kopecks|amount"):
            value_to_kopecks(bad)
    with pytest.raises(TypeError):
        value_to_kopecks(19.99)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kopecks_to_value(19.99)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kopecks_to_value(True)


@override_settings(BILLING_VAT_CODE=11, BILLING_TAX_SYSTEM="osn", BILLING_PAYMENT_SUBJECT="service")
def test_yookassa_receipt() -> None:
    assert yookassa_receipt("Подписка Про, 1 мес.", 999000, "owner@example.ru") == {
        "customer": {"email": "owner@example.ru"},
        "items": [{
            "description": "Подписка Про, 1 мес.",
            "quantity": "1.00",
            "amount": {"value": "9990.00", "currency": "RUB"},
            "vat_code": 11,
            "payment_subject": "service",
            "payment_mode": "full_payment",
            "measure": "piece",
        }],
        "tax_system_code": 1,
    }


@pytest.mark.parametrize(("system", "code"), [("osn", 1), ("usn_income", 2), ("usn_income_outcome", 3), ("esn", 5),
                                              ("patent", 6)])
def test_yookassa_tax_system_codes(system: str, code: int) -> None:
    with override_settings(BILLING_TAX_SYSTEM=system):
        assert yookassa_receipt("Подписка", 100, "a@example.ru")["tax_system_code"] == code
        assert tinkoff_receipt("Подписка", 100, "a@example.ru")["Taxation"] == system


@override_settings(BILLING_VAT_CODE=1, BILLING_TAX_SYSTEM="usn_income", BILLING_PAYMENT_SUBJECT="service")
def test_tinkoff_receipt() -> None:
    assert tinkoff_receipt("Подписка Про, 1 мес.", 99000, "owner@example.ru") == {
        "Email": "owner@example.ru",
        "Taxation": "usn_income",
        "FfdVersion": "1.2",
        "Items": [{
            "Name": "Подписка Про, 1 мес.",
            "Price": 99000,
            "Quantity": 1,
            "Amount": 99000,
            "Tax": "none",
            "PaymentMethod": "full_payment",
            "PaymentObject": "service",
            "MeasurementUnit": "шт",
        }],
    }


@pytest.mark.parametrize(("vat_code", "tax"), [
    (1, "none"), (2, "vat0"), (3, "vat10"), (4, "vat20"), (5, "vat110"), (6, "vat120"), (7, "vat5"), (8, "vat7"),
    (9, "vat105"), (10, "vat107"), (11, "vat22"), (12, "vat122"),
])
def test_tinkoff_tax_follows_the_vat_code(vat_code: int, tax: str) -> None:
    with override_settings(BILLING_VAT_CODE=vat_code):
        assert tinkoff_receipt("Подписка", 100, "a@example.ru")["Items"][0]["Tax"] == tax
        assert yookassa_receipt("Подписка", 100, "a@example.ru")["items"][0]["vat_code"] == vat_code


def test_receipt_lines_are_cut_to_128_characters() -> None:
    description = "Подписка " * 30
    assert yookassa_receipt(description, 100, "a@example.ru")["items"][0]["description"] == description[:128]
    assert tinkoff_receipt(description, 100, "a@example.ru")["Items"][0]["Name"] == description[:128]


def test_receipt_settings_and_email_are_checked() -> None:
    with override_settings(BILLING_VAT_CODE=13), pytest.raises(ImproperlyConfigured):
        yookassa_receipt("Подписка", 100, "a@example.ru")
    with override_settings(BILLING_TAX_SYSTEM="usn"), pytest.raises(ImproperlyConfigured):
        tinkoff_receipt("Подписка", 100, "a@example.ru")
    with override_settings(BILLING_TAX_SYSTEM="envd"), pytest.raises(ImproperlyConfigured):
        yookassa_receipt("Подписка", 100, "a@example.ru")  # ЕНВД is abolished (brief §3 lists 1, 2, 3, 5, 6)
    with override_settings(BILLING_VAT_CODE=True), pytest.raises(ImproperlyConfigured):
        yookassa_receipt("Подписка", 100, "a@example.ru")
    for subject in ("commodity", "subscription", ""):
        with override_settings(BILLING_PAYMENT_SUBJECT=subject), pytest.raises(ImproperlyConfigured):
            tinkoff_receipt("Подписка", 100, "a@example.ru")
    with override_settings(BILLING_PAYMENT_SUBJECT="intellectual_activity"):
        assert yookassa_receipt("Подписка", 100, "a@example.ru")["items"][0]["payment_subject"] == (
            "intellectual_activity")
        assert tinkoff_receipt("Подписка", 100, "a@example.ru")["Items"][0]["PaymentObject"] == "intellectual_activity"
    with pytest.raises(ValueError, match="e-mail"):
        tinkoff_receipt("Подписка", 100, "")


# --- provider registry ----------------------------------------------------------------------------------


def test_gateways_by_code() -> None:
    with override_settings(PAYMENT_PROVIDERS=["tinkoff", "yookassa"]):
        assert enabled_providers() == ["tinkoff", "yookassa"]
        assert isinstance(gateway("yookassa"), YooKassaGateway)
        assert isinstance(gateway("tinkoff"), TinkoffGateway)
    with override_settings(PAYMENT_PROVIDERS=["yookassa"]):
        assert enabled_providers() == ["yookassa"]
        with pytest.raises(ValueError, match="tinkoff"):
            gateway("tinkoff")
    with pytest.raises(ValueError, match="paypal"):
        gateway("paypal")
    with override_settings(PAYMENT_PROVIDERS=["yookassa", "paypal"]), pytest.raises(ImproperlyConfigured):
        enabled_providers()


# --- YooKassa notifications and mapping -----------------------------------------------------------------


@override_settings(YOOKASSA_TRUSTED_NETWORKS=PRODUCTION_NETWORKS)
def test_yookassa_sender_allowlist() -> None:
    for ip in ("185.71.76.0", "185.71.76.31", "185.71.77.5", "77.75.153.127", "77.75.156.11", "77.75.156.35",
               "77.75.154.200", "2a02:5180:0:1509::1", "::ffff:185.71.76.5", " 185.71.76.5 "):
        assert is_trusted_sender(ip), ip
    for ip in ("185.71.76.32", "77.75.153.128", "77.75.156.12", "8.8.8.8", "127.0.0.1", "2a02:5181::1", "::1",
               "", "garbage", "185.71.76.5, 8.8.8.8"):
        assert not is_trusted_sender(ip), ip


@override_settings(YOOKASSA_TRUSTED_NETWORKS=PRODUCTION_NETWORKS)
def test_yookassa_allowlist_covers_ipv6_the_sdk_misses() -> None:
    sender = "2a02:5180:0:1000::7"
    assert not SecurityHelper().is_ip_trusted(sender)
    assert is_trusted_sender(sender)


def test_yookassa_allowlist_is_read_at_call_time() -> None:
    with override_settings(YOOKASSA_TRUSTED_NETWORKS=["10.0.0.0/8"]):
        assert is_trusted_sender("10.1.2.3")
        assert not is_trusted_sender("185.71.76.5")


def test_yookassa_notification_payment_id() -> None:
    body = b'{"type":"notification","event":"payment.succeeded","object":{"id":"2f1a-000f-5000-8000","status":"x"}}'
    assert notification_payment_id(body) == "2f1a-000f-5000-8000"


@pytest.mark.parametrize("body", [
    b"", b"not json", b"\xff\xfe", b"[]", b'"notification"',
    b'{"type":"notification","event":"payment.succeeded"}',
    b'{"type":"notification","event":"payment.succeeded","object":[]}',
    b'{"type":"notification","event":"payment.succeeded","object":{}}',
    b'{"type":"notification","event":"payment.succeeded","object":{"id":42}}',
    b'{"type":"notification","event":"payment.succeeded","object":{"id":"../refunds"}}',
    b'{"type":"notification","event":"refund.succeeded","object":{"id":"2f1a"}}',
    b'{"type":"other","event":"payment.succeeded","object":{"id":"2f1a"}}',
])
def test_yookassa_malformed_notifications_are_rejected(body: bytes) -> None:
    with pytest.raises(NotificationRejected):
        notification_payment_id(body)


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"type":"notification","event":"refund.succeeded","object":{"id":"2f1b-000f","payment_id":"2f1a"}}',
     Notification("refund.succeeded", "2f1b-000f")),
    (b'{"type":"notification","event":"payout.canceled","object":{"id":"po-1"}}',
     Notification("payout.canceled", "po-1")),
    (b'{"type":"notification","event":"deal.closed","object":{"id":"../x"}}', Notification("deal.closed", "")),
    (b'{"type":"notification","event":"payment_method.active","object":{"id":"pm-1"}}',
     Notification("payment_method.active", "pm-1")),
    (b'{"type":"notification","event":"payment.canceled","object":{"id":"2f1a"}}',
     Notification("payment.canceled", "2f1a")),
])
def test_yookassa_notifications_of_other_events_are_read_not_rejected(body: bytes, expected: Notification) -> None:
    notification = read_notification(body)
    assert notification == expected
    assert notification.is_payment is expected.event.startswith("payment.")


@pytest.mark.parametrize("body", [
    b'{"type":"notification","event":"refund","object":{}}',
    b'{"type":"notification","event":"Payment.Succeeded","object":{"id":"2f1a"}}',
    b'{"type":"notification","event":"refund.succeeded"}',
    b'{"type":"notification","event":["payment.succeeded"],"object":{"id":"2f1a"}}',
])
def test_yookassa_notifications_without_an_event_and_object_are_rejected(body: bytes) -> None:
    with pytest.raises(NotificationRejected):
        read_notification(body)


def yookassa_response(**fields: Any) -> PaymentResponse:
    return PaymentResponse({
        "id": "2f1a", "status": "pending", "paid": False, "amount": {"value": "990.00", "currency": "RUB"},
        "created_at": "2026-01-10T10:00:00.000Z", "metadata": {"order_id": "ord-1", "cms_name": "yookassa_sdk_python"},
        "test": True, "refundable": False, **fields,
    })


def test_yookassa_pending_checkout_mapping() -> None:
    confirmation = {"type": "redirect", "confirmation_url": "https://pay.example/confirm?orderId=2f1a"}
    state = yookassa._provider_payment(yookassa_response(confirmation=confirmation))
    assert (state.provider_payment_id, state.order_id, state.state, state.provider_status) == (
        "2f1a", "ord-1", "pending", "pending")
    assert (state.amount_kopecks, state.currency, state.payment_url) == (99000, "RUB", confirmation["confirmation_url"])
    assert state.saved_method is None
    assert state.failure_reason == ""


def test_yookassa_final_states_mapping() -> None:
    card = {"type": "bank_card", "id": "pm-1", "saved": True, "title": "Bank card *4444"}
    succeeded = yookassa._provider_payment(yookassa_response(status="succeeded", paid=True, payment_method=card))
    assert (succeeded.state, succeeded.saved_method) == ("succeeded", SavedMethod("pm-1", "Bank card *4444"))
    unsaved = yookassa._provider_payment(yookassa_response(status="succeeded", payment_method={**card, "saved": False}))
    assert unsaved.saved_method is None
    waiting = yookassa._provider_payment(yookassa_response(status="waiting_for_capture", paid=True))
    assert (waiting.state, waiting.provider_status) == ("pending", "waiting_for_capture")
    canceled = yookassa._provider_payment(yookassa_response(
        status="canceled", cancellation_details={"party": "payment_network", "reason": "insufficient_funds"}))
    assert (canceled.state, canceled.failure_reason) == ("failed", "insufficient_funds")


def test_yookassa_payment_needs_an_idempotence_key() -> None:
    with pytest.raises(ValueError, match="idempotence"):
        YooKassaGateway().create_payment(payment_request(idempotence_key=""))


@pytest.mark.usefixtures("no_backoff")
def test_yookassa_refused_connection_is_unavailable(unused_port: int) -> None:
    with (
        override_settings(YOOKASSA_API_URL=f"http://127.0.0.1:{unused_port}/v3"),
        pytest.raises(ProviderUnavailable) as caught,
    ):
        YooKassaGateway().fetch("2f1a")
    assert "ЮKassa не отвечает" in caught.value.message


# --- T-Bank mapping and notifications -------------------------------------------------------------------


@pytest.mark.parametrize(("status", "state"), [
    ("NEW", "pending"), ("FORM_SHOWED", "pending"), ("AUTHORIZING", "pending"), ("3DS_CHECKING", "pending"),
    ("3DS_CHECKED", "pending"), ("AUTHORIZED", "pending"), ("CONFIRMING", "pending"), ("CONFIRMED", "succeeded"),
    ("REJECTED", "failed"), ("AUTH_FAIL", "failed"), ("CANCELED", "failed"), ("DEADLINE_EXPIRED", "failed"),
    ("REVERSED", "failed"), ("REFUNDED", "succeeded"), ("PARTIAL_REFUNDED", "succeeded"), ("REFUNDING", "succeeded"),
    ("PARTIAL_REVERSED", "succeeded"), ("REVERSING", "succeeded"),
])
def test_tinkoff_status_mapping(status: str, state: str) -> None:
    payment = tinkoff._payment({"PaymentId": 3093639567, "Status": status, "Amount": 99000, "OrderId": "o-1",
                                "ErrorCode": "0"})
    assert (payment.provider_payment_id, payment.state, payment.provider_status) == ("3093639567", state, status)
    assert payment.failure_reason == (status if state == "failed" else "")


def signed(payload: dict[str, Any], password: str = TERMINAL["TINKOFF_PASSWORD"]) -> dict[str, Any]:
    return {**payload, "Token": tinkoff_token(payload, password)}


NOTIFICATION = {
    "TerminalKey": "1234567890DEMO", "OrderId": "sub-42-202601", "Success": True, "Status": "CONFIRMED",
    "PaymentId": 3093639567, "ErrorCode": "0", "Amount": 99000, "CardId": 10452089, "Pan": "220138******0013",
    "ExpDate": "1230", "RebillId": 3207469334, "DATA": {"Route": "ACQ"},
}


@override_settings(**TERMINAL)
def test_tinkoff_notification_is_verified_and_mapped() -> None:
    state = TinkoffGateway().verify_notification(signed(NOTIFICATION))
    assert (state.provider_payment_id, state.order_id, state.state, state.provider_status) == (
        "3093639567", "sub-42-202601", "succeeded", "CONFIRMED")
    assert state.amount_kopecks == 99000
    assert state.saved_method == SavedMethod(token="3207469334", title="220138******0013")
    bare = {key: value for key, value in NOTIFICATION.items() if key not in ("RebillId", "CardId", "Pan", "ExpDate")}
    assert TinkoffGateway().verify_notification(signed(bare)).saved_method is None
    rejected = {**bare, "Success": False, "Status": "REJECTED", "ErrorCode": "1051"}
    assert TinkoffGateway().verify_notification(signed(rejected)).failure_reason == "1051"


@override_settings(**TERMINAL)
def test_tinkoff_forged_notifications_are_rejected() -> None:
    good = signed(NOTIFICATION)
    forged = [
        ({**good, "Amount": 1}, "bad_token"),
        ({**good, "Status": "REFUNDED"}, "bad_token"),
        ({**good, "Token": "0" * 64}, "bad_token"),
        ({key: value for key, value in good.items() if key != "Token"}, "bad_token"),
        (signed(NOTIFICATION, "wrong-password"), "bad_token"),
        (signed({**NOTIFICATION, "TerminalKey": "OtherTerminal"}), "foreign_terminal"),
        (signed({key: value for key, value in NOTIFICATION.items() if key != "Status"}), "malformed"),
        (signed({**NOTIFICATION, "Amount": "lots"}), "malformed"),
    ]
    for payload, code in forged:
        with pytest.raises(NotificationRejected) as caught:
            TinkoffGateway().verify_notification(payload)
        assert caught.value.code == code, payload


@override_settings(**TERMINAL)
def test_tinkoff_notification_signed_with_python_true_is_rejected() -> None:
    fields = {**NOTIFICATION, "Password": TERMINAL["TINKOFF_PASSWORD"]}
    plain = "".join(str(fields[key]) for key in sorted(fields) if not isinstance(fields[key], dict))
    token = hashlib.sha256(plain.encode()).hexdigest()
    with pytest.raises(NotificationRejected):
        TinkoffGateway().verify_notification({**NOTIFICATION, "Token": token})


@pytest.mark.usefixtures("no_backoff")
def test_tinkoff_refused_connection_is_unavailable(unused_port: int) -> None:
    with (
        override_settings(TINKOFF_API_URL=f"http://127.0.0.1:{unused_port}/v2"),
        pytest.raises(ProviderUnavailable) as caught,
    ):
        TinkoffGateway().fetch("3093639567")
    assert "Т-Банк не отвечает" in caught.value.message


# --- both gateways against the payment sandbox ----------------------------------------------------------

YOOKASSA_CARD = "5555555555554444"
TINKOFF_CARD = "2201382000000013"
TINKOFF_NO_FUNDS_CARD = "2201382000000831"


@dataclass(frozen=True)
class Received:
    provider: str
    call: str  # "POST /payments" or a T-Bank method name
    idempotence_key: str
    body: dict[str, Any]


@pytest.fixture
def received(payment_sandbox: PaymentSandbox, monkeypatch: pytest.MonkeyPatch) -> list[Received]:
    """Every API request the sandbox's emulators got, as they got it (faults answered before are not seen)."""
    seen: list[Received] = []
    yookassa_handle, tinkoff_handle = payment_sandbox.yookassa.handle, payment_sandbox.tinkoff.handle

    def on_yookassa(method: str, path: str, authorization: str, key: str, raw: bytes) -> Any:
        seen.append(Received("yookassa", f"{method} {path}", key, json.loads(raw) if raw else {}))
        return yookassa_handle(method, path, authorization, key, raw)

    def on_tinkoff(method: str, raw: bytes) -> Any:
        seen.append(Received("tinkoff", method, "", json.loads(raw)))
        return tinkoff_handle(method, raw)

    monkeypatch.setattr(payment_sandbox.yookassa, "handle", on_yookassa)
    monkeypatch.setattr(payment_sandbox.tinkoff, "handle", on_tinkoff)
    return seen


def control(sandbox: PaymentSandbox, command: str, **body: Any) -> Any:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/{command}", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def sandbox_payments(sandbox: PaymentSandbox, provider: str) -> list[dict[str, Any]]:
    return httpx.get(f"{sandbox.base_url}/_sandbox/payments", timeout=10).json()[provider]


def delivered(sandbox: PaymentSandbox, provider: str, event: str) -> list[dict[str, Any]]:
    deliveries = httpx.get(f"{sandbox.base_url}/_sandbox/deliveries", timeout=10).json()["deliveries"]
    return [entry["payload"] for entry in deliveries
            if entry["provider"] == provider and entry["event"] == event and entry["attempt"] == 1]


def assert_yookassa_receipt_reached(body: dict[str, Any], request: PaymentRequest) -> None:
    receipt = body["receipt"]
    expected = yookassa_receipt(request.description, request.amount_kopecks, request.receipt_email)
    assert receipt["customer"] == {"email": request.receipt_email}
    assert receipt["tax_system_code"] == expected["tax_system_code"]
    [item] = receipt["items"]
    assert Decimal(item.pop("quantity")) == 1  # the SDK re-serialises "1.00" as "1.0"
    assert item == {key: value for key, value in expected["items"][0].items() if key != "quantity"}


def assert_tinkoff_receipt_reached(body: dict[str, Any], request: PaymentRequest) -> None:
    assert body["Receipt"] == tinkoff_receipt(request.description, request.amount_kopecks, request.receipt_email)
    assert "Password" not in body
    assert body["Token"] == tinkoff_token(body, TERMINAL["TINKOFF_PASSWORD"])


def yookassa_creates(seen: list[Received]) -> list[Received]:
    return [entry for entry in seen if entry.provider == "yookassa" and entry.call == "POST /payments"]


def tinkoff_calls(seen: list[Received]) -> list[str]:
    return [entry.call for entry in seen if entry.provider == "tinkoff"]


def yookassa_saved_card(sandbox: PaymentSandbox) -> SavedMethod:
    first = YooKassaGateway().create_payment(payment_request("yk-first"))
    control(sandbox, "complete", provider="yookassa", id=first.provider_payment_id, card=YOOKASSA_CARD)
    saved = YooKassaGateway().fetch(first.provider_payment_id).saved_method
    assert saved is not None
    return saved


def test_yookassa_first_payment_saves_the_card(payment_sandbox: PaymentSandbox, received: list[Received]) -> None:
    request = payment_request("yk-1")
    started = YooKassaGateway().create_payment(request)

    assert (started.state, started.provider_status, started.order_id) == ("pending", "pending", "yk-1")
    assert started.payment_url == f"{payment_sandbox.base_url}/checkout/yookassa/{started.provider_payment_id}"
    [sent] = yookassa_creates(received)
    assert sent.idempotence_key == "yk-1:1"
    assert sent.body["amount"] == {"value": "990.00", "currency": "RUB"}
    assert sent.body["confirmation"] == {"type": "redirect", "return_url": request.return_url}
    assert (sent.body["capture"], sent.body["save_payment_method"], sent.body["metadata"]["order_id"]) == (
        True, True, "yk-1")
    assert_yookassa_receipt_reached(sent.body, request)

    control(payment_sandbox, "complete", provider="yookassa", id=started.provider_payment_id, card=YOOKASSA_CARD)
    paid = YooKassaGateway().fetch(started.provider_payment_id)
    assert (paid.state, paid.provider_status, paid.amount_kopecks, paid.order_id) == ("succeeded", "succeeded",
                                                                                      99000, "yk-1")
    [stored] = sandbox_payments(payment_sandbox, "yookassa")
    assert paid.saved_method == SavedMethod(token=stored["payment_method"]["id"], title="Bank card *4444")


def test_yookassa_autopay_with_the_saved_card(payment_sandbox: PaymentSandbox, received: list[Received]) -> None:
    saved = yookassa_saved_card(payment_sandbox)
    renewal = payment_request("yk-renew-1", saved_token=saved.token)

    charged = YooKassaGateway().create_payment(renewal)

    assert (charged.state, charged.payment_url, charged.order_id) == ("succeeded", "", "yk-renew-1")
    sent = yookassa_creates(received)[-1]
    assert sent.body["payment_method_id"] == saved.token
    assert "confirmation" not in sent.body
    assert_yookassa_receipt_reached(sent.body, renewal)


def test_yookassa_autopay_declined_for_insufficient_funds(
    payment_sandbox: PaymentSandbox, received: list[Received]
) -> None:
    saved = yookassa_saved_card(payment_sandbox)
    control(payment_sandbox, "autopay", outcome="insufficient_funds")
    renewal = payment_request("yk-renew-2", saved_token=saved.token)

    declined = YooKassaGateway().create_payment(renewal)

    assert (declined.state, declined.provider_status, declined.failure_reason) == (
        "failed", "canceled", "insufficient_funds")
    assert YooKassaGateway().fetch(declined.provider_payment_id).failure_reason == "insufficient_funds"
    assert_yookassa_receipt_reached(yookassa_creates(received)[-1].body, renewal)


def test_yookassa_500_is_retried_with_the_same_key(payment_sandbox: PaymentSandbox, received: list[Received]) -> None:
    control(payment_sandbox, "faults", provider="yookassa", mode="http_500", times=2)
    request = payment_request("yk-500")

    started = YooKassaGateway().create_payment(request)

    assert started.state == "pending"
    assert payment_sandbox.switches()["faults"]["yookassa"]["mode"] == "none"  # both 500s were used up
    [sent] = yookassa_creates(received)
    assert sent.idempotence_key == "yk-500:1"
    assert_yookassa_receipt_reached(sent.body, request)
    assert [payment["id"] for payment in sandbox_payments(payment_sandbox, "yookassa")] == [
        started.provider_payment_id]


def test_yookassa_hung_api_times_out_and_the_retry_makes_no_duplicate(
    payment_sandbox: PaymentSandbox, received: list[Received], settings: Settings
) -> None:
    settings.PAYMENT_TIMEOUT_SECONDS = 1
    control(payment_sandbox, "faults", provider="yookassa", mode="timeout", times=3, delay=10)
    request = payment_request("yk-hang")

    began = time.monotonic()
    with pytest.raises(ProviderUnavailable) as caught:
        YooKassaGateway().create_payment(request)
    elapsed = time.monotonic() - began

    assert "ЮKassa не отвечает" in caught.value.message
    assert elapsed < yookassa.ATTEMPTS * 1 + sum(yookassa.BACKOFF_SECONDS) + 1.5
    assert [entry.idempotence_key for entry in yookassa_creates(received)] == ["yk-hang:1"] * 3
    [stored] = sandbox_payments(payment_sandbox, "yookassa")

    retried = YooKassaGateway().create_payment(request)

    assert retried.provider_payment_id == stored["id"]
    assert len(sandbox_payments(payment_sandbox, "yookassa")) == 1
    assert_yookassa_receipt_reached(yookassa_creates(received)[-1].body, request)


def test_yookassa_wrong_credentials_are_rejected(
    payment_sandbox: PaymentSandbox, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.YOOKASSA_SECRET_KEY = "test_wrong_secret"
    caplog.set_level(logging.DEBUG)

    with pytest.raises(ProviderRejected) as caught:
        YooKassaGateway().create_payment(payment_request("yk-401"))

    assert caught.value.code == "invalid_credentials"
    assert caught.value.message.startswith("ЮKassa")
    assert "invalid_credentials" in caplog.text
    for secret in ("test_wrong_secret", "Authorization", "Basic ", "owner@example.ru"):
        assert secret not in caplog.text
    assert sandbox_payments(payment_sandbox, "yookassa") == []


def test_yookassa_unknown_payment_is_rejected(payment_sandbox: PaymentSandbox) -> None:
    with pytest.raises(ProviderRejected) as caught:
        YooKassaGateway().fetch("2f1a0c3e-000f-5000-8000-1a2b3c4d5e6f")
    assert caught.value.code == "not_found"


def test_yookassa_sandbox_notification_names_the_payment(payment_sandbox: PaymentSandbox, unused_port: int) -> None:
    payment_sandbox.yookassa_webhook_url = f"http://127.0.0.1:{unused_port}/webhook"
    started = YooKassaGateway().create_payment(payment_request("yk-notify"))
    control(payment_sandbox, "complete", provider="yookassa", id=started.provider_payment_id, card=YOOKASSA_CARD)

    [notification] = delivered(payment_sandbox, "yookassa", "payment.succeeded")

    assert notification_payment_id(json.dumps(notification).encode()) == started.provider_payment_id


def tinkoff_request(order_id: str, port: int, **overrides: Any) -> PaymentRequest:
    return payment_request(order_id, notification_url=f"http://127.0.0.1:{port}/tinkoff", **overrides)


def tinkoff_saved_card(sandbox: PaymentSandbox, port: int) -> SavedMethod:
    first = TinkoffGateway().create_payment(tinkoff_request("tb-first", port))
    control(sandbox, "complete", provider="tinkoff", id=first.provider_payment_id, card=TINKOFF_CARD)
    authorized = delivered(sandbox, "tinkoff", "AUTHORIZED")[-1]  # the only notification with RebillId
    saved = TinkoffGateway().verify_notification(authorized).saved_method
    assert saved is not None
    return saved


def test_tinkoff_checkout_confirmed_and_notified(
    payment_sandbox: PaymentSandbox, received: list[Received], unused_port: int
) -> None:
    request = tinkoff_request("tb-1", unused_port)
    started = TinkoffGateway().create_payment(request)

    assert (started.state, started.provider_status, started.order_id) == ("pending", "NEW", "tb-1")
    assert started.payment_url == f"{payment_sandbox.base_url}/checkout/tinkoff/{started.provider_payment_id}"
    [init] = [entry.body for entry in received if entry.call == "Init"]
    assert {key: init[key] for key in ("Amount", "OrderId", "CustomerKey", "Recurrent", "PayType", "SuccessURL",
                                       "FailURL")} == {
        "Amount": 99000, "OrderId": "tb-1", "CustomerKey": "account-1", "Recurrent": "Y", "PayType": "O",
        "SuccessURL": request.return_url, "FailURL": request.return_url}
    assert (init["NotificationURL"], init["DATA"]) == (request.notification_url, {"Email": "owner@example.ru"})
    assert_tinkoff_receipt_reached(init, request)

    control(payment_sandbox, "complete", provider="tinkoff", id=started.provider_payment_id, card=TINKOFF_CARD)
    paid = TinkoffGateway().fetch(started.provider_payment_id)
    assert (paid.state, paid.provider_status, paid.amount_kopecks, paid.order_id) == (
        "succeeded", "CONFIRMED", 99000, "tb-1")

    notification = delivered(payment_sandbox, "tinkoff", "CONFIRMED")[-1]
    verified = TinkoffGateway().verify_notification(notification)
    assert (verified.provider_payment_id, verified.state, verified.amount_kopecks) == (
        started.provider_payment_id, "succeeded", 99000)
    assert verified.saved_method is None  # RebillId comes with AUTHORIZED only
    authorized_payload = delivered(payment_sandbox, "tinkoff", "AUTHORIZED")[-1]
    authorized = TinkoffGateway().verify_notification(authorized_payload)
    assert authorized.state == "pending"
    assert authorized.saved_method == SavedMethod(token=str(authorized_payload["RebillId"]), title="220138******0013")
    assert TinkoffGateway().saved_card("account-1") == authorized.saved_method  # GetCardList: the same card
    assert TinkoffGateway().saved_card("nobody") is None
    for forged, code in [
        ({**notification, "Amount": 1}, "bad_token"),
        ({**notification, "Token": tinkoff_token(notification, "guessed-password")}, "bad_token"),
        (signed({**notification, "TerminalKey": "OtherTerminalDEMO"}), "foreign_terminal"),
    ]:
        with pytest.raises(NotificationRejected) as caught:
            TinkoffGateway().verify_notification(forged)
        assert caught.value.code == code


def test_tinkoff_autopay_charge_succeeds(
    payment_sandbox: PaymentSandbox, received: list[Received], unused_port: int
) -> None:
    saved = tinkoff_saved_card(payment_sandbox, unused_port)
    received.clear()
    renewal = tinkoff_request("tb-renew-1", unused_port, saved_token=saved.token)

    charged = TinkoffGateway().create_payment(renewal)

    assert (charged.state, charged.provider_status, charged.order_id, charged.payment_url) == (
        "succeeded", "CONFIRMED", "tb-renew-1", "")
    assert tinkoff_calls(received) == ["CheckOrder", "Init", "Charge"]
    init, charge = received[1].body, received[2].body
    assert "Recurrent" not in init
    assert init["PayType"] == "O"
    assert_tinkoff_receipt_reached(init, renewal)
    assert (charge["PaymentId"], charge["RebillId"]) == (charged.provider_payment_id, saved.token)
    assert TinkoffGateway().fetch(charged.provider_payment_id).state == "succeeded"


def test_tinkoff_autopay_declined_for_insufficient_funds(
    payment_sandbox: PaymentSandbox, received: list[Received], unused_port: int
) -> None:
    saved = tinkoff_saved_card(payment_sandbox, unused_port)
    control(payment_sandbox, "autopay", outcome="insufficient_funds")
    renewal = tinkoff_request("tb-renew-2", unused_port, saved_token=saved.token)

    declined = TinkoffGateway().create_payment(renewal)

    assert (declined.state, declined.provider_status, declined.failure_reason) == ("failed", "REJECTED", "1051")
    [init] = [entry.body for entry in received if entry.call == "Init" and entry.body["OrderId"] == "tb-renew-2"]
    assert_tinkoff_receipt_reached(init, renewal)
    assert TinkoffGateway().fetch(declined.provider_payment_id).state == "failed"


@pytest.mark.parametrize(("code", "reads", "state"), [("9999", 0, "succeeded"), ("3", 0, "succeeded"),
                                                     ("9999", 5, "pending")])
def test_tinkoff_charge_internal_error_is_asked_about_not_declined(
    payment_sandbox: PaymentSandbox, received: list[Received], unused_port: int, code: str, reads: int, state: str
) -> None:
    saved = tinkoff_saved_card(payment_sandbox, unused_port)
    control(payment_sandbox, "tinkoff", charge_error=code, times=1, settle_after_reads=reads)
    received.clear()

    charged = TinkoffGateway().create_payment(tinkoff_request(f"tb-renew-{code}-{reads}", unused_port,
                                                              saved_token=saved.token))

    assert charged.state == state  # never "failed": the card may have been charged
    assert tinkoff_calls(received) == ["CheckOrder", "Init", "Charge", "GetState"]


def test_tinkoff_server_errors_are_unavailable(payment_sandbox: PaymentSandbox, unused_port: int) -> None:
    control(payment_sandbox, "faults", provider="tinkoff", mode="http_500", times=tinkoff.ATTEMPTS)

    with pytest.raises(ProviderUnavailable) as caught:
        TinkoffGateway().create_payment(tinkoff_request("tb-500", unused_port))

    assert (caught.value.code, caught.value.message) == ("http_500", tinkoff.UNAVAILABLE_MESSAGE)
    assert sandbox_payments(payment_sandbox, "tinkoff") == []


def test_tinkoff_wrong_password_is_rejected(payment_sandbox: PaymentSandbox, settings: Settings) -> None:
    settings.TINKOFF_PASSWORD = "not-the-password"
    with pytest.raises(ProviderRejected) as caught:
        TinkoffGateway().fetch("3000000001")
    assert caught.value.code == "204"


def test_tinkoff_timed_out_init_is_checked_before_another(
    payment_sandbox: PaymentSandbox, received: list[Received], settings: Settings, unused_port: int
) -> None:
    settings.PAYMENT_TIMEOUT_SECONDS = 1
    control(payment_sandbox, "faults", provider="tinkoff", mode="timeout", times=1, delay=10)
    request = tinkoff_request("tb-hang", unused_port)

    started = TinkoffGateway().create_payment(request)

    assert tinkoff_calls(received) == ["Init", "CheckOrder", "Cancel", "Init"]
    assert_tinkoff_receipt_reached(received[-1].body, request)
    control(payment_sandbox, "complete", provider="tinkoff", id=started.provider_payment_id, card=TINKOFF_CARD)
    statuses = {p["PaymentId"]: p["Status"] for p in sandbox_payments(payment_sandbox, "tinkoff")}
    assert statuses.pop(started.provider_payment_id) == "CONFIRMED"
    assert list(statuses.values()) == ["CANCELED"]  # the payment whose Init answer was lost can't be paid


def fault_before(monkeypatch: pytest.MonkeyPatch, sandbox: PaymentSandbox, method: str) -> None:
    """Make the next T-Bank ``method`` call hang (it still takes effect), once."""
    post = tinkoff._post
    armed = [method]

    def post_with_fault(called: str, payload: Any) -> dict[str, Any]:
        if called in armed:
            armed.clear()
            sandbox.set_fault("tinkoff", "timeout", times=1, delay=10)
        return post(called, payload)

    monkeypatch.setattr(tinkoff, "_post", post_with_fault)


def test_tinkoff_timed_out_charge_is_checked_not_repeated(
    payment_sandbox: PaymentSandbox, received: list[Received], settings: Settings, unused_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = tinkoff_saved_card(payment_sandbox, unused_port)
    received.clear()
    settings.PAYMENT_TIMEOUT_SECONDS = 1
    fault_before(monkeypatch, payment_sandbox, "Charge")
    renewal = tinkoff_request("tb-renew-hang", unused_port, saved_token=saved.token)

    charged = TinkoffGateway().create_payment(renewal)

    assert (charged.state, charged.provider_status) == ("succeeded", "CONFIRMED")
    assert tinkoff_calls(received) == ["CheckOrder", "Init", "Charge", "GetState"]
    assert_tinkoff_receipt_reached(received[1].body, renewal)

    again = TinkoffGateway().create_payment(renewal)  # the caller retrying the whole renewal

    assert (again.provider_payment_id, again.state) == (charged.provider_payment_id, "succeeded")
    assert tinkoff_calls(received)[4:] == ["CheckOrder"]
    renewals = [p for p in sandbox_payments(payment_sandbox, "tinkoff") if p["OrderId"] == "tb-renew-hang"]
    assert [p["Status"] for p in renewals] == ["CONFIRMED"]


def test_tinkoff_timed_out_autopay_init_is_reused(
    payment_sandbox: PaymentSandbox, received: list[Received], settings: Settings, unused_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = tinkoff_saved_card(payment_sandbox, unused_port)
    received.clear()
    settings.PAYMENT_TIMEOUT_SECONDS = 1
    fault_before(monkeypatch, payment_sandbox, "Init")
    renewal = tinkoff_request("tb-renew-init", unused_port, saved_token=saved.token)

    charged = TinkoffGateway().create_payment(renewal)

    assert charged.state == "succeeded"
    assert tinkoff_calls(received) == ["CheckOrder", "Init", "CheckOrder", "Charge"]
    assert_tinkoff_receipt_reached(received[1].body, renewal)
    renewals = [p for p in sandbox_payments(payment_sandbox, "tinkoff") if p["OrderId"] == "tb-renew-init"]
    assert [(p["PaymentId"], p["Status"]) for p in renewals] == [(charged.provider_payment_id, "CONFIRMED")]
