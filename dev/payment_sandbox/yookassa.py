"""YooKassa API v3 emulator: payments, idempotence, saved cards, autopayments, refunds and notifications.

Emulated: payments (create, get, capture, cancel) and refunds (create, get; always final at once).
The sandbox shop sends receipts to an FFD 1.2 online register, so receipts are checked as strictly as
the documentation allows: a request the real API might let through is refused here too.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import hashlib
import json
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from http import HTTPStatus

from dev.payment_sandbox.cards import YOOKASSA_3DS_CODE, CardEntry
from dev.payment_sandbox.common import MAX_PAYMENTS, BoundedDict, Notice, Reply, Step, http_url_ok, now_iso

GATEWAY_ID = "100700"
COMMISSION = Decimal("0.035")  # income_amount = amount minus the acquiring fee
MAX_KEYS = 5000
MAX_METHODS = 2000
MAX_KEY_LENGTH = 64
MAX_REFUNDS = 2000
MONEY_RE = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
# receipt.items[].payment_subject (tag 1212): the values of yookassa.ru /developers/payment-acceptance/receipts/54fz/
# parameters-values#payment-subject, FFD 1.05 ones and those added by FFD 1.2 (brief §3: a required item field).
PAYMENT_SUBJECTS = {
    "commodity", "excise", "job", "service", "payment", "casino", "gambling_bet", "gambling_prize", "lottery",
    "lottery_prize", "intellectual_activity", "agent_commission", "property_right", "non_operating_gain",
    "insurance_premium", "sales_tax", "resort_fee", "composite", "another",
    # FFD 1.2
    "marked", "non_marked", "marked_excise", "non_marked_excise", "fine", "tax", "lien", "cost",
    "pension_insurance_without_payouts", "pension_insurance_with_payouts", "health_insurance_without_payouts",
    "health_insurance_with_payouts", "health_insurance", "agent_withdrawals",
}
# receipt.items[].payment_mode (tag 1214): brief §3 (a required item field); SDK 3.13 ``PaymentMode``.
PAYMENT_MODES = {
    "full_prepayment", "partial_prepayment", "advance", "full_payment", "partial_payment", "credit", "credit_payment",
}
# receipt.items[].measure (tag 2108): required once the register works by FFD 1.2 — yookassa.ru
# /developers/payment-acceptance/receipts/54fz/other-services/marking ("Requirements for generating receipts in
# accordance with FFD 1.2": the unit must be given in items.measure) and the SDK 3.13 ``ReceiptItemMeasure``
# docstring [S]. The brief's §3 item list predates it; the sandbox register is FFD 1.2, so it is required here.
MEASURES = {
    "piece", "gram", "kilogram", "ton", "centimeter", "decimeter", "meter", "square_centimeter", "square_decimeter",
    "square_meter", "milliliter", "liter", "cubic_meter", "kilowatt_hour", "gigacalorie", "day", "hour", "minute",
    "second", "kilobyte", "megabyte", "gigabyte", "terabyte", "another",
}
# receipt.tax_system_code: brief §3 — "1–6 (1 ОСН, 2 УСН доходы, 3 УСН д-р, 5 ЕСХН, 6 патент)". Code 4 (ЕНВД) is
# not in that list: ЕНВД was abolished on 1 January 2021, so a receipt with it is refused (the docs' table still
# shows 4; the sandbox is deliberately stricter). Optional: "needed only when the register requires it".
TAX_SYSTEM_CODES = {1, 2, 3, 5, 6}
# receipt.items[].vat_code: brief §3 — 1…12 (11 = 22 %, 12 = 22/122 from 1 Jan 2026).
VAT_CODES = range(1, 13)
# outcome → (status, cancellation party, cancellation reason)
DECLINES = {
    "insufficient_funds": ("payment_network", "insufficient_funds"),
    "declined": ("payment_network", "general_decline"),
    "permission_revoked": ("yoo_money", "permission_revoked"),
    "3ds_failed": ("payment_network", "3d_secure_failed"),
    "abandoned": ("yoo_money", "expired_on_confirmation"),
    "merchant": ("merchant", "canceled_by_merchant"),
}


class _Invalid(Exception):
    def __init__(self, description: str, parameter: str = "") -> None:
        super().__init__(description)
        self.description = description
        self.parameter = parameter


@dataclass
class _Payment:
    obj: dict  # the API object as GET returns it
    capture: bool
    return_url: str = ""
    save_method: bool = False
    three_ds: CardEntry | None = None  # the card waiting on the 3-D Secure page
    pending_autopay: tuple[CardEntry, str] | None = None  # (saved card, outcome) decided by :meth:`YooKassa.settle`
    refunded: Decimal = Decimal(0)


def _object_id() -> str:
    # YooKassa ids look like "2f1a0c3e-000f-5000-8000-1a2b3c4d5e6f".
    return f"{secrets.token_hex(4)}-000f-5000-{secrets.choice('89ab')}000-{secrets.token_hex(6)}"


def error_body(code: str, description: str, parameter: str = "") -> dict:
    body = {"type": "error", "id": str(uuid.uuid4()), "code": code, "description": description}
    if parameter:
        body["parameter"] = parameter
    return body


def _money(value: object, parameter: str) -> Decimal:
    text = str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
    if not MONEY_RE.match(text):
        raise _Invalid(f"Invalid amount value: expected a positive number with up to 2 decimals, got {value!r}",
                       parameter)
    amount = Decimal(text)
    if amount <= 0:
        raise _Invalid("Amount value must be greater than 0", parameter)
    return amount


def _amount(value: object, parameter: str) -> Decimal:
    if not isinstance(value, dict):
        raise _Invalid("Amount is missing or illegal", parameter)
    if value.get("currency") != "RUB":
        raise _Invalid(f"Unsupported currency {value.get('currency')!r}: the sandbox shop accepts RUB only",
                       f"{parameter}.currency")
    return _money(value.get("value"), f"{parameter}.value")


def _check_receipt(receipt: object, total: Decimal) -> None:
    # Every receipt problem is reported with parameter "receipt"; the description says which field.
    if not isinstance(receipt, dict):
        raise _Invalid("Receipt is missing: the shop sends 54-FZ receipts with every payment", "receipt")
    customer = receipt.get("customer")
    if not isinstance(customer, dict):
        customer = {}
    if not (customer.get("email") or customer.get("phone") or receipt.get("email") or receipt.get("phone")):
        raise _Invalid("Receipt customer contact is missing: specify customer.email or customer.phone", "receipt")
    items = receipt.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 100:
        raise _Invalid("Receipt items must be a list of 1 to 100 items", "receipt")
    items_sum = Decimal(0)
    for index, item in enumerate(items):
        where = f"receipt.items[{index}]"
        if not isinstance(item, dict):
            raise _Invalid(f"{where} is not an object", "receipt")
        description = item.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 128:
            raise _Invalid(f"{where}.description must be 1 to 128 characters", "receipt")
        try:
            quantity = Decimal(str(item.get("quantity")))
        except InvalidOperation:
            quantity = Decimal(0)
        if isinstance(item.get("quantity"), bool) or not quantity.is_finite() or quantity <= 0:
            raise _Invalid(f"{where}.quantity must be a positive number", "receipt")
        try:
            price = _amount(item.get("amount"), f"{where}.amount")
        except _Invalid as exc:
            raise _Invalid(exc.description, "receipt") from exc
        vat_code = item.get("vat_code")
        if isinstance(vat_code, bool) or not isinstance(vat_code, int) or vat_code not in VAT_CODES:
            raise _Invalid(f"{where}.vat_code must be an integer from 1 to 12", "receipt")
        # Brief §3: payment_subject and payment_mode are required item fields; unknown values are refused.
        if item.get("payment_subject") not in PAYMENT_SUBJECTS:
            raise _Invalid(f"{where}.payment_subject is missing or unknown", "receipt")
        if item.get("payment_mode") not in PAYMENT_MODES:
            raise _Invalid(f"{where}.payment_mode is missing or unknown", "receipt")
        # FFD 1.2 (see MEASURES): the unit of measure is required.
        if item.get("measure") not in MEASURES:
            raise _Invalid(f"{where}.measure is missing or unknown: FFD 1.2 requires the unit of measure", "receipt")
        items_sum += price * quantity
    tax_system = receipt.get("tax_system_code")
    if tax_system is not None and (
            isinstance(tax_system, bool) or not isinstance(tax_system, int) or tax_system not in TAX_SYSTEM_CODES):
        raise _Invalid("receipt.tax_system_code must be 1, 2, 3, 5 or 6 (4, ЕНВД, is abolished)", "receipt")
    if items_sum.quantize(Decimal("0.01")) != total:
        raise _Invalid(f"Sum of receipt items amount × quantity ({items_sum:.2f}) is not equal to the payment "
                       f"amount ({total:.2f})", "receipt")


def _check_metadata(metadata: object) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict) or len(metadata) > 16:
        raise _Invalid("Metadata must be an object with at most 16 keys", "metadata")
    for key, value in metadata.items():
        if len(key) > 32 or not isinstance(value, (str, int, float)) or len(str(value)) > 512:
            raise _Invalid(f"Metadata key {key!r}: keys ≤ 32 characters, values ≤ 512 characters", "metadata")


class YooKassa:
    """The state of one sandbox shop. Thread-safe; notifications are returned, never sent from here."""

    def __init__(self, shop_id: str, secret_key: str, base_url: str, webhook_url: str = "") -> None:
        self.shop_id = shop_id
        self.secret_key = secret_key
        self.base_url = base_url
        self.webhook_url = webhook_url
        self.autopay_override = "card"  # or one of cards.OUTCOMES
        self.autopay_pending = False  # autopayments answer "pending"; :meth:`settle` decides them later
        self._lock = threading.RLock()
        self._payments: BoundedDict = BoundedDict(MAX_PAYMENTS)
        self._refunds: BoundedDict = BoundedDict(MAX_REFUNDS)
        self._keys: BoundedDict = BoundedDict(MAX_KEYS)  # Idempotence-Key → (fingerprint, Reply)
        self._methods: BoundedDict = BoundedDict(MAX_METHODS)  # saved payment_method.id → CardEntry

    # --- API ----------------------------------------------------------------------------------------

    def authorized(self, header: str) -> bool:
        if not header.lower().startswith("basic "):
            return False
        try:
            shop_id, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(shop_id, self.shop_id) and secrets.compare_digest(secret, self.secret_key)

    def handle(self, method: str, path: str, authorization: str, idempotence_key: str, raw: bytes) -> Reply:
        """Answer ``method path`` (relative to ``/yookassa/v3``)."""
        if not self.authorized(authorization):
            return Reply(HTTPStatus.UNAUTHORIZED, error_body(
                "invalid_credentials", "Authentication error: the shopId or the secret key is wrong"))
        parts = path.strip("/").split("/")
        if parts[0] not in ("payments", "refunds") or len(parts) > 3 or (len(parts) == 3 and (
                parts[0] != "payments" or parts[2] not in ("cancel", "capture"))):
            return Reply(HTTPStatus.NOT_FOUND, error_body("not_found", "Resource not found"))
        if method == "GET" and len(parts) == 2:
            return self._get(parts[1]) if parts[0] == "payments" else self._get_refund(parts[1])
        if method != "POST" or len(parts) == 2:
            return Reply(HTTPStatus.METHOD_NOT_ALLOWED, error_body("invalid_request", f"Method {method} not allowed"))
        if not idempotence_key:
            return Reply(HTTPStatus.BAD_REQUEST, error_body(
                "invalid_request", "Idempotence key isn't specified", "Idempotence-Key"))
        if len(idempotence_key) > MAX_KEY_LENGTH:
            return Reply(HTTPStatus.BAD_REQUEST, error_body(
                "invalid_request", f"Idempotence key is longer than {MAX_KEY_LENGTH} characters", "Idempotence-Key"))
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return Reply(HTTPStatus.BAD_REQUEST, error_body("invalid_request", "Request body is not valid JSON"))
        if not isinstance(body, dict):
            return Reply(HTTPStatus.BAD_REQUEST, error_body("invalid_request", "Request body must be a JSON object"))
        fingerprint = hashlib.sha256(f"{path}\n{json.dumps(body, sort_keys=True)}".encode()).hexdigest()
        with self._lock:
            stored = self._keys.get(idempotence_key)
            if stored is not None:
                if stored[0] != fingerprint:
                    return Reply(HTTPStatus.BAD_REQUEST, error_body(
                        "invalid_request",
                        "Idempotence key duplicated: it was used with other request parameters",
                        "Idempotence-Key"))
                return Reply(stored[1].status, copy.deepcopy(stored[1].body))
            try:
                if len(parts) == 1:
                    reply = self._create(body) if parts[0] == "payments" else self._refund(body)
                else:
                    reply = self._cancel(parts[1]) if parts[2] == "cancel" else self._capture(parts[1], body)
            except _Invalid as exc:
                return Reply(HTTPStatus.BAD_REQUEST, error_body("invalid_request", exc.description, exc.parameter))
            if reply.status == HTTPStatus.OK:
                self._keys[idempotence_key] = (fingerprint, Reply(reply.status, copy.deepcopy(reply.body)))
            return reply

    def _get(self, payment_id: str) -> Reply:
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None:
                return Reply(HTTPStatus.NOT_FOUND, error_body("not_found", "Payment not found or forbidden"))
            return Reply(HTTPStatus.OK, copy.deepcopy(payment.obj))

    def _get_refund(self, refund_id: str) -> Reply:
        with self._lock:
            refund = self._refunds.get(refund_id)
            if refund is None:
                return Reply(HTTPStatus.NOT_FOUND, error_body("not_found", "Refund not found or forbidden"))
            return Reply(HTTPStatus.OK, copy.deepcopy(refund))

    def _create(self, body: dict) -> Reply:
        amount = _amount(body.get("amount"), "amount")
        _check_receipt(body.get("receipt"), amount)
        _check_metadata(body.get("metadata"))
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 128):
            raise _Invalid("Description must be a string of at most 128 characters", "description")
        capture = body.get("capture", False)
        if not isinstance(capture, bool):
            raise _Invalid("capture must be a boolean", "capture")
        method_data = body.get("payment_method_data")
        if method_data is not None and (not isinstance(method_data, dict) or method_data.get("type") != "bank_card"):
            raise _Invalid("The sandbox accepts bank cards only (payment_method_data.type = bank_card)",
                           "payment_method_data.type")
        payment_id = _object_id()
        obj: dict = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": {"value": f"{amount:.2f}", "currency": "RUB"},
            "created_at": now_iso(),
            "recipient": {"account_id": self.shop_id, "gateway_id": GATEWAY_ID},
            "refundable": False,
            "test": True,
        }
        if description:
            obj["description"] = description
        if body.get("metadata"):
            obj["metadata"] = body["metadata"]
        saved_id = body.get("payment_method_id")
        if saved_id is not None:
            return self._autopay(obj, saved_id, capture, body)
        confirmation = body.get("confirmation")
        if not isinstance(confirmation, dict):
            raise _Invalid("Confirmation is required for a payment without payment_method_id", "confirmation")
        if confirmation.get("type") != "redirect":
            raise _Invalid("The sandbox supports confirmation.type = redirect only", "confirmation.type")
        return_url = confirmation.get("return_url")
        if not http_url_ok(return_url):
            raise _Invalid("return_url must be an http(s) URL", "confirmation.return_url")
        obj["confirmation"] = {
            "type": "redirect",
            "confirmation_url": f"{self.base_url}/checkout/yookassa/{payment_id}",
            "return_url": return_url,
        }
        save = body.get("save_payment_method", False)
        if not isinstance(save, bool):
            raise _Invalid("save_payment_method must be a boolean", "save_payment_method")
        payment = _Payment(obj, capture, return_url=return_url, save_method=save)
        self._payments[payment_id] = payment
        return Reply(HTTPStatus.OK, self._public(payment))

    def _autopay(self, obj: dict, saved_id: object, capture: bool, body: dict) -> Reply:
        entry = self._methods.get(saved_id) if isinstance(saved_id, str) else None
        if entry is None or not isinstance(saved_id, str):
            raise _Invalid(f"Payment method {saved_id!r} is not found or was not saved", "payment_method_id")
        if body.get("confirmation") is not None:
            raise _Invalid("The sandbox runs payments with payment_method_id without confirmation", "confirmation")
        outcome = entry.card.autopay if self.autopay_override == "card" else self.autopay_override
        payment = _Payment(obj, capture)
        self._payments[obj["id"]] = payment
        if self.autopay_pending:
            # Brief §1 "Autopayment (renewal)": the result "may already be final (succeeded/canceled) or still
            # pending"; yookassa.ru /developers/using-api/response-handling/recommendations: HTTP 200 with status
            # pending means the outcome is not known yet — wait for the notification or GET the object.
            obj["payment_method"] = self._method_object(entry, saved_id)
            payment.pending_autopay = (entry, outcome)
            return Reply(HTTPStatus.OK, self._public(payment))
        notices = self._finish(payment, entry, outcome, three_ds=False, method_id=saved_id)
        return Reply(HTTPStatus.OK, self._public(payment), notices)

    def settle(self, payment_id: str = "") -> tuple[list[dict], list[Notice]]:
        """Decide the pending autopayments (all, or the one given): their final objects and notifications.

        Raises LookupError for a payment that is unknown or not a pending autopayment.
        """
        with self._lock:
            ids = [payment_id] if payment_id else [
                key for key, payment in self._payments.items() if payment.pending_autopay]
            settled: list[dict] = []
            notices: list[Notice] = []
            for key in ids:
                payment = self._payments.get(key)
                if payment is None or payment.pending_autopay is None:
                    raise LookupError(f"Платёж {key} — не ожидающий автоплатёж.")
                entry, outcome = payment.pending_autopay
                payment.pending_autopay = None
                notices += self._finish(payment, entry, outcome, three_ds=False,
                                        method_id=payment.obj["payment_method"]["id"])
                settled.append(self._public(payment))
            return settled, notices

    def _refund(self, body: dict) -> Reply:
        # Brief §1 "Refund": POST /v3/refunds {payment_id, amount, description, receipt} → {id, payment_id, status,
        # amount, created_at}; §4.15: partial then full, refund.succeeded, nothing above what is left.
        payment_id = body.get("payment_id")
        payment = self._payments.get(payment_id) if isinstance(payment_id, str) else None
        if payment is None:
            raise _Invalid("Payment not found or forbidden", "payment_id")
        if payment.obj["status"] != "succeeded":
            raise _Invalid(f"Payment in status {payment.obj['status']} can't be refunded", "payment_id")
        amount = _amount(body.get("amount"), "amount")
        left = Decimal(payment.obj["amount"]["value"]) - payment.refunded
        if amount > left:
            raise _Invalid(f"Refund amount is greater than the amount left to refund ({left:.2f})", "amount")
        _check_receipt(body.get("receipt"), amount)  # §3: the shop sends a receipt with every operation
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 250):
            raise _Invalid("Description must be a string of at most 250 characters", "description")
        payment.refunded += amount
        payment.obj["refunded_amount"] = {"value": f"{payment.refunded:.2f}", "currency": "RUB"}
        payment.obj["refundable"] = payment.refunded < Decimal(payment.obj["amount"]["value"])
        refund_id = _object_id()
        refund: dict = {"id": refund_id, "payment_id": payment_id, "status": "succeeded",
                        "amount": {"value": f"{amount:.2f}", "currency": "RUB"}, "created_at": now_iso()}
        if description:
            refund["description"] = description
        self._refunds[refund_id] = refund
        return Reply(HTTPStatus.OK, copy.deepcopy(refund), self._notice("refund.succeeded", refund))

    def _cancel(self, payment_id: str) -> Reply:
        payment = self._payments.get(payment_id)
        if payment is None:
            return Reply(HTTPStatus.NOT_FOUND, error_body("not_found", "Payment not found or forbidden"))
        if payment.obj["status"] not in ("pending", "waiting_for_capture"):
            raise _Invalid(f"Payment in status {payment.obj['status']} can't be canceled", "payment_id")
        if payment.pending_autopay is not None:
            # Conservative: nothing in the brief lets the shop withdraw an autopayment YooKassa is still deciding
            # (§1 statuses: pending → succeeded | canceled by YooKassa); a shop must wait for it (§4.12).
            raise _Invalid("Payment in status pending can't be canceled: it is being processed", "payment_id")
        notices = self._decline(payment, "merchant")
        return Reply(HTTPStatus.OK, self._public(payment), notices)

    def _capture(self, payment_id: str, body: dict) -> Reply:
        payment = self._payments.get(payment_id)
        if payment is None:
            return Reply(HTTPStatus.NOT_FOUND, error_body("not_found", "Payment not found or forbidden"))
        obj = payment.obj
        if obj["status"] != "waiting_for_capture":
            raise _Invalid(f"Payment in status {obj['status']} can't be captured", "payment_id")
        if "amount" in body and _amount(body["amount"], "amount") != Decimal(obj["amount"]["value"]):
            raise _Invalid("The sandbox captures the full amount only", "amount")
        obj.update(status="succeeded", captured_at=now_iso(), refundable=True)
        obj.pop("expires_at", None)
        return Reply(HTTPStatus.OK, self._public(payment), self._notices(payment, "payment.succeeded"))

    # --- checkout -----------------------------------------------------------------------------------

    def payment(self, payment_id: str) -> dict | None:
        """The payment as the API shows it, or None."""
        with self._lock:
            payment = self._payments.get(payment_id)
            return self._public(payment) if payment else None

    def checkout_info(self, payment_id: str) -> dict | None:
        """What the checkout pages show about a payment, or None."""
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None:
                return None
            obj = payment.obj
            details = obj.get("cancellation_details", {})
            return {
                "amount": int(Decimal(obj["amount"]["value"]) * 100), "description": obj.get("description", ""),
                "status": obj["status"], "open": self._checkout(payment_id) is not None,
                "three_ds": payment.three_ds is not None, "error": details.get("reason", ""),
                "return_url": payment.return_url,
            }

    def pay(self, payment_id: str, entry: CardEntry) -> Step:
        """The card form was submitted with a valid test card."""
        with self._lock:
            payment = self._checkout(payment_id)
            if payment is None:
                return self._gone(payment_id)
            if entry.card.three_ds == "challenge":
                payment.three_ds = entry
                return Step("3ds", self._public(payment))
            if entry.card.three_ds == "rejected":
                notices = self._finish(payment, entry, "3ds_failed", three_ds=True)
            else:
                notices = self._finish(payment, entry, entry.card.outcome, three_ds=entry.card.three_ds != "none")
            return Step("final", self._public(payment), payment.return_url, notices)

    def confirm_3ds(self, payment_id: str, code: str | None) -> Step:
        """The 3-D Secure page: the code entered, or None for "Отменить"."""
        with self._lock:
            payment = self._checkout(payment_id)
            if payment is None or payment.three_ds is None:
                return self._gone(payment_id)
            entry, payment.three_ds = payment.three_ds, None
            ok = code is not None and secrets.compare_digest(code.strip(), YOOKASSA_3DS_CODE)
            notices = self._finish(payment, entry, entry.card.outcome if ok else "3ds_failed", three_ds=True)
            return Step("final", self._public(payment), payment.return_url, notices)

    def abandon(self, payment_id: str) -> Step:
        """"Вернуться в магазин без оплаты": the payment expires unconfirmed."""
        with self._lock:
            payment = self._checkout(payment_id)
            if payment is None:
                return self._gone(payment_id)
            payment.three_ds = None
            notices = self._decline(payment, "abandoned")
            return Step("final", self._public(payment), payment.return_url, notices)

    def _checkout(self, payment_id: str) -> _Payment | None:
        payment = self._payments.get(payment_id)
        if payment is None or payment.obj["status"] != "pending" or not payment.return_url:
            return None
        return payment

    def _gone(self, payment_id: str) -> Step:
        payment = self._payments.get(payment_id)
        if payment is None:
            return Step("missing")
        return Step("closed", self._public(payment), payment.return_url)

    # --- state changes --------------------------------------------------------------------------------

    def _finish(
        self, payment: _Payment, entry: CardEntry, outcome: str, *, three_ds: bool, method_id: str = ""
    ) -> list[Notice]:
        obj = payment.obj
        method_id = method_id or _object_id()
        if outcome == "success" and payment.save_method:
            self._methods[method_id] = entry
        obj["payment_method"] = self._method_object(entry, method_id)
        if outcome != "success":
            return self._decline(payment, outcome)
        amount = Decimal(obj["amount"]["value"])
        obj.pop("confirmation", None)
        obj.update(
            paid=True,
            income_amount={"value": f"{amount - (amount * COMMISSION).quantize(Decimal('0.01')):.2f}",
                           "currency": "RUB"},
            authorization_details={
                "rrn": str(secrets.randbelow(10**12)).zfill(12),
                "auth_code": str(secrets.randbelow(10**6)).zfill(6),
                "three_d_secure": {"applied": three_ds},
            },
        )
        if payment.capture:
            obj.update(status="succeeded", captured_at=now_iso(), refundable=True)
            return self._notices(payment, "payment.succeeded")
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)
        obj.update(status="waiting_for_capture", expires_at=expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        return self._notices(payment, "payment.waiting_for_capture")

    def _method_object(self, entry: CardEntry, method_id: str) -> dict:
        card = entry.card
        return {
            "type": "bank_card",
            "id": method_id,
            "saved": method_id in self._methods,
            "title": f"Bank card *{card.number[-4:]}",
            "card": {
                "first6": card.number[:6],
                "last4": card.number[-4:],
                "expiry_month": f"{entry.exp_month:02d}",
                "expiry_year": str(entry.exp_year),
                "card_type": "Mir" if card.number.startswith("2") else "MasterCard",
                "issuer_country": "RU",
            },
        }

    def _decline(self, payment: _Payment, outcome: str) -> list[Notice]:
        party, reason = DECLINES[outcome]
        payment.pending_autopay = None
        payment.obj.pop("confirmation", None)
        payment.obj.pop("expires_at", None)
        payment.obj.update(status="canceled", paid=False, cancellation_details={"party": party, "reason": reason})
        return self._notices(payment, "payment.canceled")

    def _notices(self, payment: _Payment, event: str) -> list[Notice]:
        return self._notice(event, payment.obj)

    def _notice(self, event: str, obj: dict) -> list[Notice]:
        if not self.webhook_url:
            return []
        payload = {"type": "notification", "event": event, "object": copy.deepcopy(obj)}
        return [Notice("yookassa", self.webhook_url, payload, event, obj["id"])]

    @staticmethod
    def _public(payment: _Payment) -> dict:
        return copy.deepcopy(payment.obj)

    # --- control --------------------------------------------------------------------------------------

    def payments(self) -> list[dict]:
        with self._lock:
            return [self._public(payment) for payment in self._payments.values()]

    def reset(self) -> None:
        with self._lock:
            self._payments.clear()
            self._refunds.clear()
            self._keys.clear()
            self._methods.clear()
            self.autopay_override = "card"
            self.autopay_pending = False
