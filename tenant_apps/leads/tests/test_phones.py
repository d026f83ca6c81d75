"""Phone numbers as visitors type them → E.164 of real numbers only (the ``phonenumbers`` metadata), else None."""

import pytest

from tenant_apps.leads.phones import normalize_phone


@pytest.mark.parametrize(("raw", "e164"), [
    ("+7 916 123-45-67", "+79161234567"),
    ("8 (916) 123-45-67", "+79161234567"),
    ("89161234567", "+79161234567"),
    ("9161234567", "+79161234567"),  # no prefix at all: read as Russian
    ("7 (916) 123 45 67", "+79161234567"),
    ("+7 (495) 123-45-67", "+74951234567"),  # a Moscow landline
    ("+49 151 1234 5678", "+4915112345678"),
    ("+375 29 123-45-67", "+375291234567"),
    ("+٧ ٩١٦ ١٢٣ ٤٥ ٦٧", "+79161234567"),  # Arabic-Indic digits: stored as ASCII digits
    ("+７ ９１６ １２３ ４５ ６７", "+79161234567"),  # full-width digits
    ("  +7 916 123 45 67  ", "+79161234567"),
])
def test_real_numbers_are_stored_as_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", [
    "+7 000 000-00-00",
    "8 000 000 00 00",
    "+123456789012345",  # fifteen digits of nothing
    "999999999999999",
    "12345",
    "+7 916 123-45-67-89-01",
    "+",
    "телефон",
    "",
])
def test_junk_is_not_a_phone_number(raw):
    assert normalize_phone(raw) is None


def test_every_accepted_number_is_plain_ascii_e164():
    for raw in ("+٧٩١٦١٢٣٤٥٦٧", "８９１６１２３４５６７", "+4915112345678"):
        normalized = normalize_phone(raw)
        assert normalized is not None
        assert normalized.startswith("+")
        assert normalized[1:].isascii()
        assert normalized[1:].isdigit()
        assert len(normalized) <= 16
