"""54-FZ receipts for each provider, and kopecks ⇄ "990.00" conversions (Decimal only, never float).

One receipt line per payment: what was sold (its text is the payment's description), quantity 1 piece,
paid in full. Both builders produce FFD 1.2 items — payment mode, payment subject, unit of measure and VAT on
every line (brief §3; YooKassa ``items.measure``, T-Bank ``MeasurementUnit``). VAT, tax system and the payment
subject come from the BILLING_* settings, read at call time. New options are keyword-only arguments.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# BILLING_TAX_SYSTEM → YooKassa tax_system_code (brief §3); T-Bank's Taxation is the key itself. No ЕНВД ("envd", 4):
# abolished since 2021, neither provider's receipt may carry it.
YOOKASSA_TAX_SYSTEM_CODES = {"osn": 1, "usn_income": 2, "usn_income_outcome": 3, "esn": 5, "patent": 6}
# YooKassa vat_code → T-Bank Tax (11/12 are the 22 % rates in force from 2026).
TINKOFF_TAX_BY_VAT_CODE = {
    1: "none", 2: "vat0", 3: "vat10", 4: "vat20", 5: "vat110", 6: "vat120",
    7: "vat5", 8: "vat7", 9: "vat105", 10: "vat107", 11: "vat22", 12: "vat122",
}
ITEM_NAME_MAX = 128
# Brief §3 "Subscription choices for your accountant": a service, or a software licence; both spell it the same.
PAYMENT_SUBJECTS = ("service", "intellectual_activity")
PAYMENT_MODE = "full_payment"  # paid in full for what is delivered now (§3: full_payment)
# FFD 1.2 unit of measure (tag 2108) of the one line: a piece — YooKassa's enum value / T-Bank's OK 015-94 name.
YOOKASSA_MEASURE = "piece"
TINKOFF_MEASUREMENT_UNIT = "шт"


def kopecks_to_value(kopecks: int) -> str:
    """12345 → "123.45"."""
    return f"{Decimal(_whole_kopecks(kopecks)).scaleb(-2):.2f}"


def value_to_kopecks(value: str | Decimal) -> int:
    """"123.45" (or Decimal) → 12345; fractions of a kopeck are an error, not rounded away."""
    if not isinstance(value, (str, Decimal)):
        raise TypeError(f"amount must be a string or Decimal, got {type(value).__name__}")
    try:
        kopecks = Decimal(value).scaleb(2)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not kopecks.is_finite() or kopecks != kopecks.to_integral_value():
        raise ValueError(f"not a whole number of kopecks: {value!r}")
    return int(kopecks)


def yookassa_receipt(description: str, amount_kopecks: int, email: str) -> dict[str, Any]:
    """The ``receipt`` object of a YooKassa payment."""
    return {
        "customer": {"email": _email(email)},
        "items": [{
            "description": description[:ITEM_NAME_MAX],
            "quantity": "1.00",
            "amount": {"value": kopecks_to_value(amount_kopecks), "currency": "RUB"},  # unit price
            "vat_code": _vat_code(),
            "payment_subject": _payment_subject(),
            "payment_mode": PAYMENT_MODE,
            "measure": YOOKASSA_MEASURE,
        }],
        "tax_system_code": YOOKASSA_TAX_SYSTEM_CODES[_tax_system()],
    }


def tinkoff_receipt(description: str, amount_kopecks: int, email: str) -> dict[str, Any]:
    """The ``Receipt`` object of a T-Bank Init (FFD 1.2)."""
    amount_kopecks = _whole_kopecks(amount_kopecks)
    return {
        "Email": _email(email),
        "Taxation": _tax_system(),
        "FfdVersion": "1.2",
        "Items": [{
            "Name": description[:ITEM_NAME_MAX],
            "Price": amount_kopecks,
            "Quantity": 1,
            "Amount": amount_kopecks,
            "Tax": TINKOFF_TAX_BY_VAT_CODE[_vat_code()],
            "PaymentMethod": PAYMENT_MODE,
            "PaymentObject": _payment_subject(),
            "MeasurementUnit": TINKOFF_MEASUREMENT_UNIT,
        }],
    }


def _whole_kopecks(kopecks: int) -> int:
    if isinstance(kopecks, bool) or not isinstance(kopecks, int):
        raise TypeError(f"amount must be whole kopecks, got {type(kopecks).__name__}")
    return kopecks


def _email(email: str) -> str:
    if not email:
        raise ValueError("a 54-FZ receipt needs the customer's e-mail")
    return email


def _vat_code() -> int:
    code = settings.BILLING_VAT_CODE
    if isinstance(code, bool) or code not in TINKOFF_TAX_BY_VAT_CODE:
        raise ImproperlyConfigured(f"BILLING_VAT_CODE must be 1..12, got {code!r}")
    return code


def _payment_subject() -> str:
    subject = settings.BILLING_PAYMENT_SUBJECT
    if subject not in PAYMENT_SUBJECTS:
        raise ImproperlyConfigured(f"BILLING_PAYMENT_SUBJECT must be one of {', '.join(PAYMENT_SUBJECTS)}")
    return subject


def _tax_system() -> str:
    system = settings.BILLING_TAX_SYSTEM
    if system not in YOOKASSA_TAX_SYSTEM_CODES:
        raise ImproperlyConfigured(f"BILLING_TAX_SYSTEM must be one of {', '.join(YOOKASSA_TAX_SYSTEM_CODES)}")
    return system
