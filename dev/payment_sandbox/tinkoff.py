"""T-Bank (Tinkoff) Acquiring API v2 emulator: Init, GetState, CheckOrder, Cancel, Charge, GetCardList.

One-stage payments only (PayType "O"). Error codes follow T-Bank's list where it is known:
0 OK, 7 customer not found, 8 wrong status, 104 recurrent payment refused, 204 bad token,
255 payment not found, 308 receipt total ≠ Amount, 309 no Receipt, 330 refund above the balance,
501 unknown terminal, 9999 invalid parameters; declines 1051 (insufficient funds), 1005 (issuer
refused), 101 (3-D Secure failed).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from billing.providers.tinkoff_token import tinkoff_token, token_is_valid
from dev.payment_sandbox.cards import TINKOFF_3DS_CODE, CardEntry
from dev.payment_sandbox.common import MAX_PAYMENTS, BoundedDict, Notice, Reply, Step, add_query, http_url_ok

MAX_CUSTOMERS = 2000
METHODS = ("Init", "GetState", "CheckOrder", "Cancel", "Charge", "GetCardList")
TAXATIONS = {"osn", "usn_income", "usn_income_outcome", "envd", "esn", "patent"}
TAXES = {"none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22", "vat105", "vat107", "vat110", "vat120", "vat122"}
# A payment the customer can still pay, abandon or cancel.
CHECKOUT_STATUSES = ("NEW", "FORM_SHOWED", "3DS_CHECKING")
# outcome → (Status, ErrorCode, Message)
DECLINES = {
    "insufficient_funds": ("REJECTED", "1051", "Недостаточно средств на карте."),
    "declined": ("REJECTED", "1005", "Платёж отклонён банком, выпустившим карту."),
    "permission_revoked": ("REJECTED", "104", "Ошибка выполнения рекуррентного платежа."),
    "3ds_failed": ("AUTH_FAIL", "101", "Не пройдена идентификация 3-D Secure."),
    "abandoned": ("DEADLINE_EXPIRED", "0", "Срок оплаты истёк."),
}
DECLINED_STATUSES = {status for status, _code, _message in DECLINES.values()}


class _Fail(Exception):
    def __init__(self, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def _invalid(details: str) -> _Fail:
    return _Fail("9999", "Неверные параметры.", details)


@dataclass
class _SavedCard:
    card_id: str
    entry: CardEntry
    rebill_id: str = ""


@dataclass
class _Payment:
    payment_id: str
    order_id: str
    amount: int
    description: str = ""
    customer_key: str = ""
    recurrent: bool = False
    notification_url: str = ""
    success_url: str = ""
    fail_url: str = ""
    data: dict | None = None
    status: str = "NEW"
    error_code: str = "0"
    message: str = ""
    saved: _SavedCard | None = None  # the card paid with (CardId, Pan, ExpDate, RebillId)
    three_ds: CardEntry | None = None  # the card waiting on the 3-D Secure page
    balance: int = 0  # not yet refunded, once CONFIRMED
    created: float = field(default_factory=time.time)


def _kopecks(value: object, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _invalid(f"Поле {name} — целое число копеек не меньше {minimum}.")
    return value


def _text(body: dict, name: str, limit: int, *, required: bool = False) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise _invalid(f"Поле {name} обязательно.")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or len(str(value)) > limit:
        raise _invalid(f"Поле {name} — строка до {limit} символов.")
    return str(value)


def _check_receipt(receipt: object, amount: int) -> None:
    if receipt is None:
        raise _Fail("309", "Отсутствует обязательный параметр Receipt.",
                    "Передайте чек (Receipt) с каждым платежом: 54-ФЗ.")
    if not isinstance(receipt, dict):
        raise _invalid("Receipt должен быть объектом.")
    if receipt.get("Taxation") not in TAXATIONS:
        raise _invalid(f"Receipt.Taxation — одно из: {', '.join(sorted(TAXATIONS))}.")
    if not (receipt.get("Email") or receipt.get("Phone")):
        raise _invalid("В чеке нужен Email или Phone покупателя.")
    items = receipt.get("Items")
    if not isinstance(items, list) or not 1 <= len(items) <= 100:
        raise _invalid("Receipt.Items — от 1 до 100 позиций.")
    total = 0
    for index, item in enumerate(items):
        where = f"Receipt.Items[{index}]"
        if not isinstance(item, dict):
            raise _invalid(f"{where} должен быть объектом.")
        name = item.get("Name")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise _invalid(f"{where}.Name — строка от 1 до 128 символов.")
        price = _kopecks(item.get("Price"), f"{where}.Price", minimum=0)
        quantity = item.get("Quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not 0 < quantity <= 99999.999:
            raise _invalid(f"{where}.Quantity — положительное число.")
        item_amount = _kopecks(item.get("Amount"), f"{where}.Amount", minimum=0)
        if item_amount != round(price * quantity):
            raise _invalid(f"{where}.Amount ({item_amount}) ≠ Price × Quantity ({round(price * quantity)}).")
        if item.get("Tax") not in TAXES:
            raise _invalid(f"{where}.Tax — одно из: {', '.join(sorted(TAXES))}.")
        total += item_amount
    if total != amount:
        raise _Fail("308", "Сумма позиций чека не равна сумме платежа.",
                    f"Сумма Items.Amount = {total}, Amount = {amount}.")


def _check_data(data: object) -> dict | None:
    if data is None:
        return None
    if not isinstance(data, dict) or len(data) > 20:
        raise _invalid("DATA — объект не больше чем из 20 пар.")
    for key, value in data.items():
        if len(key) > 20 or not isinstance(value, (str, int, float)) or len(str(value)) > 100:
            raise _invalid("В DATA ключ — до 20 символов, значение — строка до 100 символов.")
    return data


class Tinkoff:
    """The state of one sandbox terminal. Thread-safe; notifications are returned, never sent from here."""

    def __init__(self, terminal_key: str, password: str, base_url: str) -> None:
        self.terminal_key = terminal_key
        self.password = password
        self.base_url = base_url
        self.autopay_override = "card"  # or one of cards.OUTCOMES
        self._lock = threading.RLock()
        self._payments: BoundedDict = BoundedDict(MAX_PAYMENTS)
        self._customers: BoundedDict = BoundedDict(MAX_CUSTOMERS)  # CustomerKey → {card number: _SavedCard}
        self._rebills: BoundedDict = BoundedDict(MAX_CUSTOMERS)  # RebillId → _SavedCard
        self._next_payment_id = 3_000_000_000 + secrets.randbelow(10**9)
        self._next_card_id = 10_000_000 + secrets.randbelow(10**7)

    # --- API ----------------------------------------------------------------------------------------

    def handle(self, method: str, raw: bytes) -> Reply:
        """Answer ``POST /tinkoff/v2/<method>``."""
        if method not in METHODS:
            return Reply(HTTPStatus.NOT_FOUND, self._error(_Fail("9999", "Метод не найден.", method)))
        try:
            body = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return Reply(HTTPStatus.OK, self._error(_invalid("Тело запроса — JSON-объект.")))
        if body.get("TerminalKey") != self.terminal_key:
            return Reply(HTTPStatus.OK, self._error(_Fail("501", "Терминал не найден.")))
        if "Password" in body:
            return Reply(HTTPStatus.OK, self._error(_Fail(
                "204", "Неверный токен. Проверьте пару TerminalKey/SecretKey.",
                "Поле Password не передают в запросе: пароль терминала участвует только в расчёте Token.")))
        if not token_is_valid(body, self.password):
            return Reply(HTTPStatus.OK, self._error(_Fail(
                "204", "Неверный токен. Проверьте пару TerminalKey/SecretKey.",
                "Token не совпадает с рассчитанным по корневым полям запроса и паролю терминала.")))
        with self._lock:
            try:
                return getattr(self, f"_{method.lower()}")(body)
            except _Fail as exc:
                return Reply(HTTPStatus.OK, self._error(exc))

    def _error(self, exc: _Fail) -> dict:
        return {"Success": False, "ErrorCode": exc.code, "Message": exc.message, "Details": exc.details,
                "TerminalKey": self.terminal_key}

    def _find(self, body: dict) -> _Payment:
        payment = self._payments.get(str(body.get("PaymentId", "")))
        if payment is None:
            raise _Fail("255", "Платёж не найден.", f"PaymentId {body.get('PaymentId')!r} не найден.")
        return payment

    def _init(self, body: dict) -> Reply:
        amount = _kopecks(body.get("Amount"), "Amount")
        order_id = _text(body, "OrderId", 36, required=True)
        customer_key = _text(body, "CustomerKey", 36)
        recurrent = body.get("Recurrent")
        if recurrent not in (None, "", "Y"):
            raise _invalid('Recurrent — только "Y".')
        if recurrent == "Y" and not customer_key:
            raise _invalid("С Recurrent=Y нужен CustomerKey.")
        if body.get("PayType") not in (None, "", "O"):
            raise _invalid("Песочница проводит только одностадийные платежи (PayType=O).")
        urls = {}
        for name in ("NotificationURL", "SuccessURL", "FailURL"):
            urls[name] = _text(body, name, 2048)
            if urls[name] and not http_url_ok(urls[name]):
                raise _invalid(f"{name} — адрес http(s).")
        data = _check_data(body.get("DATA"))
        _check_receipt(body.get("Receipt"), amount)
        payment_id = str(self._next_payment_id)
        self._next_payment_id += 1
        self._payments[payment_id] = _Payment(
            payment_id, order_id, amount, description=_text(body, "Description", 140), customer_key=customer_key,
            recurrent=recurrent == "Y", notification_url=urls["NotificationURL"], success_url=urls["SuccessURL"],
            fail_url=urls["FailURL"], data=data,
        )
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "TerminalKey": self.terminal_key, "Status": "NEW",
            "PaymentId": payment_id, "OrderId": order_id, "Amount": amount,
            "PaymentURL": f"{self.base_url}/checkout/tinkoff/{payment_id}",
        })

    def _getstate(self, body: dict) -> Reply:
        payment = self._find(body)
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "Message": "OK", "Details": "", "TerminalKey": self.terminal_key,
            "Status": payment.status, "PaymentId": payment.payment_id, "OrderId": payment.order_id,
            "Amount": payment.amount,
        })

    def _checkorder(self, body: dict) -> Reply:
        order_id = _text(body, "OrderId", 36, required=True)
        found = sorted((p for p in self._payments.values() if p.order_id == order_id), key=lambda p: p.created)
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "Message": "OK", "Details": "", "TerminalKey": self.terminal_key,
            "OrderId": order_id,
            "Payments": [{
                "PaymentId": p.payment_id, "Amount": p.amount, "Status": p.status, "RRN": "",
                "Success": p.error_code == "0", "ErrorCode": p.error_code, "Message": p.message or "OK",
            } for p in found],
        })

    def _cancel(self, body: dict) -> Reply:
        payment = self._find(body)
        original = payment.amount
        notices: list[Notice] = []
        if payment.status in CHECKOUT_STATUSES:
            payment.status, payment.three_ds = "CANCELED", None
        elif payment.status in ("CONFIRMED", "PARTIAL_REFUNDED"):
            amount = payment.balance if body.get("Amount") is None else _kopecks(body["Amount"], "Amount")
            if amount > payment.balance:
                raise _Fail("330", "Сумма отмены больше суммы платежа.",
                            f"Доступно к возврату {payment.balance}, запрошено {amount}.")
            payment.balance -= amount
            payment.status = "REFUNDED" if payment.balance == 0 else "PARTIAL_REFUNDED"
            notices = self._notices(payment, payment.status)
        else:
            raise _Fail("8", "Неверный статус транзакции.", f"Платёж в статусе {payment.status} нельзя отменить.")
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "TerminalKey": self.terminal_key, "Status": payment.status,
            "PaymentId": payment.payment_id, "OrderId": payment.order_id,
            "OriginalAmount": original, "NewAmount": payment.balance,
        }, notices)

    def _charge(self, body: dict) -> Reply:
        payment = self._find(body)
        if payment.status != "NEW":
            raise _Fail("8", "Неверный статус транзакции.",
                        f"Charge проводит только платёж в статусе NEW, а этот — {payment.status}.")
        saved = self._rebills.get(str(body.get("RebillId", "")))
        if saved is None:
            raise _invalid(f"RebillId {body.get('RebillId')!r} не найден.")
        outcome = saved.entry.card.autopay if self.autopay_override == "card" else self.autopay_override
        answer = {"TerminalKey": self.terminal_key, "PaymentId": payment.payment_id, "OrderId": payment.order_id,
                  "Amount": payment.amount}
        if outcome == "success":
            notices = self._succeed(payment, saved.entry, saved)
            return Reply(HTTPStatus.OK, {"Success": True, "ErrorCode": "0", "Status": "CONFIRMED", **answer}, notices)
        notices = self._decline(payment, outcome, saved)
        return Reply(HTTPStatus.OK, {
            "Success": False, "ErrorCode": payment.error_code, "Message": payment.message,
            "Details": "Списание по сохранённой карте отклонено.", "Status": payment.status, **answer,
        }, notices)

    def _getcardlist(self, body: dict) -> Reply:
        customer_key = _text(body, "CustomerKey", 36, required=True)
        cards = self._customers.get(customer_key)
        if cards is None:
            return Reply(HTTPStatus.OK, self._error(_Fail("7", "Покупатель не найден.", customer_key)))
        listing = []
        for saved in cards.values():
            item = {"CardId": saved.card_id, "Pan": saved.entry.card.masked, "Status": "A", "CardType": 0,
                    "ExpDate": saved.entry.exp_mmyy}
            if saved.rebill_id:
                item["RebillId"] = saved.rebill_id
            listing.append(item)
        return Reply(HTTPStatus.OK, listing)  # T-Bank answers GetCardList with a bare array

    # --- checkout -----------------------------------------------------------------------------------

    def payment(self, payment_id: str) -> dict | None:
        """The payment as the control API shows it, or None."""
        with self._lock:
            payment = self._payments.get(payment_id)
            return self._view(payment) if payment else None

    def checkout_info(self, payment_id: str, *, opened: bool = False) -> dict | None:
        """What the checkout pages show; ``opened`` marks the payment form as shown (NEW → FORM_SHOWED)."""
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None:
                return None
            if opened and payment.status == "NEW":
                payment.status = "FORM_SHOWED"
            return {
                "amount": payment.amount, "description": payment.description, "status": payment.status,
                "open": payment.status in CHECKOUT_STATUSES, "three_ds": payment.three_ds is not None,
                "error": payment.message, "return_url": self._redirect(payment),
            }

    def pay(self, payment_id: str, entry: CardEntry) -> Step:
        """The card form was submitted with a valid test card."""
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None or payment.status not in CHECKOUT_STATUSES:
                return self._gone(payment)
            payment.three_ds = None
            if entry.card.three_ds == "challenge":
                payment.status, payment.three_ds = "3DS_CHECKING", entry
                return Step("3ds", self._view(payment))
            outcome = "3ds_failed" if entry.card.three_ds == "rejected" else entry.card.outcome
            return self._final(payment, entry, outcome)

    def confirm_3ds(self, payment_id: str, code: str | None) -> Step:
        """The 3-D Secure page: the code entered, or None for "Отменить"."""
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None or payment.status != "3DS_CHECKING" or payment.three_ds is None:
                return self._gone(payment)
            entry, payment.three_ds = payment.three_ds, None
            ok = code is not None and secrets.compare_digest(code.strip(), TINKOFF_3DS_CODE)
            return self._final(payment, entry, entry.card.outcome if ok else "3ds_failed")

    def abandon(self, payment_id: str) -> Step:
        """"Вернуться в магазин без оплаты": the payment's deadline passes."""
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None or payment.status not in CHECKOUT_STATUSES:
                return self._gone(payment)
            payment.three_ds = None
            return self._final(payment, None, "abandoned")

    def _final(self, payment: _Payment, entry: CardEntry | None, outcome: str) -> Step:
        if outcome == "success" and entry is not None:
            notices = self._succeed(payment, entry, None)
        else:
            notices = self._decline(payment, outcome, self._card(payment, entry) if entry else None)
        return Step("final", self._view(payment), self._redirect(payment), notices)

    def _gone(self, payment: _Payment | None) -> Step:
        if payment is None:
            return Step("missing")
        return Step("closed", self._view(payment), self._redirect(payment))

    def _redirect(self, payment: _Payment) -> str:
        ok = payment.status == "CONFIRMED"
        url = payment.success_url if ok else payment.fail_url
        if not url or payment.status in CHECKOUT_STATUSES:
            return ""
        return add_query(url, {
            "Success": "true" if ok else "false", "ErrorCode": payment.error_code,
            "Message": payment.message or "OK", "OrderId": payment.order_id, "PaymentId": payment.payment_id,
            "Amount": str(payment.amount),
        })

    # --- state changes --------------------------------------------------------------------------------

    def _card(self, payment: _Payment, entry: CardEntry) -> _SavedCard:
        """The card's CardId for this customer (saved when the payment carries a CustomerKey)."""
        cards = self._customers.get(payment.customer_key, {}) if payment.customer_key else {}
        saved = cards.get(entry.card.number)
        if saved is None:
            saved = _SavedCard(str(self._next_card_id), entry)
            self._next_card_id += 1
        return saved

    def _succeed(self, payment: _Payment, entry: CardEntry, saved: _SavedCard | None) -> list[Notice]:
        if saved is None:
            saved = self._card(payment, entry)
            if payment.customer_key:
                cards = self._customers.pop(payment.customer_key, {})
                cards[entry.card.number] = saved
                self._customers[payment.customer_key] = cards
            if payment.recurrent and not saved.rebill_id:
                saved.rebill_id = str(1_000_000_000 + secrets.randbelow(9 * 10**9))
                self._rebills[saved.rebill_id] = saved
        payment.saved = saved
        payment.status, payment.error_code, payment.message = "CONFIRMED", "0", ""
        payment.balance = payment.amount
        return self._notices(payment, "AUTHORIZED") + self._notices(payment, "CONFIRMED")

    def _decline(self, payment: _Payment, outcome: str, saved: _SavedCard | None) -> list[Notice]:
        payment.status, payment.error_code, payment.message = DECLINES[outcome]
        payment.saved = saved
        return self._notices(payment, payment.status)

    def _notices(self, payment: _Payment, status: str) -> list[Notice]:
        if not payment.notification_url:
            return []
        success = status in ("AUTHORIZED", "CONFIRMED", "PARTIAL_REFUNDED", "REFUNDED")
        payload: dict = {
            "TerminalKey": self.terminal_key, "OrderId": payment.order_id, "Success": success, "Status": status,
            "PaymentId": int(payment.payment_id), "ErrorCode": "0" if success else payment.error_code,
            "Amount": payment.amount,
        }
        if payment.saved is not None:
            payload.update(CardId=int(payment.saved.card_id), Pan=payment.saved.entry.card.masked,
                           ExpDate=payment.saved.entry.exp_mmyy)
            if success and payment.recurrent and payment.saved.rebill_id:
                payload["RebillId"] = int(payment.saved.rebill_id)
        if payment.data:
            payload["DATA"] = payment.data
        payload["Token"] = tinkoff_token(payload, self.password)
        return [Notice("tinkoff", payment.notification_url, payload, status, payment.payment_id)]

    def _view(self, payment: _Payment) -> dict:
        view = {
            "TerminalKey": self.terminal_key, "PaymentId": payment.payment_id, "OrderId": payment.order_id,
            "Amount": payment.amount, "Status": payment.status, "ErrorCode": payment.error_code,
            "Success": payment.error_code == "0" and payment.status not in DECLINED_STATUSES,
            "Description": payment.description, "CustomerKey": payment.customer_key,
            "Recurrent": "Y" if payment.recurrent else "", "NotificationURL": payment.notification_url,
            "SuccessURL": payment.success_url, "FailURL": payment.fail_url,
        }
        if payment.saved is not None:
            view.update(CardId=payment.saved.card_id, Pan=payment.saved.entry.card.masked,
                        ExpDate=payment.saved.entry.exp_mmyy, RebillId=payment.saved.rebill_id)
        return view

    # --- control --------------------------------------------------------------------------------------

    def payments(self) -> list[dict]:
        with self._lock:
            return [self._view(payment) for payment in self._payments.values()]

    def reset(self) -> None:
        with self._lock:
            self._payments.clear()
            self._customers.clear()
            self._rebills.clear()
            self.autopay_override = "card"

