"""Invoice and act PDFs read back with poppler, plus the amounts in words and the VAT behind them."""

import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4

from billing.documents import PAGE_MARGIN, render_pdf
from billing.models import Document, Payment
from billing.money_words import rubles_in_words
from billing.vat import vat_of
from core.text import format_rubles

SELLER = {
    "name": "ООО «Фаст Лид»", "inn": "7701234567", "kpp": "770101001", "ogrn": "1237700000001",
    "address": "123112, г. Москва, Пресненская наб., д. 12, офис 501", "bank": "АО «ТБанк»", "bik": "044525974",
    "account": "40702810910000000001", "corr_account": "30101810145250000974", "director": "Иванов И. И.",
}
COMPANY = {
    "name": "ООО «Ромашка»", "inn": "7712345678", "kpp": "771201001",
    "address": "101000, г. Москва, ул. Мясницкая, д. 1", "email": "buh@romashka.ru",
}
PERSON = {"name": "Пётр Смирнов", "inn": "", "kpp": "", "address": "", "email": "petr@example.ru"}


@pytest.fixture
def make_document() -> Callable[..., Document]:
    def make(**fields) -> Document:
        values = {
            "kind": Document.Kind.INVOICE, "status": Document.Status.UNPAID, "year": 2026, "sequence": 1,
            "description": "Подписка «Про», 1 мес.", "amount_kopecks": 999_000, "vat_code": 11,
            "period_start": datetime(2026, 11, 26, 9, tzinfo=UTC), "period_end": datetime(2026, 12, 26, 9, tzinfo=UTC),
            "seller": SELLER, "buyer": COMPANY,
            # 01:30 in Moscow: the date printed is the Moscow one.
            "issued_at": datetime(2026, 11, 25, 22, 30, tzinfo=UTC),
        }
        return Document(**{**values, **fields})

    return make


@pytest.fixture
def paid_payment() -> Payment:
    return Payment(
        provider="yookassa", order_id="fl-7f3a9c", amount_kopecks=999_000,
        paid_at=datetime(2026, 11, 25, 22, 40, tzinfo=UTC),
    )


