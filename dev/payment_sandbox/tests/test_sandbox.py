"""The payment sandbox, driven the way real clients drive YooKassa and T-Bank.

YooKassa through the official ``yookassa`` SDK, T-Bank through raw httpx with our own Token;
httpx also plays the customer on the hosted checkout pages. Notifications land in a tiny
stdlib HTTP server that answers whatever the test scripts.
"""

import base64
import json
import threading
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import CommandError, call_command
from yookassa import Configuration, Payment, Refund
from yookassa.domain.exceptions import BadRequestError, InternalServerError, NotFoundError, UnauthorizedError

from billing.providers.tinkoff_token import tinkoff_token, token_is_valid
from dev.payment_sandbox import PaymentSandbox
from dev.payment_sandbox.cards import read_card_form

SHOP_ID, SECRET = "100500", "test_sandbox_secret"
TERMINAL, PASSWORD = "1234567890DEMO", "SandboxPass123"
RETURN_URL = "https://app.example.ru/billing/return"
SUCCESS_URL = "https://app.example.ru/billing/ok"
FAIL_URL = "https://app.example.ru/billing/fail"


# --- a webhook receiver ----------------------------------------------------------------------------------


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: "Receiver"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.received.append(json.loads(body))
            status, reply = self.server.replies.popleft() if self.server.replies else (200, b"OK")
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Receiver(ThreadingHTTPServer):
    """Records every notification; answers the scripted ``replies`` first, then 200 "OK"."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.lock = threading.Lock()
        self.received: list[dict] = []
        self.replies: deque[tuple[int, bytes]] = deque()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def events(self) -> list[str]:
        return [item.get("event") or item.get("Status") for item in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=5, follow_redirects=False) as client:
        yield client


@pytest.fixture
def sandbox(payment_sandbox: PaymentSandbox, receiver: Receiver) -> Iterator[PaymentSandbox]:
    """The sandbox with the SDK pointed at it and YooKassa notifications going to ``receiver``."""
    payment_sandbox.yookassa_webhook_url = receiver.url
    Configuration.configure(SHOP_ID, SECRET, api_url=f"{payment_sandbox.base_url}/yookassa/v3", verify=None)
    yield payment_sandbox
    Configuration.configure(None, None)


# --- helpers ----------------------------------------------------------------------------------------------


def yk_receipt(value: str = "9990.00", quantity: str = "1.00") -> dict:
    return {"customer": {"email": "owner@example.ru"}, "items": [{
        "description": "Подписка Про, 1 мес.", "quantity": quantity, "amount": {"value": value, "currency": "RUB"},
        "vat_code": 1, "payment_subject": "service", "payment_mode": "full_payment", "measure": "piece",
    }]}


def yk_params(value: str = "9990.00", *, save: bool = True, **extra: Any) -> dict:
    return {
        "amount": {"value": value, "currency": "RUB"}, "capture": True,
        "confirmation": {"type": "redirect", "return_url": RETURN_URL},
        "description": "Подписка Про, 1 мес.", "metadata": {"order_id": "ord-42"},
        "save_payment_method": save, "receipt": yk_receipt(value), **extra,
    }


def yk_raw(http: httpx.Client, base: str, body: dict, key: str | None = "raw-1", *,
           secret: str = SECRET, timeout: float = 5) -> httpx.Response:
    headers = {"Authorization": "Basic " + base64.b64encode(f"{SHOP_ID}:{secret}".encode()).decode()}
    if key is not None:
        headers["Idempotence-Key"] = key
    return http.post(f"{base}/yookassa/v3/payments", json=body, headers=headers, timeout=timeout)


def card_form(http: httpx.Client, url: str, number: str, expiry: str = "12/30", cvc: str = "123") -> httpx.Response:
    return http.post(url, data={"number": number, "expiry": expiry, "cvc": cvc})


def saved_yookassa_method(http: httpx.Client, card: str = "5555555555554444") -> str:
    first = Payment.create(yk_params(), "first-1")
    card_form(http, first.confirmation.confirmation_url, card)
    return Payment.find_one(first.id).payment_method.id


def tbank(http: httpx.Client, base: str, method: str, **fields: Any) -> Any:
    body = {"TerminalKey": TERMINAL, **fields}
    body["Token"] = tinkoff_token(body, PASSWORD)
    response = http.post(f"{base}/tinkoff/v2/{method}", json=body)
    assert response.status_code == 200
    return response.json()


def tb_receipt(amount: int = 999000) -> dict:
    return {"Email": "owner@example.ru", "Taxation": "usn_income", "Items": [{
        "Name": "Подписка Про, 1 мес.", "Price": amount, "Quantity": 1, "Amount": amount, "Tax": "none",
        "PaymentMethod": "full_payment", "PaymentObject": "service",
    }]}


def tb_init(http: httpx.Client, base: str, receiver: Receiver, order_id: str = "sub-42", *,
            recurrent: bool = True, **extra: Any) -> dict:
    fields: dict[str, Any] = {
        "Amount": 999000, "OrderId": order_id, "Description": "Подписка Про, 1 мес.",
        "NotificationURL": receiver.url, "SuccessURL": SUCCESS_URL, "FailURL": FAIL_URL,
        "DATA": {"Email": "owner@example.ru"}, "Receipt": tb_receipt(), **extra,
    }
    if recurrent:
        fields.update(CustomerKey="account-42", Recurrent="Y")
    answer = tbank(http, base, "Init", **fields)
    assert answer["Success"] is True, answer
    return answer


def rebill_of(receiver: Receiver) -> int:
    """The RebillId of the last AUTHORIZED notification (the only one that carries it)."""
    return next(item["RebillId"] for item in reversed(receiver.received)
                if item.get("Status") == "AUTHORIZED" and "RebillId" in item)


# --- YooKassa: checkout with each card class ------------------------------------------------------------


def test_yookassa_checkout_success_saves_card_and_notifies_before_redirect(
    sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client
) -> None:
    payment = Payment.create(yk_params(), "ord-42:1")
    assert (payment.status, payment.paid, payment.test) == ("pending", False, True)
    assert payment.recipient.account_id == SHOP_ID
    url = payment.confirmation.confirmation_url
    assert url == f"{sandbox.base_url}/checkout/yookassa/{payment.id}"

    page = http.get(url)
    assert page.status_code == 200
    for text in ("Fast Lead", "Подписка Про, 1 мес.", "9\u00a0990,00\u00a0₽", "5555 5555 5555 4444", "Оплатить",
                 "Вернуться в магазин без оплаты"):
        assert text in page.text

    answer = card_form(http, url, "5555 5555 5555 4444")
    assert (answer.status_code, answer.headers["location"]) == (303, RETURN_URL)
    assert receiver.events() == ["payment.succeeded"]  # delivered before the redirect
    found = Payment.find_one(payment.id)
    assert (found.status, found.paid, found.refundable) == ("succeeded", True, True)
    method = found.payment_method
    assert (method.type, method.saved, method.title) == ("bank_card", True, "Bank card *4444")
    assert (method.card.first6, method.card.last4, method.card.expiry_month, method.card.expiry_year) == (
        "555555", "4444", "12", "2030")
    notification = receiver.received[0]
    assert notification["type"] == "notification"
    assert notification["object"]["id"] == payment.id
    assert notification["object"]["metadata"]["order_id"] == "ord-42"
    assert notification["object"]["authorization_details"]["three_d_secure"]["applied"] is False
    assert "confirmation" not in notification["object"]


def test_yookassa_3ds_card_succeeds_with_the_code(sandbox: PaymentSandbox, receiver: Receiver,
                                                  http: httpx.Client) -> None:
    payment = Payment.create(yk_params(), "ord-43:1")
    url = payment.confirmation.confirmation_url
    answer = card_form(http, url, "5555555555554477")
    assert (answer.status_code, answer.headers["location"]) == (303, f"/checkout/yookassa/{payment.id}/3ds")
    assert "3-D Secure" in http.get(f"{url}/3ds").text
    assert Payment.find_one(payment.id).status == "pending"
    assert receiver.received == []

    answer = http.post(f"{url}/3ds", data={"code": "12345", "action": "confirm"})
    assert answer.headers["location"] == RETURN_URL
    found = Payment.find_one(payment.id)
    assert found.status == "succeeded"
    assert found.authorization_details.three_d_secure.applied is True
    assert receiver.events() == ["payment.succeeded"]


@pytest.mark.parametrize("form", [{"code": "00000", "action": "confirm"}, {"action": "cancel"}])
def test_yookassa_3ds_failure_cancels(sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client,
                                      form: dict) -> None:
    payment = Payment.create(yk_params(), "ord-44:1")
    url = payment.confirmation.confirmation_url
    card_form(http, url, "5555555555554477")
    answer = http.post(f"{url}/3ds", data=form)
    assert answer.headers["location"] == RETURN_URL
    found = Payment.find_one(payment.id)
    assert (found.status, found.paid) == ("canceled", False)
    assert (found.cancellation_details.party, found.cancellation_details.reason) == (
        "payment_network", "3d_secure_failed")
    assert found.payment_method.saved is False
    assert receiver.events() == ["payment.canceled"]


@pytest.mark.parametrize(("card", "reason"), [("5555555555554535", "insufficient_funds"),
                                              ("5555555555554543", "general_decline")])
def test_yookassa_declined_cards(sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client,
                                 card: str, reason: str) -> None:
    payment = Payment.create(yk_params(), f"ord-{card}")
    answer = card_form(http, payment.confirmation.confirmation_url, card)
    assert answer.headers["location"] == RETURN_URL
    found = Payment.find_one(payment.id)
    assert found.status == "canceled"
    assert (found.cancellation_details.party, found.cancellation_details.reason) == ("payment_network", reason)
    assert receiver.received[0]["object"]["cancellation_details"]["reason"] == reason


def test_yookassa_abandoned_checkout_expires(sandbox: PaymentSandbox, receiver: Receiver,
                                             http: httpx.Client) -> None:
    payment = Payment.create(yk_params(), "ord-45:1")
    answer = http.post(f"{payment.confirmation.confirmation_url}/abandon")
    assert (answer.status_code, answer.headers["location"]) == (303, RETURN_URL)
    found = Payment.find_one(payment.id)
    assert (found.status, found.cancellation_details.reason) == ("canceled", "expired_on_confirmation")
    assert receiver.events() == ["payment.canceled"]
    again = http.get(payment.confirmation.confirmation_url)  # a finished payment shows its result
    assert "Оплата не прошла" in again.text


def test_card_form_errors_are_russian_and_keep_the_payment_pending(sandbox: PaymentSandbox,
                                                                    http: httpx.Client) -> None:
    payment = Payment.create(yk_params(), "ord-46:1")
    answer = card_form(http, payment.confirmation.confirmation_url, "1234", expiry="13/30", cvc="1")
    assert answer.status_code == 400
    for text in ("Введите номер карты", "ММ/ГГ", "CVC — три цифры"):
        assert text in answer.text
    answer = card_form(http, payment.confirmation.confirmation_url, "4111111111111111", expiry="01/20")
    assert "не подходит для песочницы" in answer.text
    assert "Срок действия карты истёк" in answer.text
    assert card_form(http, payment.confirmation.confirmation_url, "5555555555554445").status_code == 400  # Luhn
    assert Payment.find_one(payment.id).status == "pending"
    assert read_card_form("tinkoff", "2201 3820 0000 0013", "12/30", "123")[0] is not None


# --- YooKassa: API behaviour -----------------------------------------------------------------------------


def test_yookassa_idempotence_key(sandbox: PaymentSandbox, http: httpx.Client) -> None:
    first = Payment.create(yk_params(), "ord-47:1")
    retry = Payment.create(yk_params(), "ord-47:1")
    assert retry.id == first.id
    assert len(sandbox.payments()["yookassa"]) == 1
    with pytest.raises(BadRequestError) as error:
        Payment.create(yk_params("990.00"), "ord-47:1")
    assert (error.value.content["code"], error.value.content["parameter"]) == ("invalid_request", "Idempotence-Key")
    missing = yk_raw(http, sandbox.base_url, yk_params(), key=None)
    assert missing.status_code == 400
    assert missing.json()["parameter"] == "Idempotence-Key"


def test_yookassa_credentials_and_unknown_payment(sandbox: PaymentSandbox, http: httpx.Client) -> None:
    Configuration.configure(SHOP_ID, "wrong", api_url=f"{sandbox.base_url}/yookassa/v3", verify=None)
    with pytest.raises(UnauthorizedError) as error:
        Payment.create(yk_params(), "ord-48:1")
    assert error.value.content["code"] == "invalid_credentials"
    Configuration.configure(SHOP_ID, SECRET, api_url=f"{sandbox.base_url}/yookassa/v3", verify=None)
    with pytest.raises(NotFoundError) as missing:
        Payment.find_one("2f1a0c3e-000f-5000-8000-1a2b3c4d5e6f")
    assert missing.value.content["code"] == "not_found"
    assert sandbox.payments()["yookassa"] == []


@pytest.mark.parametrize(("change", "parameter"), [
    ({"receipt": yk_receipt("990.00")}, "receipt"),  # Σ items ≠ amount
    ({"receipt": yk_receipt("4995.00", quantity="2")}, None),  # 2 × 4995 = 9990: fine
    ({"receipt": None}, "receipt"),
    ({"receipt": {**yk_receipt(), "customer": {}}}, "receipt"),
    ({"receipt": {**yk_receipt(), "items": [{**yk_receipt()["items"][0], "vat_code": 13}]}}, "receipt"),
    ({"receipt": {**yk_receipt(), "items": [{**yk_receipt()["items"][0], "description": "x" * 129}]}}, "receipt"),
    ({"amount": {"value": "9990.001", "currency": "RUB"}}, "amount.value"),
    ({"amount": {"value": "0.00", "currency": "RUB"}}, "amount.value"),
    ({"amount": {"value": "9990.00", "currency": "USD"}}, "amount.currency"),
    ({"confirmation": None}, "confirmation"),
])
def test_yookassa_validation(sandbox: PaymentSandbox, http: httpx.Client, change: dict,
                             parameter: str | None) -> None:
    body = {key: value for key, value in {**yk_params(), **change}.items() if value is not None}
    answer = yk_raw(http, sandbox.base_url, body)
    if parameter is None:
        assert answer.status_code == 200
        return
    assert answer.status_code == 400, answer.text
    assert (answer.json()["type"], answer.json()["code"], answer.json()["parameter"]) == (
        "error", "invalid_request", parameter)


def yk_item(**changes: Any) -> dict:
    """The receipt with its one item changed; a value of None drops the field."""
    item = {**yk_receipt()["items"][0], **changes}
    return {**yk_receipt(), "items": [{key: value for key, value in item.items() if value is not None}]}


@pytest.mark.parametrize("receipt", [
    # brief §3: payment_subject and payment_mode are required item fields
    yk_item(payment_mode=None), yk_item(payment_subject=None),
    yk_item(payment_mode="prepayment"), yk_item(payment_subject="subscription"),
    yk_item(payment_subject="non-operating_gain"),  # the documented value is non_operating_gain
    # FFD 1.2: items.measure is required, and only the documented units are accepted
    yk_item(measure=None), yk_item(measure="шт"), yk_item(measure="month"), yk_item(measure=""),
    # brief §3: tax_system_code 1, 2, 3, 5, 6 — 4 (ЕНВД) is abolished; an integer, not a string
    {**yk_receipt(), "tax_system_code": 4}, {**yk_receipt(), "tax_system_code": 7},
    {**yk_receipt(), "tax_system_code": 0}, {**yk_receipt(), "tax_system_code": "2"},
    {**yk_receipt(), "tax_system_code": True}, {**yk_receipt(), "tax_system_code": 2.0},
    # brief §3: vat_code 1…12
    yk_item(vat_code=0), yk_item(vat_code="1"), yk_item(vat_code=None),
], ids=lambda receipt: json.dumps(receipt["items"][0] | {"tsc": receipt.get("tax_system_code")})[-90:])
def test_yookassa_refuses_receipts_an_ffd_12_register_cannot_take(sandbox: PaymentSandbox, http: httpx.Client,
                                                                   receipt: dict) -> None:
    answer = yk_raw(http, sandbox.base_url, yk_params(receipt=receipt))
    assert answer.status_code == 400, answer.text
    assert (answer.json()["code"], answer.json()["parameter"]) == ("invalid_request", "receipt")
    assert sandbox.payments()["yookassa"] == []


@pytest.mark.parametrize("receipt", [
    yk_receipt(), *({**yk_receipt(), "tax_system_code": code} for code in (1, 2, 3, 5, 6)),
    yk_item(vat_code=11), yk_item(vat_code=12), yk_item(measure="another"), yk_item(payment_subject="non_marked"),
    yk_item(payment_subject="intellectual_activity", payment_mode="full_prepayment"),
])
def test_yookassa_accepts_complete_ffd_12_receipts(sandbox: PaymentSandbox, receipt: dict) -> None:
    assert Payment.create(yk_params(receipt=receipt), f"ffd-{json.dumps(receipt, sort_keys=True)[-40:]}").status == (
        "pending")


def test_yookassa_merchant_cancel(sandbox: PaymentSandbox, receiver: Receiver) -> None:
    payment = Payment.create(yk_params(), "ord-49:1")
    canceled = Payment.cancel(payment.id, "ord-49:cancel")
    assert (canceled.status, canceled.cancellation_details.reason) == ("canceled", "canceled_by_merchant")
    assert sandbox.wait_idle()
    assert receiver.events() == ["payment.canceled"]
    with pytest.raises(BadRequestError):
        Payment.cancel(payment.id, "ord-49:cancel-again")


def test_yookassa_http_500_then_retry_with_the_same_key(sandbox: PaymentSandbox, http: httpx.Client) -> None:
    assert http.post(f"{sandbox.base_url}/_sandbox/faults",
                     json={"provider": "yookassa", "mode": "http_500", "times": 1}).status_code == 200
    with pytest.raises(InternalServerError) as error:
        Payment.create(yk_params(), "ord-50:1")
    assert error.value.content["code"] == "internal_server_error"
    assert sandbox.payments()["yookassa"] == []
    payment = Payment.create(yk_params(), "ord-50:1")
    assert [item["id"] for item in sandbox.payments()["yookassa"]] == [payment.id]


def test_yookassa_hung_create_still_creates_the_payment(sandbox: PaymentSandbox, http: httpx.Client) -> None:
    sandbox.set_fault("yookassa", "timeout", times=1, delay=2.0)
    with pytest.raises(httpx.ReadTimeout):
        yk_raw(http, sandbox.base_url, yk_params(), key="ord-51:1", timeout=0.3)
    retry = yk_raw(http, sandbox.base_url, yk_params(), key="ord-51:1")
    assert retry.status_code == 200
    assert [item["id"] for item in sandbox.payments()["yookassa"]] == [retry.json()["id"]]


def test_yookassa_notification_retries_until_200_and_duplicates(sandbox: PaymentSandbox, receiver: Receiver,
                                                                http: httpx.Client) -> None:
    receiver.replies.extend([(500, b""), (404, b"")])
    payment = Payment.create(yk_params(), "ord-52:1")
    card_form(http, payment.confirmation.confirmation_url, "5555555555554444")
    attempts = [(d["attempt"], d["http_status"], d["delivered"]) for d in sandbox.deliveries()]
    assert attempts == [(1, 500, False), (2, 404, False), (3, 200, True)]

    http.post(f"{sandbox.base_url}/_sandbox/notifications", json={"duplicate": True})
    second = Payment.create(yk_params(), "ord-52:2")
    card_form(http, second.confirmation.confirmation_url, "5555555555554444")
    assert [item["object"]["id"] for item in receiver.received[-2:]] == [second.id, second.id]
    listed = http.get(f"{sandbox.base_url}/_sandbox/deliveries").json()["deliveries"]
    assert {(d["provider"], d["event"], d["url"]) for d in listed} == {
        ("yookassa", "payment.succeeded", receiver.url)}


def test_yookassa_notification_is_acknowledged_only_by_http_200(sandbox: PaymentSandbox, receiver: Receiver,
                                                                http: httpx.Client) -> None:
    """Brief §1: "any HTTP 200 (the body is ignored). Anything else is redelivered" — other 2xx included."""
    receiver.replies.extend([(204, b""), (201, b"OK")])
    payment = Payment.create(yk_params(), "ord-53:1")
    card_form(http, payment.confirmation.confirmation_url, "5555555555554444")
    attempts = [(d["attempt"], d["http_status"], d["delivered"]) for d in sandbox.deliveries()]
    assert attempts == [(1, 204, False), (2, 201, False), (3, 200, True)]

    receiver.replies.extend([(202, b"")] * 3)
    second = Payment.create(yk_params(), "ord-53:2")
    card_form(http, second.confirmation.confirmation_url, "5555555555554444")
    assert [d["delivered"] for d in sandbox.deliveries()[3:]] == [False, False, False]


def test_lost_notifications_are_not_sent_and_get_still_tells(sandbox: PaymentSandbox, receiver: Receiver,
                                                            http: httpx.Client) -> None:
    switches = http.post(f"{sandbox.base_url}/_sandbox/notifications", json={"lost": True}).json()
    assert switches["notifications"]["lost"] is True
    payment = Payment.create(yk_params(), "ord-54:1")
    assert card_form(http, payment.confirmation.confirmation_url, "5555555555554444").status_code == 303
    assert receiver.received == []
    [lost] = sandbox.deliveries()
    assert (lost["event"], lost["delivered"], lost["http_status"], lost["attempt"]) == (
        "payment.succeeded", False, None, 0)
    assert Payment.find_one(payment.id).status == "succeeded"  # brief §4.1: state comes from GET

    http.post(f"{sandbox.base_url}/_sandbox/notifications", json={"lost": False})
    second = Payment.create(yk_params(), "ord-54:2")
    card_form(http, second.confirmation.confirmation_url, "5555555555554444")
    assert receiver.events() == ["payment.succeeded"]


# --- YooKassa: autopayments ------------------------------------------------------------------------------


def test_yookassa_autopay_with_the_saved_card(sandbox: PaymentSandbox, receiver: Receiver,
                                              http: httpx.Client) -> None:
    method_id = saved_yookassa_method(http)
    renewal = Payment.create({"amount": {"value": "9990.00", "currency": "RUB"}, "capture": True,
                              "payment_method_id": method_id, "description": "Продление",
                              "receipt": yk_receipt()}, "renew-1")
    assert (renewal.status, renewal.paid, renewal.payment_method.id) == ("succeeded", True, method_id)
    assert sandbox.wait_idle()
    assert receiver.events() == ["payment.succeeded", "payment.succeeded"]
    assert receiver.received[-1]["object"]["id"] == renewal.id


@pytest.mark.parametrize(("outcome", "party", "reason"), [
    ("insufficient_funds", "payment_network", "insufficient_funds"),
    ("declined", "payment_network", "general_decline"),
    ("permission_revoked", "yoo_money", "permission_revoked"),
])
def test_yookassa_autopay_override(sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client,
                                   outcome: str, party: str, reason: str) -> None:
    method_id = saved_yookassa_method(http)
    assert http.post(f"{sandbox.base_url}/_sandbox/autopay", json={"outcome": outcome}).json()["autopay"] == outcome
    renewal = Payment.create({"amount": {"value": "9990.00", "currency": "RUB"}, "capture": True,
                              "payment_method_id": method_id, "receipt": yk_receipt()}, "renew-2")
    assert renewal.status == "canceled"
    assert (renewal.cancellation_details.party, renewal.cancellation_details.reason) == (party, reason)
    assert sandbox.wait_idle()
    assert receiver.events()[-1] == "payment.canceled"


def test_yookassa_autopay_uses_the_cards_own_outcome_and_needs_a_saved_method(
    sandbox: PaymentSandbox, http: httpx.Client
) -> None:
    method_id = saved_yookassa_method(http, card="5555555555554592")
    renewal = Payment.create({"amount": {"value": "9990.00", "currency": "RUB"}, "capture": True,
                              "payment_method_id": method_id, "receipt": yk_receipt()}, "renew-3")
    assert (renewal.status, renewal.cancellation_details.reason) == ("canceled", "insufficient_funds")

    unsaved = Payment.create(yk_params(save=False), "once-1")
    card_form(http, unsaved.confirmation.confirmation_url, "5555555555554444")
    unsaved_method = Payment.find_one(unsaved.id).payment_method
    assert unsaved_method.saved is False
    for bad_id in (unsaved_method.id, "2f1a0c3e-000f-5000-8000-000000000000"):
        with pytest.raises(BadRequestError) as error:
            Payment.create({"amount": {"value": "9990.00", "currency": "RUB"}, "capture": True,
                            "payment_method_id": bad_id, "receipt": yk_receipt()}, f"renew-{bad_id}")
        assert error.value.content["parameter"] == "payment_method_id"


def renew(method_id: str, key: str) -> Any:
    return Payment.create({"amount": {"value": "9990.00", "currency": "RUB"}, "capture": True,
                           "payment_method_id": method_id, "description": "Продление", "receipt": yk_receipt()}, key)


def test_yookassa_pending_autopay_is_decided_later(sandbox: PaymentSandbox, receiver: Receiver,
                                                   http: httpx.Client) -> None:
    """Brief §1 "Autopayment": the answer may be final or still pending; then a notification / GET decides."""
    method_id = saved_yookassa_method(http)
    switches = http.post(f"{sandbox.base_url}/_sandbox/autopay", json={"pending": True}).json()
    assert (switches["autopay"], switches["autopay_pending"]) == ("card", True)

    renewal = renew(method_id, "renew-p1")
    assert (renewal.status, renewal.paid, renewal.payment_method.id, renewal.payment_method.saved) == (
        "pending", False, method_id, True)
    assert renewal.confirmation is None
    assert renew(method_id, "renew-p1").id == renewal.id  # the same key: the same (pending) answer
    with pytest.raises(BadRequestError):
        Payment.cancel(renewal.id, "renew-p1:cancel")  # the shop cannot withdraw it, only wait
    assert sandbox.wait_idle()
    assert receiver.events() == ["payment.succeeded"]  # only the first checkout's
    assert Payment.find_one(renewal.id).status == "pending"

    settled = http.post(f"{sandbox.base_url}/_sandbox/settle", json={"id": renewal.id})
    assert [item["status"] for item in settled.json()["settled"]] == ["succeeded"]
    assert receiver.events() == ["payment.succeeded", "payment.succeeded"]
    assert receiver.received[-1]["object"]["id"] == renewal.id
    found = Payment.find_one(renewal.id)
    assert (found.status, found.paid) == ("succeeded", True)
    assert http.post(f"{sandbox.base_url}/_sandbox/settle", json={"id": renewal.id}).status_code == 404


def test_yookassa_pending_autopay_can_end_declined_and_settle_takes_them_all(
    sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client
) -> None:
    method_id = saved_yookassa_method(http)
    http.post(f"{sandbox.base_url}/_sandbox/autopay", json={"outcome": "insufficient_funds", "pending": True})
    first, second = renew(method_id, "renew-p2"), renew(method_id, "renew-p3")
    assert (first.status, second.status) == ("pending", "pending")

    settled = http.post(f"{sandbox.base_url}/_sandbox/settle", json={}).json()["settled"]
    assert {(item["id"], item["status"], item["cancellation_details"]["reason"]) for item in settled} == {
        (first.id, "canceled", "insufficient_funds"), (second.id, "canceled", "insufficient_funds")}
    assert receiver.events()[-2:] == ["payment.canceled", "payment.canceled"]
    assert http.post(f"{sandbox.base_url}/_sandbox/settle", json={}).json() == {"settled": []}

    http.post(f"{sandbox.base_url}/_sandbox/autopay", json={"outcome": "card", "pending": False})
    assert renew(method_id, "renew-p4").status == "succeeded"  # final at once again


# --- YooKassa: refunds -----------------------------------------------------------------------------------


def test_yookassa_refunds_partial_then_full(sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client) -> None:
    payment = Payment.create(yk_params(), "ord-60:1")
    with pytest.raises(BadRequestError) as not_paid:
        Refund.create({"payment_id": payment.id, "amount": {"value": "100.00", "currency": "RUB"},
                       "receipt": yk_receipt("100.00")}, "refund-0")
    assert not_paid.value.content["parameter"] == "payment_id"
    card_form(http, payment.confirmation.confirmation_url, "5555555555554444")

    partial = Refund.create({"payment_id": payment.id, "amount": {"value": "990.00", "currency": "RUB"},
                             "description": "Возврат части", "receipt": yk_receipt("990.00")}, "refund-1")
    assert (partial.status, partial.payment_id, partial.amount.value) == ("succeeded", payment.id, 990.0)
    assert Refund.find_one(partial.id).id == partial.id
    assert Payment.find_one(payment.id).refunded_amount.value == 990.0
    with pytest.raises(BadRequestError) as over:
        Refund.create({"payment_id": payment.id, "amount": {"value": "9000.01", "currency": "RUB"},
                       "receipt": yk_receipt("9000.01")}, "refund-2")
    assert over.value.content["parameter"] == "amount"
    with pytest.raises(BadRequestError) as no_receipt:
        Refund.create({"payment_id": payment.id, "amount": {"value": "9000.00", "currency": "RUB"}}, "refund-3")
    assert no_receipt.value.content["parameter"] == "receipt"
    rest = Refund.create({"payment_id": payment.id, "amount": {"value": "9000.00", "currency": "RUB"},
                          "receipt": yk_receipt("9000.00")}, "refund-4")
    assert rest.status == "succeeded"
    assert Payment.find_one(payment.id).refundable is False
    assert sandbox.wait_idle()
    assert receiver.events() == ["payment.succeeded", "refund.succeeded", "refund.succeeded"]
    assert receiver.received[-1]["object"] == {
        "id": rest.id, "payment_id": payment.id, "status": "succeeded",
        "amount": {"value": "9000.00", "currency": "RUB"}, "created_at": receiver.received[-1]["object"]["created_at"]}
    with pytest.raises(NotFoundError):
        Refund.find_one("2f1a0c3e-000f-5000-8000-1a2b3c4d5e6f")


# --- T-Bank ------------------------------------------------------------------------------------------------


def test_tinkoff_recurrent_checkout_notifies_authorized_then_confirmed(
    payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client
) -> None:
    base = payment_sandbox.base_url
    answer = tb_init(http, base, receiver)
    payment_id = answer["PaymentId"]
    assert isinstance(payment_id, str)
    assert payment_id.isdigit()
    assert (answer["ErrorCode"], answer["Status"], answer["Amount"], answer["OrderId"]) == ("0", "NEW", 999000,
                                                                                            "sub-42")
    assert answer["PaymentURL"] == f"{base}/checkout/tinkoff/{payment_id}"

    page = http.get(answer["PaymentURL"])
    assert "9\u00a0990,00\u00a0₽" in page.text
    assert "2201 3820 0000 0013" in page.text
    assert tbank(http, base, "GetState", PaymentId=payment_id)["Status"] == "FORM_SHOWED"

    redirect = card_form(http, answer["PaymentURL"], "2201382000000013").headers["location"]
    assert redirect.startswith(SUCCESS_URL + "?")
    assert parse_qs(urlsplit(redirect).query)["PaymentId"] == [payment_id]
    assert receiver.events() == ["AUTHORIZED", "CONFIRMED"]
    for notification in receiver.received:
        assert token_is_valid(notification, PASSWORD)
        assert notification["Success"] is True
        assert notification["ErrorCode"] == "0"
        assert notification["PaymentId"] == int(payment_id)
        assert (notification["Amount"], notification["OrderId"]) == (999000, "sub-42")
        assert (notification["Pan"], notification["ExpDate"]) == ("220138******0013", "1230")
        assert isinstance(notification["CardId"], int)
        assert notification["DATA"] == {"Email": "owner@example.ru"}
    # Init_FULL.Recurrent: RebillId comes in the AUTHORIZED notification — not in CONFIRMED, not in GetState.
    assert isinstance(receiver.received[0]["RebillId"], int)
    assert "RebillId" not in receiver.received[1]

    state = tbank(http, base, "GetState", PaymentId=payment_id)
    assert state["Status"] == "CONFIRMED"
    assert "RebillId" not in state
    cards = tbank(http, base, "GetCardList", CustomerKey="account-42")
    assert cards == [{"CardId": str(receiver.received[0]["CardId"]), "Pan": "220138******0013", "Status": "A",
                      "CardType": 0, "ExpDate": "1230", "RebillId": str(receiver.received[0]["RebillId"])}]


def test_tinkoff_challenge_card_and_its_failure(payment_sandbox: PaymentSandbox, receiver: Receiver,
                                                http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    ok = tb_init(http, base, receiver, "sub-43")
    assert card_form(http, ok["PaymentURL"], "2201382000000047").headers["location"].endswith("/3ds")
    assert tbank(http, base, "GetState", PaymentId=ok["PaymentId"])["Status"] == "3DS_CHECKING"
    answer = http.post(f"{ok['PaymentURL']}/3ds", data={"code": "1qwezxc", "action": "confirm"})
    assert answer.headers["location"].startswith(SUCCESS_URL)

    bad = tb_init(http, base, receiver, "sub-44")
    card_form(http, bad["PaymentURL"], "2201382000000047")
    answer = http.post(f"{bad['PaymentURL']}/3ds", data={"code": "wrong", "action": "confirm"})
    assert answer.headers["location"].startswith(FAIL_URL)
    assert tbank(http, base, "GetState", PaymentId=bad["PaymentId"])["Status"] == "AUTH_FAIL"
    assert receiver.events() == ["AUTHORIZED", "CONFIRMED", "AUTH_FAIL"]


@pytest.mark.parametrize(("card", "status", "code"), [
    ("2201382000000831", "REJECTED", "1051"),
    ("2201382000000021", "REJECTED", "1005"),
    ("2201382000000005", "AUTH_FAIL", "101"),
])
def test_tinkoff_declines(payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client,
                          card: str, status: str, code: str) -> None:
    base = payment_sandbox.base_url
    answer = tb_init(http, base, receiver)
    redirect = card_form(http, answer["PaymentURL"], card).headers["location"]
    assert redirect.startswith(FAIL_URL + "?")
    assert parse_qs(urlsplit(redirect).query)["Success"] == ["false"]
    (notification,) = receiver.received
    assert (notification["Status"], notification["Success"], notification["ErrorCode"]) == (status, False, code)
    assert "RebillId" not in notification
    assert token_is_valid(notification, PASSWORD)
    assert tbank(http, base, "GetState", PaymentId=answer["PaymentId"])["Status"] == status


def test_tinkoff_abandon_and_cancel(payment_sandbox: PaymentSandbox, receiver: Receiver,
                                    http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    answer = tb_init(http, base, receiver)
    redirect = http.post(f"{answer['PaymentURL']}/abandon").headers["location"]
    assert redirect.startswith(FAIL_URL)
    assert tbank(http, base, "GetState", PaymentId=answer["PaymentId"])["Status"] == "DEADLINE_EXPIRED"
    assert receiver.events() == []  # brief §4.3: the outcome is read with GetState; no notification is promised

    fresh = tb_init(http, base, receiver, "sub-45", recurrent=False)
    canceled = tbank(http, base, "Cancel", PaymentId=fresh["PaymentId"])
    assert (canceled["Success"], canceled["Status"]) == (True, "CANCELED")
    assert tbank(http, base, "Cancel", PaymentId=fresh["PaymentId"])["ErrorCode"] == "8"


def test_tinkoff_refunds(payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    answer = tb_init(http, base, receiver, recurrent=False)
    payment_sandbox.complete("tinkoff", answer["PaymentId"], "2200770239097761")
    partial = tbank(http, base, "Cancel", PaymentId=answer["PaymentId"], Amount=300000)
    assert (partial["Status"], partial["OriginalAmount"], partial["NewAmount"]) == ("PARTIAL_REFUNDED", 999000, 699000)
    assert tbank(http, base, "Cancel", PaymentId=answer["PaymentId"], Amount=700000)["ErrorCode"] == "330"
    assert tbank(http, base, "Cancel", PaymentId=answer["PaymentId"])["Status"] == "REFUNDED"
    assert payment_sandbox.wait_idle()
    assert receiver.events() == ["AUTHORIZED", "CONFIRMED", "PARTIAL_REFUNDED", "REFUNDED"]


def test_tinkoff_request_checks(payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client) -> None:
    url = f"{payment_sandbox.base_url}/tinkoff/v2/Init"
    fields = {"TerminalKey": TERMINAL, "Amount": 999000, "OrderId": "sub-46", "Receipt": tb_receipt()}

    def post(body: dict) -> dict:
        response = http.post(url, json=body)
        assert response.status_code == 200
        assert response.json()["Success"] is False
        return response.json()

    assert post({**fields, "Token": "0" * 64})["ErrorCode"] == "204"
    assert post(fields)["ErrorCode"] == "204"  # no Token
    with_password = {**fields, "Password": PASSWORD}
    answer = post({**with_password, "Token": tinkoff_token(with_password, PASSWORD)})
    assert answer["ErrorCode"] == "204"
    assert "Password" in answer["Details"]
    stranger = {**fields, "TerminalKey": "OtherTerminal"}
    assert post({**stranger, "Token": tinkoff_token(stranger, PASSWORD)})["ErrorCode"] == "501"

    base = payment_sandbox.base_url
    for receipt, code in ((tb_receipt(990000), "334"), (None, "309"),
                          ({**tb_receipt(), "Email": ""}, "9999"),
                          ({**tb_receipt(), "Items": [{**tb_receipt()["Items"][0], "Amount": 1}]}, "9999")):
        body = {"Amount": 999000, "OrderId": "sub-46"} | ({"Receipt": receipt} if receipt else {})
        assert tbank(http, base, "Init", **body)["ErrorCode"] == code
    assert tbank(http, base, "Init", Amount=999000, OrderId="sub-46", Recurrent="Y",
                 Receipt=tb_receipt())["ErrorCode"] == "9999"  # Recurrent without CustomerKey
    assert tbank(http, base, "GetState", PaymentId="1")["ErrorCode"] == "255"
    assert tbank(http, base, "GetCardList", CustomerKey="nobody")["ErrorCode"] == "7"
    assert payment_sandbox.payments()["tinkoff"] == []


def test_tinkoff_charge(payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    first = tb_init(http, base, receiver)
    payment_sandbox.complete("tinkoff", first["PaymentId"], "2201382000000013")
    rebill_id = rebill_of(receiver)

    renewal = tb_init(http, base, receiver, "sub-42-02", recurrent=False, CustomerKey="account-42")
    charged = tbank(http, base, "Charge", PaymentId=renewal["PaymentId"], RebillId=rebill_id)
    assert (charged["Success"], charged["ErrorCode"], charged["Status"]) == (True, "0", "CONFIRMED")
    assert payment_sandbox.wait_idle()
    assert receiver.events()[-2:] == ["AUTHORIZED", "CONFIRMED"]
    assert receiver.received[-1]["CardId"] == receiver.received[0]["CardId"]
    assert all(token_is_valid(item, PASSWORD) for item in receiver.received)
    again = tbank(http, base, "Charge", PaymentId=renewal["PaymentId"], RebillId=rebill_id)
    assert (again["Success"], again["ErrorCode"]) == (False, "8")

    payment_sandbox.set_autopay("insufficient_funds")
    poor = tb_init(http, base, receiver, "sub-42-03", recurrent=False)
    declined = tbank(http, base, "Charge", PaymentId=poor["PaymentId"], RebillId=str(rebill_id))
    assert (declined["Success"], declined["ErrorCode"], declined["Status"]) == (False, "1051", "REJECTED")
    assert payment_sandbox.wait_idle()
    assert (receiver.received[-1]["Status"], receiver.received[-1]["ErrorCode"]) == ("REJECTED", "1051")
    assert tbank(http, base, "GetState", PaymentId=poor["PaymentId"])["Status"] == "REJECTED"


def test_tinkoff_charge_uses_the_cards_own_outcome(payment_sandbox: PaymentSandbox, receiver: Receiver,
                                                   http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    first = tb_init(http, base, receiver)
    payment_sandbox.complete("tinkoff", first["PaymentId"], "2201382000000997")
    renewal = tb_init(http, base, receiver, "sub-42-02", recurrent=False)
    charged = tbank(http, base, "Charge", PaymentId=renewal["PaymentId"], RebillId=rebill_of(receiver))
    assert (charged["Success"], charged["ErrorCode"]) == (False, "1051")


def test_tinkoff_reply_must_be_exactly_ok(payment_sandbox: PaymentSandbox, receiver: Receiver,
                                          http: httpx.Client) -> None:
    receiver.replies.extend([(200, b"ok"), (200, b"OK\n"), (200, b'{"status": "OK"}'), (500, b"OK")])
    answer = tb_init(http, payment_sandbox.base_url, receiver)
    payment_sandbox.complete("tinkoff", answer["PaymentId"], "2201382000000013")
    attempts = [(d["event"], d["attempt"], d["response"], d["delivered"]) for d in payment_sandbox.deliveries()]
    assert attempts == [
        ("AUTHORIZED", 1, "ok", False), ("AUTHORIZED", 2, "OK\n", False),
        ("AUTHORIZED", 3, '{"status": "OK"}', False),
        ("CONFIRMED", 1, "OK", False), ("CONFIRMED", 2, "OK", True),
    ]
    assert payment_sandbox.deliveries()[3]["http_status"] == 500


def test_tinkoff_duplicate_and_out_of_order_notifications(payment_sandbox: PaymentSandbox, receiver: Receiver,
                                                          http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    switches = http.post(f"{base}/_sandbox/notifications", json={"duplicate": True, "out_of_order": True}).json()
    assert (switches["notifications"]["duplicate"], switches["notifications"]["out_of_order"]) == (True, True)
    answer = tb_init(http, base, receiver)
    completed = http.post(f"{base}/_sandbox/complete", json={
        "provider": "tinkoff", "id": answer["PaymentId"], "card": "2201382000000047"}).json()
    assert completed["Status"] == "CONFIRMED"
    assert receiver.events() == ["CONFIRMED", "AUTHORIZED", "CONFIRMED", "AUTHORIZED"]


def test_tinkoff_faults(payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    payment_sandbox.set_fault("tinkoff", "http_500", times=1)
    body = {"TerminalKey": TERMINAL, "Amount": 999000, "OrderId": "sub-47", "Receipt": tb_receipt()}
    body["Token"] = tinkoff_token(body, PASSWORD)
    assert http.post(f"{base}/tinkoff/v2/Init", json=body).status_code == 500
    assert payment_sandbox.payments()["tinkoff"] == []

    payment_sandbox.set_fault("tinkoff", "timeout", times=1, delay=2.0)
    with pytest.raises(httpx.ReadTimeout):
        http.post(f"{base}/tinkoff/v2/Init", json=body, timeout=0.3)
    found = tbank(http, base, "CheckOrder", OrderId="sub-47")  # what a client does before a new Init
    assert [(item["Status"], item["Amount"]) for item in found["Payments"]] == [("NEW", 999000)]


def tb_switch(http: httpx.Client, base: str, **body: Any) -> dict:
    response = http.post(f"{base}/_sandbox/tinkoff", json=body)
    assert response.status_code == 200, response.text
    return response.json()["tinkoff"]


def test_tinkoff_rebill_id_only_for_a_recurrent_payment_and_only_on_authorized(
    payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client
) -> None:
    base = payment_sandbox.base_url
    plain = tb_init(http, base, receiver, "sub-50", recurrent=False, CustomerKey="account-50")
    payment_sandbox.complete("tinkoff", plain["PaymentId"], "2201382000000013")
    assert receiver.events() == ["AUTHORIZED", "CONFIRMED"]
    assert not any("RebillId" in item for item in receiver.received)  # no Recurrent=Y: nothing to charge later
    recurrent = tb_init(http, base, receiver, "sub-51")
    payment_sandbox.complete("tinkoff", recurrent["PaymentId"], "2201382000000013")
    authorized, confirmed = receiver.received[2:]
    assert (authorized["Status"], confirmed["Status"]) == ("AUTHORIZED", "CONFIRMED")
    assert "RebillId" in authorized
    assert "RebillId" not in confirmed
    assert "RebillId" not in tbank(http, base, "GetState", PaymentId=recurrent["PaymentId"])
    [card] = tbank(http, base, "GetCardList", CustomerKey="account-42")
    assert card["RebillId"] == str(authorized["RebillId"])  # how a merchant that lost AUTHORIZED recovers it


def test_tinkoff_two_stage_terminal_stops_at_authorized_unless_pay_type_is_o(
    payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client
) -> None:
    base = payment_sandbox.base_url
    assert tb_switch(http, base, two_stage=True)["two_stage"] is True
    held = tb_init(http, base, receiver, "sub-52")  # no PayType: the terminal's two-stage scheme
    redirect = card_form(http, held["PaymentURL"], "2201382000000013").headers["location"]
    assert redirect.startswith(SUCCESS_URL + "?")
    assert receiver.events() == ["AUTHORIZED"]
    assert tbank(http, base, "GetState", PaymentId=held["PaymentId"])["Status"] == "AUTHORIZED"
    rebill_id = rebill_of(receiver)

    renewal = tb_init(http, base, receiver, "sub-52-02", recurrent=False)
    charged = tbank(http, base, "Charge", PaymentId=renewal["PaymentId"], RebillId=rebill_id)
    assert (charged["Success"], charged["Status"]) == (True, "AUTHORIZED")  # Charge, "Двухстадийная оплата"
    confirmed = tbank(http, base, "Confirm", PaymentId=renewal["PaymentId"])
    assert (confirmed["Success"], confirmed["Status"]) == (True, "CONFIRMED")
    assert tbank(http, base, "Confirm", PaymentId=renewal["PaymentId"])["ErrorCode"] == "8"
    reversed_ = tbank(http, base, "Cancel", PaymentId=held["PaymentId"])
    assert (reversed_["Status"], reversed_["NewAmount"]) == ("REVERSED", 0)

    one_stage = tb_init(http, base, receiver, "sub-52-03", recurrent=False, PayType="O")
    charged = tbank(http, base, "Charge", PaymentId=one_stage["PaymentId"], RebillId=rebill_id)
    assert (charged["Success"], charged["Status"]) == (True, "CONFIRMED")
    assert tb_init(http, base, receiver, "sub-52-04", PayType="T")["Success"] is True
    assert tbank(http, base, "Init", Amount=999000, OrderId="sub-52-05", PayType="X",
                 Receipt=tb_receipt())["ErrorCode"] == "9999"
    assert payment_sandbox.wait_idle()
    assert receiver.events()[1:] == ["AUTHORIZED", "CONFIRMED", "REVERSED", "AUTHORIZED", "CONFIRMED"]


@pytest.mark.parametrize("code", ["9999", "3"])
def test_tinkoff_charge_internal_error_while_the_payment_goes_through(
    payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client, code: str
) -> None:
    base = payment_sandbox.base_url
    first = tb_init(http, base, receiver)
    payment_sandbox.complete("tinkoff", first["PaymentId"], "2201382000000013")
    rebill_id = rebill_of(receiver)
    tb_switch(http, base, charge_error=code, times=1)

    renewal = tb_init(http, base, receiver, "sub-53-02", recurrent=False)
    answer = tbank(http, base, "Charge", PaymentId=renewal["PaymentId"], RebillId=rebill_id)
    assert (answer["Success"], answer["ErrorCode"]) == (False, code)  # brief §2: 3 / 9999 are internal errors
    assert "Status" not in answer
    assert tbank(http, base, "GetState", PaymentId=renewal["PaymentId"])["Status"] == "CONFIRMED"  # it went through
    assert payment_sandbox.wait_idle()
    assert receiver.events()[-2:] == ["AUTHORIZED", "CONFIRMED"]
    assert tbank(http, base, "Charge", PaymentId=renewal["PaymentId"], RebillId=rebill_id)["ErrorCode"] == "8"
    assert tb_switch(http, base)["charge_error"]["code"] == "none"  # armed for one Charge only

    tb_switch(http, base, charge_error=code, times=1, settle_after_reads=2)
    later = tb_init(http, base, receiver, "sub-53-03", recurrent=False)
    assert tbank(http, base, "Charge", PaymentId=later["PaymentId"], RebillId=rebill_id)["ErrorCode"] == code
    assert tbank(http, base, "GetState", PaymentId=later["PaymentId"])["Status"] == "AUTHORIZING"
    [listed] = tbank(http, base, "CheckOrder", OrderId="sub-53-03")["Payments"]
    assert listed["Status"] == "CONFIRMED"  # the second read: confirmed later, and notified then
    assert payment_sandbox.wait_idle()
    assert [item["PaymentId"] for item in receiver.received[-2:]] == [int(later["PaymentId"])] * 2


def test_tinkoff_charge_is_off_until_enabled(payment_sandbox: PaymentSandbox, receiver: Receiver,
                                             http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    first = tb_init(http, base, receiver)
    payment_sandbox.complete("tinkoff", first["PaymentId"], "2201382000000013")
    tb_switch(http, base, charge_enabled=False)
    renewal = tb_init(http, base, receiver, "sub-54-02", recurrent=False)
    refused = tbank(http, base, "Charge", PaymentId=renewal["PaymentId"], RebillId=rebill_of(receiver))
    assert (refused["Success"], refused["ErrorCode"]) == (False, "10")  # brief §2: ErrorCode 10 until enabled
    assert http.post(f"{base}/_sandbox/tinkoff", json={"charge_error": "500"}).status_code == 400
    assert http.post(f"{base}/_sandbox/reset").json()["tinkoff"]["charge_enabled"] is True


def test_tinkoff_check_order_is_typed_as_documented(payment_sandbox: PaymentSandbox, receiver: Receiver,
                                                    http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    paid = tb_init(http, base, receiver, "sub-55")
    payment_sandbox.complete("tinkoff", paid["PaymentId"], "2201382000000013")
    declined = tb_init(http, base, receiver, "sub-55")  # OrderId is not unique at T-Bank
    payment_sandbox.complete("tinkoff", declined["PaymentId"], "2201382000000831")
    answer = tbank(http, base, "CheckOrder", OrderId="sub-55")
    assert (answer["Success"], answer["ErrorCode"]) == (True, "0")
    # PaymentsCheckOrder (OpenAPI v1.80): PaymentId string, Amount number, Success string, ErrorCode number.
    assert answer["Payments"] == [
        {"PaymentId": paid["PaymentId"], "Amount": 999000, "Status": "CONFIRMED", "RRN": "", "Success": "true",
         "ErrorCode": 0, "Message": "OK"},
        {"PaymentId": declined["PaymentId"], "Amount": 999000, "Status": "REJECTED", "RRN": "", "Success": "false",
         "ErrorCode": 1051, "Message": "Недостаточно средств на карте."},
    ]


def tb_item(**changes: Any) -> dict:
    item = {**tb_receipt()["Items"][0], "MeasurementUnit": "шт", **changes}
    return {key: value for key, value in item.items() if value is not None}


@pytest.mark.parametrize(("receipt", "code"), [
    ({**tb_receipt(), "FfdVersion": "1.2", "Items": [tb_item(PaymentMethod=None)]}, "201"),
    ({**tb_receipt(), "FfdVersion": "1.2", "Items": [tb_item(PaymentObject=None)]}, "201"),
    ({**tb_receipt(), "FfdVersion": "1.2", "Items": [tb_item(MeasurementUnit=None)]}, "201"),
    ({**tb_receipt(), "FfdVersion": "1.2", "Items": [tb_item(MeasurementUnit=" ")]}, "201"),
    ({**tb_receipt(), "FfdVersion": "1.2", "Items": [tb_item(PaymentMethod="full")]}, "9999"),
    ({**tb_receipt(), "FfdVersion": "1.2", "Items": [tb_item(PaymentObject="subscription")]}, "9999"),
    ({**tb_receipt(), "Items": [tb_item(PaymentObject="goods_with_marking_code")]}, "9999"),  # 1.2-only value
    ({**tb_receipt(), "FfdVersion": "1.1"}, "9999"),
    ({**tb_receipt(), "Taxation": "envd"}, "9999"),
    ({**tb_receipt(), "Payments": {"Electronic": 990000}}, "308"),
    ({**tb_receipt(), "Payments": {"Electronic": 999000, "Cash": 100}}, "308"),
    ({**tb_receipt(), "FfdVersion": "1.2", "Items": [tb_item()], "Payments": {"Electronic": 999000}}, "0"),
    ({**tb_receipt(), "Items": [tb_item(PaymentMethod=None, PaymentObject=None, MeasurementUnit=None)]}, "0"),
])
def test_tinkoff_receipt_checks_follow_ffd(payment_sandbox: PaymentSandbox, http: httpx.Client, receipt: dict,
                                           code: str) -> None:
    answer = tbank(http, payment_sandbox.base_url, "Init", Amount=999000, OrderId="sub-56", Receipt=receipt)
    assert answer["ErrorCode"] == code, answer
    assert answer["Success"] is (code == "0")


def test_tinkoff_lost_notifications_leave_get_state_and_the_card_list(
    payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client
) -> None:
    base = payment_sandbox.base_url
    http.post(f"{base}/_sandbox/notifications", json={"lost": True})
    answer = tb_init(http, base, receiver, "sub-57")
    payment_sandbox.complete("tinkoff", answer["PaymentId"], "2201382000000013")
    assert receiver.received == []
    assert [(d["event"], d["delivered"]) for d in payment_sandbox.deliveries()] == [
        ("AUTHORIZED", False), ("CONFIRMED", False)]
    assert tbank(http, base, "GetState", PaymentId=answer["PaymentId"])["Status"] == "CONFIRMED"
    [card] = tbank(http, base, "GetCardList", CustomerKey="account-42")
    assert card["RebillId"] == str(payment_sandbox.deliveries()[0]["payload"]["RebillId"])


# --- control API, pages, construction and the command -------------------------------------------------


def test_control_api(payment_sandbox: PaymentSandbox, receiver: Receiver, http: httpx.Client) -> None:
    base = payment_sandbox.base_url
    index = http.get(f"{base}/")
    assert index.status_code == 200
    assert "5555 5555 5555 4535" in index.text
    assert "2201 3820 0000 0831" in index.text
    assert http.post(f"{base}/_sandbox/faults", json={"provider": "sberbank", "mode": "http_500"}).status_code == 400
    assert http.post(f"{base}/_sandbox/autopay", json={"outcome": "maybe"}).status_code == 400
    assert http.post(f"{base}/_sandbox/complete", json={"provider": "tinkoff", "id": "1",
                                                       "card": "2201382000000013"}).status_code == 404
    answer = tb_init(http, base, receiver)
    assert http.post(f"{base}/_sandbox/complete", json={"provider": "tinkoff", "id": answer["PaymentId"],
                                                       "card": "5555555555554444"}).status_code == 400
    abandoned = http.post(f"{base}/_sandbox/complete", json={"provider": "tinkoff", "id": answer["PaymentId"],
                                                            "abandon": True})
    assert abandoned.json()["Status"] == "DEADLINE_EXPIRED"
    assert http.post(f"{base}/_sandbox/complete", json={"provider": "tinkoff", "id": answer["PaymentId"],
                                                       "abandon": True}).status_code == 400
    assert http.get(f"{base}/_sandbox/deliveries").json()["deliveries"] == []  # DEADLINE_EXPIRED: not notified
    created = yk_raw(http, base, yk_params()).json()
    completed = http.post(f"{base}/_sandbox/complete", json={"provider": "yookassa", "id": created["id"],
                                                            "card": "5555555555554477", "code": "00000"}).json()
    assert (completed["status"], completed["cancellation_details"]["reason"]) == ("canceled", "3d_secure_failed")
    http.post(f"{base}/_sandbox/faults", json={"provider": "yookassa", "mode": "timeout", "times": 3, "delay": 1})
    assert http.post(f"{base}/_sandbox/reset").json()["faults"]["yookassa"]["mode"] == "none"
    assert http.get(f"{base}/_sandbox/payments").json() == {"yookassa": [], "tinkoff": []}
    assert http.get(f"{base}/_sandbox/deliveries").json() == {"deliveries": []}


def test_only_loopback() -> None:
    for host in ("0.0.0.0", "10.0.0.1", "example.ru"):  # noqa: S104
        with pytest.raises(ValueError, match="loopback"):
            PaymentSandbox((host, 0))


def test_command_refuses_production_and_a_disabled_sandbox(settings: Any) -> None:
    settings.APP_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("run_payment_sandbox")
    settings.APP_ENV = "development"
    settings.PAYMENT_SANDBOX_URL = ""
    with pytest.raises(CommandError, match="PAYMENT_SANDBOX_URL"):
        call_command("run_payment_sandbox")
    settings.PAYMENT_SANDBOX_URL = "http://127.0.0.1:8026"
    with pytest.raises(CommandError, match="loopback"):
        call_command("run_payment_sandbox", host="0.0.0.0", port=0)  # noqa: S104
