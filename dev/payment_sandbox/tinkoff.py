"""T-Bank (Tinkoff) Acquiring API v2 emulator: Init, GetState, CheckOrder, Confirm, Cancel, Charge, GetCardList.

As strict as the documentation (protocol brief ../shared/reference/payments-yookassa-tbank.md §2–§4, and
T-Bank OpenAPI v1.80 as mirrored in kravetsone/t-kassa-api): whatever the documentation leaves open is
emulated the conservative way, so a client that works here does not lean on a convenience T-Bank never
promised. Error codes follow T-Bank's list (developer.tbank.ru/eacq/intro/errors/error-codes):
0 OK, 3 / 9999 internal error (9999 is also what the sandbox answers to parameters it cannot read),
7 customer not found, 8 wrong status, 10 Charge blocked, 104 recurrent payment refused, 201 FFD 1.2
field empty, 204 bad token, 255 payment not found, 308 receipt Payments ≠ items, 309 no Receipt,
330 refund above the balance, 334 receipt total ≠ Amount, 501 unknown terminal; declines 1051
(insufficient funds), 1005 (issuer refused), 101 (3-D Secure failed).

Terminal switches (:meth:`Tinkoff.configure`): a two-stage terminal, Charge disabled, and Charge answering
an internal error while the payment goes through. Lost notifications are the notifier's switch (both providers).
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
METHODS = ("Init", "GetState", "CheckOrder", "Confirm", "Cancel", "Charge", "GetCardList")
# Receipt_FFD_105 / Receipt_FFD_12 `Taxation` (OpenAPI v1.80, brief §3): no `envd` — ЕНВД was abolished in
# 2021 and only the fiscal *notification* schema still lists it.
TAXATIONS = {"osn", "usn_income", "usn_income_outcome", "esn", "patent"}
TAXES = {"none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22", "vat105", "vat107", "vat110", "vat120", "vat122"}
FFD_VERSIONS = {"1.05", "1.2"}
# Items_FFD_105 / Items_FFD_12 `PaymentMethod` (tag 1214) and `PaymentObject` (tag 1212), OpenAPI v1.80.
PAYMENT_METHODS = {"full_prepayment", "prepayment", "advance", "full_payment", "partial_payment", "credit",
                   "credit_payment"}
PAYMENT_OBJECTS_105 = {"commodity", "excise", "job", "service", "gambling_bet", "gambling_prize", "lottery",
                       "lottery_prize", "intellectual_activity", "payment", "agent_commission", "composite",
                       "another"}
PAYMENT_OBJECTS_12 = (PAYMENT_OBJECTS_105 - {"composite"}) | {
    "contribution", "property_rights", "unrealization", "tax_reduction", "trade_fee", "resort_tax", "pledge",
    "income_decrease", "ie_pension_insurance_without_payments", "ie_pension_insurance_with_payments",
    "ie_medical_insurance_without_payments", "ie_medical_insurance_with_payments", "social_insurance",
    "casino_chips", "agent_payment", "excisable_goods_without_marking_code", "excisable_goods_with_marking_code",
    "goods_without_marking_code", "goods_with_marking_code",
}
RECEIPT_PAYMENT_KINDS = ("Cash", "Electronic", "AdvancePayment", "Credit", "Provision")
# Error codes T-Bank documents as its own internal errors: the outcome of the call is unknown.
INTERNAL_ERRORS = {"3": "Внутренняя ошибка системы интернет-эквайринга.", "9999": "Внутренняя ошибка системы."}
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
# Statuses T-Bank notifies about here. Brief §4.3 names DEADLINE_EXPIRED as what an abandoned checkout ends
# in, but neither the brief nor the OpenAPI promise a notification for it: conservatively none is sent,
# the merchant learns it from GetState.
UNNOTIFIED_STATUSES = {"DEADLINE_EXPIRED", "CANCELED"}


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
    two_stage: bool = False  # PayType "T" (or the terminal's setting): a payment stops at AUTHORIZED
    notification_url: str = ""
    success_url: str = ""
    fail_url: str = ""
    data: dict | None = None
    status: str = "NEW"
    error_code: str = "0"
    message: str = ""
    saved: _SavedCard | None = None  # the card paid with (CardId, Pan, ExpDate, RebillId)
    three_ds: CardEntry | None = None  # the card waiting on the 3-D Secure page
    settle_reads: int = 0  # a Charge answered with an internal error: reads left before it goes through
    balance: int = 0  # authorized (AUTHORIZED) or not yet refunded (CONFIRMED)
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


def _check_item(item: object, where: str, ffd: str) -> int:
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
    # Items_FFD_12 makes PaymentMethod, PaymentObject and MeasurementUnit required ("MeasurementUnit
    # обязателен, если версия ФД онлайн-кассы — 1.2"); T-Bank answers 201 "Поле … не должно быть пустым"
    # (error codes list). Items_FFD_105 defaults them, but a value outside the enum is refused either way.
    objects = PAYMENT_OBJECTS_12 if ffd == "1.2" else PAYMENT_OBJECTS_105
    for field_name, allowed in (("PaymentMethod", PAYMENT_METHODS), ("PaymentObject", objects)):
        value = item.get(field_name)
        if value in (None, ""):
            if ffd == "1.2":
                raise _Fail("201", f"Поле {field_name[0].lower()}{field_name[1:]} не должно быть пустым.",
                            f"{where}.{field_name} обязателен в чеке ФФД 1.2.")
        elif value not in allowed:
            raise _invalid(f"{where}.{field_name} — одно из: {', '.join(sorted(allowed))}.")
    unit = item.get("MeasurementUnit")
    if ffd == "1.2" and (not isinstance(unit, str) or not unit.strip()):
        raise _Fail("201", "Поле measurementUnit не должно быть пустым.",
                    f"{where}.MeasurementUnit обязателен в чеке ФФД 1.2.")
    return item_amount


def _check_receipt(receipt: object, amount: int) -> None:
    if receipt is None:
        raise _Fail("309", "Отсутствует обязательный параметр Receipt.",
                    "Передайте чек (Receipt) с каждым платежом: 54-ФЗ.")
    if not isinstance(receipt, dict):
        raise _invalid("Receipt должен быть объектом.")
    ffd = receipt.get("FfdVersion", "1.05")  # Receipt_FFD_105: "Версия ФФД по умолчанию — 1.05"
    if ffd not in FFD_VERSIONS:
        raise _invalid("Receipt.FfdVersion — 1.2 или 1.05.")
    if receipt.get("Taxation") not in TAXATIONS:
        raise _invalid(f"Receipt.Taxation — одно из: {', '.join(sorted(TAXATIONS))}.")
    if not (receipt.get("Email") or receipt.get("Phone")):
        raise _invalid("В чеке нужен Email или Phone покупателя.")
    items = receipt.get("Items")
    if not isinstance(items, list) or not 1 <= len(items) <= 100:
        raise _invalid("Receipt.Items — от 1 до 100 позиций.")
    total = sum(_check_item(item, f"Receipt.Items[{index}]", ffd) for index, item in enumerate(items))
    if total != amount:
        # 334 "Суммы в чеке и в платеже не совпадают" (error codes list); 308 is the Payments check below.
        raise _Fail("334", "Суммы в чеке и в платеже не совпадают.",
                    f"Сумма Items.Amount = {total}, Amount = {amount}.")
    payments = receipt.get("Payments")
    if payments is not None:
        # Receipt.Payments: Electronic must equal Init's Amount and all kinds together the items' total.
        if not isinstance(payments, dict) or not set(payments) <= set(RECEIPT_PAYMENT_KINDS):
            raise _invalid(f"Receipt.Payments — объект с полями {', '.join(RECEIPT_PAYMENT_KINDS)}.")
        paid = {kind: _kopecks(value, f"Receipt.Payments.{kind}", minimum=0) for kind, value in payments.items()}
        if paid.get("Electronic") != amount or sum(paid.values()) != total:
            raise _Fail("308", "Сумма всех позиций в чеке должна равняться сумме всех видов оплаты.",
                        f"Payments = {paid}, Items = {total}, Amount = {amount}.")


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
        self._default_switches()

    def _default_switches(self) -> None:
        # The terminal's payment scheme; Init's PayType overrides it ("Если параметр передан — используется
        # его значение, если нет — значение из настроек терминала", Init_FULL.PayType).
        self.two_stage = False
        # "По умолчанию метод Charge отключен" (Charge, OpenAPI; brief §2): here it is on unless switched off.
        self.charge_enabled = True
        # The next ``charge_error_times`` Charges answer Success:false with this internal error code ("3" or
        # "9999") although the payment goes through: after ``charge_settle_reads`` GetState/CheckOrder
        # reads of it (0: at once) it is CONFIRMED (AUTHORIZED on a two-stage payment) and notified.
        self.charge_error = ""
        self.charge_error_times = 0
        self.charge_settle_reads = 0

    def configure(self, *, two_stage: bool | None = None, charge_enabled: bool | None = None,
                  charge_error: str | None = None, times: int = 1, settle_after_reads: int = 0) -> None:
        """Terminal switches; ``charge_error`` "3" / "9999" arms internal errors, "" or "none" disarms them."""
        with self._lock:
            if two_stage is not None:
                self.two_stage = bool(two_stage)
            if charge_enabled is not None:
                self.charge_enabled = bool(charge_enabled)
            if charge_error is not None:
                code = "" if charge_error == "none" else charge_error
                if code and code not in INTERNAL_ERRORS:
                    raise ValueError(f"charge_error — {', '.join(INTERNAL_ERRORS)} или none.")
                for name, value in (("times", times), ("settle_after_reads", settle_after_reads)):
                    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
                        raise ValueError(f"{name} — целое число от 0 до 1000.")
                self.charge_error = code
                self.charge_error_times = times if code else 0
                self.charge_settle_reads = settle_after_reads if code else 0

    def switches(self) -> dict:
        with self._lock:
            return {
                "two_stage": self.two_stage, "charge_enabled": self.charge_enabled,
                "charge_error": {"code": self.charge_error or "none", "times": self.charge_error_times,
                                 "settle_after_reads": self.charge_settle_reads},
            }

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
        pay_type = body.get("PayType")
        if pay_type not in (None, "O", "T"):
            raise _invalid('PayType — "O" (одностадийная) или "T" (двухстадийная).')
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
            recurrent=recurrent == "Y", two_stage=self.two_stage if pay_type is None else pay_type == "T",
            notification_url=urls["NotificationURL"], success_url=urls["SuccessURL"], fail_url=urls["FailURL"],
            data=data,
        )
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "TerminalKey": self.terminal_key, "Status": "NEW",
            "PaymentId": payment_id, "OrderId": order_id, "Amount": amount,
            "PaymentURL": f"{self.base_url}/checkout/tinkoff/{payment_id}",
        })

    def _getstate(self, body: dict) -> Reply:
        payment = self._find(body)
        notices = self._read(payment)
        # GetState has no RebillId (brief §2): a lost AUTHORIZED notification is recovered with GetCardList.
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "Message": "OK", "Details": "", "TerminalKey": self.terminal_key,
            "Status": payment.status, "PaymentId": payment.payment_id, "OrderId": payment.order_id,
            "Amount": payment.amount,
        }, notices)

    def _checkorder(self, body: dict) -> Reply:
        order_id = _text(body, "OrderId", 36, required=True)
        found = sorted((p for p in self._payments.values() if p.order_id == order_id), key=lambda p: p.created)
        notices = [notice for payment in found for notice in self._read(payment)]
        # PaymentsCheckOrder (OpenAPI v1.80) types the items unlike the other answers: PaymentId string,
        # Amount number, Success *string*, ErrorCode *number*. A client must read them as documented.
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "Message": "OK", "Details": "", "TerminalKey": self.terminal_key,
            "OrderId": order_id,
            "Payments": [{
                "PaymentId": p.payment_id, "Amount": p.amount, "Status": p.status, "RRN": "",
                "Success": "true" if p.error_code == "0" else "false", "ErrorCode": int(p.error_code),
                "Message": p.message or "OK",
            } for p in found],
        }, notices)

    def _confirm(self, body: dict) -> Reply:
        payment = self._find(body)
        if payment.status != "AUTHORIZED":
            raise _Fail("8", "Неверный статус транзакции.",
                        f"Confirm применим только к платежу в статусе AUTHORIZED, а этот — {payment.status}.")
        amount = payment.amount if body.get("Amount") is None else _kopecks(body["Amount"], "Amount")
        if amount > payment.balance:
            raise _Fail("330", "Сумма подтверждения больше суммы авторизации.",
                        f"Авторизовано {payment.balance}, запрошено {amount}.")
        payment.amount = payment.balance = amount
        payment.status = "CONFIRMED"
        return Reply(HTTPStatus.OK, {
            "Success": True, "ErrorCode": "0", "TerminalKey": self.terminal_key, "Status": payment.status,
            "PaymentId": payment.payment_id, "OrderId": payment.order_id,
        }, self._notices(payment, "CONFIRMED"))

    def _cancel(self, body: dict) -> Reply:
        payment = self._find(body)
        original = payment.amount
        notices: list[Notice] = []
        if payment.status in CHECKOUT_STATUSES:
            payment.status, payment.three_ds = "CANCELED", None
        elif payment.status in ("AUTHORIZED", "CONFIRMED", "PARTIAL_REFUNDED", "PARTIAL_REVERSED"):
            # Cancel: AUTHORIZED → (PARTIAL_)REVERSED, CONFIRMED → (PARTIAL_)REFUNDED (brief §2).
            amount = payment.balance if body.get("Amount") is None else _kopecks(body["Amount"], "Amount")
            if amount > payment.balance:
                raise _Fail("330", "Сумма отмены больше суммы платежа.",
                            f"Доступно к возврату {payment.balance}, запрошено {amount}.")
            payment.balance -= amount
            held = payment.status in ("AUTHORIZED", "PARTIAL_REVERSED")
            if held:
                payment.status = "REVERSED" if payment.balance == 0 else "PARTIAL_REVERSED"
            else:
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
        if not self.charge_enabled:
            raise _Fail("10", "Метод Charge заблокирован для данного терминала.",
                        "Charge включают по обращению в acq_help@tbank.ru.")
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
        if outcome == "success" and self.charge_error and self.charge_error_times > 0:
            # Brief §2 (error codes 3 / 9999, internal): the answer says Success:false, yet the charge goes
            # through — a client that takes this for a decline and charges again takes the money twice.
            self.charge_error_times -= 1
            code = self.charge_error
            if self.charge_error_times == 0:
                self.charge_error = ""
            notices: list[Notice] = []
            if self.charge_settle_reads > 0:
                payment.status, payment.saved, payment.settle_reads = "AUTHORIZING", saved, self.charge_settle_reads
            else:
                notices = self._succeed(payment, saved.entry, saved)
            return Reply(HTTPStatus.OK, {
                "Success": False, "ErrorCode": code, "Message": INTERNAL_ERRORS[code],
                "Details": "Повторите попытку позже.", **answer,
            }, notices)
        if outcome == "success":
            notices = self._succeed(payment, saved.entry, saved)
            return Reply(HTTPStatus.OK, {"Success": True, "ErrorCode": "0", "Status": payment.status, **answer},
                         notices)
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

    def _read(self, payment: _Payment) -> list[Notice]:
        """A payment was read (GetState / CheckOrder): a Charge held by an internal error may go through now."""
        if payment.status != "AUTHORIZING" or payment.settle_reads <= 0 or payment.saved is None:
            return []
        payment.settle_reads -= 1
        if payment.settle_reads > 0:
            return []
        return self._succeed(payment, payment.saved.entry, payment.saved)

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
        """"Вернуться в магазин без оплаты": the payment's deadline passes (DEADLINE_EXPIRED, not notified)."""
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
        ok = payment.status in ("AUTHORIZED", "CONFIRMED")  # two-stage: held, paid once confirmed
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
        payment.error_code, payment.message, payment.settle_reads = "0", "", 0
        payment.balance = payment.amount
        # One-stage: AUTHORIZED then CONFIRMED at once. Two-stage (PayType "T" or the terminal's setting):
        # the payment — a Charge too — stops at AUTHORIZED until Confirm (Charge, "Двухстадийная оплата").
        payment.status = "AUTHORIZED"
        notices = self._notices(payment, "AUTHORIZED")
        if not payment.two_stage:
            payment.status = "CONFIRMED"
            notices += self._notices(payment, "CONFIRMED")
        return notices

    def _decline(self, payment: _Payment, outcome: str, saved: _SavedCard | None) -> list[Notice]:
        payment.status, payment.error_code, payment.message = DECLINES[outcome]
        payment.saved = saved
        return self._notices(payment, payment.status)

    def _notices(self, payment: _Payment, status: str) -> list[Notice]:
        if not payment.notification_url or status in UNNOTIFIED_STATUSES:
            return []
        success = status in ("AUTHORIZED", "CONFIRMED", "PARTIAL_REFUNDED", "REFUNDED", "PARTIAL_REVERSED",
                             "REVERSED")
        payload: dict = {
            "TerminalKey": self.terminal_key, "OrderId": payment.order_id, "Success": success, "Status": status,
            "PaymentId": int(payment.payment_id), "ErrorCode": "0" if success else payment.error_code,
            "Amount": payment.amount,
        }
        if payment.saved is not None:
            payload.update(CardId=int(payment.saved.card_id), Pan=payment.saved.entry.card.masked,
                           ExpDate=payment.saved.entry.exp_mmyy)
            # Init_FULL.Recurrent: "после оплаты в нотификации на AUTHORIZED будет передан параметр RebillId".
            # Only there: the CONFIRMED notification (and GetState) do not carry it.
            if status == "AUTHORIZED" and payment.recurrent and payment.saved.rebill_id:
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
            "Recurrent": "Y" if payment.recurrent else "", "PayType": "T" if payment.two_stage else "O",
            "NotificationURL": payment.notification_url,
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
            self._default_switches()