def pdf_file(pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The layout text with every run of whitespace (no-break spaces too) made a single space."""
    path = pdf_file(pdf, tmp_path)
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, check=True, text=True).stdout
    return re.sub(r"\s+", " ", text)


# --- PDFs ---------------------------------------------------------------------------------------


def test_unpaid_invoice_has_bank_block_parties_and_totals(make_document, tmp_path):
    pdf = render_pdf(make_document())

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "Счёт на оплату № 2026-00001 от 26 ноября 2026 г." in text
    for bank_line in ("АО «ТБанк» БИК 044525974", "Банк получателя Сч. № 30101810145250000974",
                      "ИНН 7701234567 КПП 770101001 Сч. № 40702810910000000001", "Получатель"):
        assert bank_line in text
    assert "Поставщик: ООО «Фаст Лид», ИНН 7701234567, КПП 770101001" in text
    assert "Покупатель: ООО «Ромашка», ИНН 7712345678, КПП 771201001, 101000, г. Москва, ул. Мясницкая, д. 1" in text
    assert "№ Наименование Кол-во Ед. Цена Сумма" in text
    assert "1 Подписка «Про», 1 мес. 1 усл. 9 990,00 9 990,00" in text
    assert "Итого: 9 990,00" in text
    assert "В том числе НДС 22 %: 1 801,48" in text
    assert "Всего к оплате: 9 990,00" in text
    assert "Всего наименований 1, на сумму 9 990,00 руб." in text
    assert "Девять тысяч девятьсот девяносто рублей 00 копеек" in text
    assert "Период: 26.11.2026 — 26.12.2026" in text
    assert "Руководитель (Иванов И. И.)" in text
    assert "Оплачен" not in text


def test_paid_invoice_has_paid_mark_and_payment_reference_but_no_bank_block(make_document, paid_payment, tmp_path):
    document = make_document(status=Document.Status.PAID, payment=paid_payment, buyer=PERSON)

    text = pdf_text(render_pdf(document), tmp_path)

    assert "Оплачен 26.11.2026" in text
    assert "ЮKassa, заказ № fl-7f3a9c" in text
    assert "Банк получателя" not in text
    assert "БИК" not in text
    # An individual is named with their e-mail; there are no requisites to print.
    assert "Покупатель: Пётр Смирнов, petr@example.ru" in text


def test_void_invoice_says_so_instead_of_asking_for_payment(make_document, tmp_path):
    text = pdf_text(render_pdf(make_document(status=Document.Status.VOID)), tmp_path)

    assert "Аннулирован" in text
    assert "Банк получателя" not in text
    assert "Оплачен" not in text


@pytest.mark.parametrize(
    ("vat_code", "vat_line"),
    [(1, "Без НДС: —"), (4, "В том числе НДС 20 %: 1 665,00"), (11, "В том числе НДС 22 %: 1 801,48")],
)
def test_vat_line_follows_the_vat_code(make_document, tmp_path, vat_code, vat_line):
    text = pdf_text(render_pdf(make_document(vat_code=vat_code)), tmp_path)

    assert vat_line in text
    assert "Всего к оплате: 9 990,00" in text


def test_act_has_parties_totals_statement_and_two_signatures(make_document, paid_payment, tmp_path):
    document = make_document(kind=Document.Kind.ACT, status=Document.Status.PAID, payment=paid_payment, vat_code=4)

    text = pdf_text(render_pdf(document), tmp_path)

    assert "Акт № 2026-00001 от 26 ноября 2026 г." in text
    assert "Исполнитель: ООО «Фаст Лид», ИНН 7701234567" in text
    assert "Заказчик: ООО «Ромашка», ИНН 7712345678" in text
    assert "1 Подписка «Про», 1 мес. 1 усл. 9 990,00 9 990,00" in text
    assert "Итого: 9 990,00" in text
    assert "В том числе НДС 20 %: 1 665,00" in text
    assert "Всего оказано услуг 1, на сумму 9 990,00 руб." in text
    assert "Девять тысяч девятьсот девяносто рублей 00 копеек" in text
    assert (
        "Вышеперечисленные услуги выполнены полностью и в срок. "
        "Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет."
    ) in text
    assert "Исполнитель Заказчик" in text
    assert "/ Иванов И. И. /" in text
    assert text.count("подпись") == 2
    assert "Счёт на оплату" not in text
    assert "Оплачен" not in text


def test_period_is_left_out_when_unknown(make_document, tmp_path):
    text = pdf_text(render_pdf(make_document(period_start=None, period_end=None)), tmp_path)

    assert "Период" not in text


@pytest.mark.parametrize("kind", [Document.Kind.INVOICE, Document.Kind.ACT])
def test_dejavu_fonts_are_embedded_and_nothing_else_is_used(make_document, tmp_path, kind):
    path = pdf_file(render_pdf(make_document(kind=kind)), tmp_path)

    output = subprocess.run(["pdffonts", path], capture_output=True, check=True, text=True).stdout
    fonts = {
        match["name"].split("+")[-1]: match["emb"]
        for match in re.finditer(r"^(?P<name>\S+)\s.*?\s(?P<emb>yes|no)\s+(?:yes|no)\s+(?:yes|no)\s+\d+\s+\d+$",
                                 output, re.MULTILINE)
    }
    assert fonts == {"DejaVuSans": "yes", "DejaVuSans-Bold": "yes"}


def test_long_names_wrap_inside_the_page_and_markup_characters_are_text(make_document, tmp_path):
    description = "Подписка «Бизнес» с персональным менеджером, индивидуальным онбордингом и доступом к API, 12 мес."
    buyer = {**COMPANY, "name": "ООО «Рога & Копыта <Северо-Западное региональное представительство>»"}
    path = pdf_file(render_pdf(make_document(description=description, buyer=buyer)), tmp_path)

    bbox = subprocess.run(["pdftotext", "-bbox", path, "-"], capture_output=True, check=True, text=True).stdout
    right_edges = [float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', bbox)]
    assert max(right_edges) <= A4[0] - PAGE_MARGIN + 0.5
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout)
    for word in [*description.split(), "&", "<Северо-Западное"]:
        assert word in text
    pages = subprocess.run(["pdfinfo", path], capture_output=True, check=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.MULTILINE)


# --- amounts in words and figures -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kopecks", "words"),
    [
        (999_000, "Девять тысяч девятьсот девяносто рублей 00 копеек"),
        (100, "Один рубль 00 копеек"),
        (200, "Два рубля 00 копеек"),
        (500, "Пять рублей 00 копеек"),
        (1_100, "Одиннадцать рублей 00 копеек"),
        (1_200, "Двенадцать рублей 00 копеек"),
        (1_300, "Тринадцать рублей 00 копеек"),
        (1_400, "Четырнадцать рублей 00 копеек"),
        (2_100, "Двадцать один рубль 00 копеек"),
        (2_200, "Двадцать два рубля 00 копеек"),
        (2_500, "Двадцать пять рублей 00 копеек"),
        (10_100, "Сто один рубль 00 копеек"),
        (11_100, "Сто одиннадцать рублей 00 копеек"),
        (22_200, "Двести двадцать два рубля 00 копеек"),
        (100_000, "Одна тысяча рублей 00 копеек"),
        (200_000, "Две тысячи рублей 00 копеек"),
        (500_000, "Пять тысяч рублей 00 копеек"),
        (1_100_000, "Одиннадцать тысяч рублей 00 копеек"),
        (1_999_000, "Девятнадцать тысяч девятьсот девяносто рублей 00 копеек"),
        (2_100_000, "Двадцать одна тысяча рублей 00 копеек"),
        (2_200_000, "Двадцать две тысячи рублей 00 копеек"),
        (100_000_000, "Один миллион рублей 00 копеек"),
        (200_000_000, "Два миллиона рублей 00 копеек"),
        (500_000_000, "Пять миллионов рублей 00 копеек"),
        (100_100_000, "Один миллион одна тысяча рублей 00 копеек"),
        (123_456_789, "Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек"),
        (100_000_000_000, "Один миллиард рублей 00 копеек"),
        (212_000_000_000, "Два миллиарда сто двадцать миллионов рублей 00 копеек"),
        (0, "Ноль рублей 00 копеек"),
        (1, "Ноль рублей 01 копейка"),
        (5, "Ноль рублей 05 копеек"),
        (12, "Ноль рублей 12 копеек"),
        (22, "Ноль рублей 22 копейки"),
        (121, "Один рубль 21 копейка"),
    ],
)
def test_rubles_in_words(kopecks, words):
    assert rubles_in_words(kopecks) == words


@pytest.mark.parametrize("kopecks", [-1, 10**14])
def test_rubles_in_words_rejects_amounts_out_of_range(kopecks):
    with pytest.raises(ValueError, match="Сумма"):
        rubles_in_words(kopecks)


@pytest.mark.parametrize(
    ("kopecks", "figures"),
    [(999_000, "9 990,00"), (0, "0,00"), (5, "0,05"), (100, "1,00"), (99_999, "999,99"),
     (123_456_789, "1 234 567,89")],
)
def test_format_rubles(kopecks, figures):
    assert format_rubles(kopecks).replace("\u00a0", " ") == figures


# --- VAT --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vat_code", "label", "amount"),
    [
        (1, "Без НДС", 0),
        (2, "НДС 0 %", 0),
        (3, "НДС 10 %", 90_818),  # 999 000 × 10 / 110 = 90 818.18
        (4, "НДС 20 %", 166_500),
        (5, "НДС 10 %", 90_818),
        (6, "НДС 20 %", 166_500),
        (7, "НДС 5 %", 47_571),  # × 5 / 105 = 47 571.43
        (8, "НДС 7 %", 65_355),  # × 7 / 107 = 65 355.14
        (9, "НДС 5 %", 47_571),
        (10, "НДС 7 %", 65_355),
        (11, "НДС 22 %", 180_148),  # × 22 / 122 = 180 147.54
        (12, "НДС 22 %", 180_148),
    ],
)
def test_vat_of_every_code(vat_code, label, amount):
    vat = vat_of(vat_code, 999_000)

    assert (vat.label, vat.amount_kopecks) == (label, amount)


@pytest.mark.parametrize(("amount", "vat_amount"), [(3, 1), (9, 2), (15, 3), (100, 17)])
def test_vat_rounds_half_up_to_the_kopeck(amount, vat_amount):
    # 3 × 20 / 120 = 0.5 → 1 and 9 × 20 / 120 = 1.5 → 2 (not to even); 100 / 6 = 16.67 → 17.
    assert vat_of(4, amount).amount_kopecks == vat_amount


def test_vat_of_unknown_code():
    with pytest.raises(ValueError, match="код НДС"):
        vat_of(13, 100)
