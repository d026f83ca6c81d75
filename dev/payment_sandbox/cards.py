"""Test cards of the payment sandbox and the checkout form's card validation."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

# What a payment attempt ends with; the providers map these to their own statuses and codes.
OUTCOMES = ("success", "insufficient_funds", "declined", "permission_revoked")

YOOKASSA_3DS_CODE = "12345"
TINKOFF_3DS_CODE = "1qwezxc"


@dataclass(frozen=True)
class SandboxCard:
    number: str
    label: str  # Russian, shown on the pages
    three_ds: str  # "none" | "frictionless" (3-DS without a code) | "challenge" (code page) | "rejected"
    outcome: str  # one of OUTCOMES: the checkout result
    autopay: str = "success"  # one of OUTCOMES: later autopayments / Charges with this card once saved

    @property
    def masked(self) -> str:
        return f"{self.number[:6]}******{self.number[-4:]}"


def _table(*cards: SandboxCard) -> dict[str, SandboxCard]:
    return {card.number: card for card in cards}


YOOKASSA_CARDS = _table(
    SandboxCard("5555555555554444", "успешная оплата без 3-D Secure", "none", "success"),
    SandboxCard("5555555555554477", f"успешная оплата с 3-D Secure (код {YOOKASSA_3DS_CODE})", "challenge", "success"),
    SandboxCard("5555555555554535", "отказ: недостаточно средств (insufficient_funds)", "none", "insufficient_funds"),
    SandboxCard("5555555555554543", "отказ банка (general_decline)", "none", "declined"),
    SandboxCard("5555555555554592", "оплата проходит, автоплатежи — недостаточно средств", "none", "success",
                autopay="insufficient_funds"),
)

TINKOFF_CARDS = _table(
    SandboxCard("2201382000000013", "успешная оплата, 3DS2 без ввода кода", "frictionless", "success"),
    SandboxCard("2201382000000047", f"успешная оплата, 3-D Secure с кодом {TINKOFF_3DS_CODE}", "challenge", "success"),
    SandboxCard("2201382000000831", "отказ: недостаточно средств (ErrorCode 1051)", "none", "insufficient_funds"),
    SandboxCard("2201382000000021", "ошибка оплаты (ErrorCode 1005)", "none", "declined"),
    SandboxCard("2201382000000005", "3-D Secure отклонён (AUTH_FAIL)", "rejected", "success"),
    SandboxCard("2200770239097761", "успешная оплата без 3-D Secure", "none", "success"),
    SandboxCard("2201382000000997", "оплата проходит, Charge — недостаточно средств", "none", "success",
                autopay="insufficient_funds"),
)

CARDS = {"yookassa": YOOKASSA_CARDS, "tinkoff": TINKOFF_CARDS}
THREE_DS_CODES = {"yookassa": YOOKASSA_3DS_CODE, "tinkoff": TINKOFF_3DS_CODE}

EXPIRY_RE = re.compile(r"^(\d{2})\s*/\s*(\d{2})$")


@dataclass(frozen=True)
class CardEntry:
    """A card as typed into the checkout form."""

    card: SandboxCard
    exp_month: int
    exp_year: int  # four digits

    @property
    def exp_mmyy(self) -> str:
        return f"{self.exp_month:02d}{self.exp_year % 100:02d}"


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def read_card_form(
    provider: str, number: str, expiry: str, cvc: str, *, today: datetime.date | None = None
) -> tuple[CardEntry | None, dict[str, str]]:
    """Validate the card form; returns the entry or Russian error messages by field name."""
    errors: dict[str, str] = {}
    digits = re.sub(r"[\s-]", "", number or "")
    card = None
    if not digits.isdigit() or not 16 <= len(digits) <= 19:
        errors["number"] = "Введите номер карты: от 16 до 19 цифр."
    elif not luhn_ok(digits):
        errors["number"] = "Проверьте номер карты: в нём опечатка."
    elif (card := CARDS[provider].get(digits)) is None:
        errors["number"] = "Эта карта не подходит для песочницы: выберите одну из тестовых карт ниже."
    month = year = 0
    match = EXPIRY_RE.match((expiry or "").strip())
    if not match or not 1 <= int(match.group(1)) <= 12:
        errors["expiry"] = "Укажите срок действия в формате ММ/ГГ, например 12/30."
    else:
        month, year = int(match.group(1)), 2000 + int(match.group(2))
        today = today or datetime.date.today()
        if (year, month) < (today.year, today.month):
            errors["expiry"] = "Срок действия карты истёк."
    if not re.fullmatch(r"\d{3}", (cvc or "").strip()):
        errors["cvc"] = "CVC — три цифры с обратной стороны карты."
    if errors or card is None:
        return None, errors
    return CardEntry(card, month, year), {}


def sandbox_entry(provider: str, number: str) -> CardEntry | None:
    """A test card with a default expiry (12/30), for the control API's ``complete``."""
    card = CARDS[provider].get(re.sub(r"[\s-]", "", number or ""))
    return CardEntry(card, 12, 2030) if card else None
