"""VAT included in a price, by the YooKassa ``vat_code`` stored on payments and documents."""

from dataclasses import dataclass

# YooKassa vat_code → rate in percent (None: the seller does not charge VAT). The calculated codes
# (10/110, 20/120, ...) are the same rate applied to an advance payment, so they count like the rate.
_RATES: dict[int, int | None] = {
    1: None,
    2: 0,
    3: 10,
    4: 20,
    5: 10,
    6: 20,
    7: 5,
    8: 7,
    9: 5,
    10: 7,
    11: 22,
    12: 22,
}


@dataclass(frozen=True)
class Vat:
    """How a document states the tax: "НДС 22 %" and the amount of it inside the price."""

    label: str
    amount_kopecks: int
    rate: int | None  # percent; None when the seller does not charge VAT


def vat_of(vat_code: int, amount_kopecks: int) -> Vat:
    """The VAT inside ``amount_kopecks``: amount × rate / (100 + rate), rounded half up to the kopeck."""
    try:
        rate = _RATES[vat_code]
    except KeyError:
        raise ValueError(f"Неизвестный код НДС: {vat_code}") from None
    if rate is None:
        return Vat("Без НДС", 0, None)
    divisor = 100 + rate
    return Vat(f"НДС {rate} %", (2 * amount_kopecks * rate + divisor) // (2 * divisor), rate)
