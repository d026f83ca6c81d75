"""Payment gateways: receipts, amounts, notification checks and status mapping; then both gateways
against the local payment sandbox (``payment_sandbox`` fixture)."""

import hashlib
import socket
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
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
from billing.providers.yookassa import YooKassaGateway, is_trusted_sender, notification_payment_id

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
