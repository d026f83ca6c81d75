"""Invoice (счёт на оплату) and act (акт) PDFs in the familiar 1C layout, drawn with ReportLab.

The built-in PDF fonts have no Cyrillic, so DejaVu Sans is registered and embedded (as a subset).
"""

import functools
import html
from datetime import datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.text import format_rubles

from .models import Document
from .money_words import rubles_in_words
from .vat import vat_of

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MOSCOW = ZoneInfo("Europe/Moscow")
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)

PAGE_MARGIN = 15 * mm
FRAME_PADDING = 6  # points: SimpleDocTemplate's frame keeps this inside the margins
CONTENT_WIDTH = A4[0] - 2 * PAGE_MARGIN - 2 * FRAME_PADDING
GRID = colors.black
PAID_COLOR = colors.HexColor("#15803d")
VOID_COLOR = colors.HexColor("#b91c1c")

TEXT = ParagraphStyle("text", fontName=FONT, fontSize=9, leading=11.5)
BOLD = ParagraphStyle("bold", parent=TEXT, fontName=FONT_BOLD)
SMALL = ParagraphStyle("small", parent=TEXT, fontSize=7, leading=9)
TITLE = ParagraphStyle("title", parent=BOLD, fontSize=13, leading=16, spaceAfter=1 * mm)
HEADER_CELL = ParagraphStyle("header", parent=BOLD, fontSize=8.5, leading=10, alignment=TA_CENTER)
STAMP = ParagraphStyle("stamp", parent=BOLD, fontSize=13, leading=16, alignment=TA_CENTER)
STAMP_DETAIL = ParagraphStyle("stamp_detail", parent=SMALL, alignment=TA_CENTER)

# №, name, quantity, unit, price, sum: the name takes what is left and wraps.
ITEM_WIDTHS = (9 * mm, CONTENT_WIDTH - 95 * mm, 19 * mm, 13 * mm, 27 * mm, 27 * mm)


@functools.cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, FONT_DIR / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def render_pdf(document: Document) -> bytes:
    """The A4 PDF of an invoice or an act, ready to store and to attach to an e-mail."""
    _register_fonts()
    story = _invoice_story(document) if document.kind == Document.Kind.INVOICE else _act_story(document)
    buffer = BytesIO()
    pdf = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN, topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN, title=f"{document.get_kind_display()} № {document.number}",
        author=document.seller.get("name", ""), subject=document.description, creator="Fast Lead", initialFontName=FONT,
    )
    pdf.build(story)
    return buffer.getvalue()


def _invoice_story(document: Document) -> list[Flowable]:
    story: list[Flowable] = []
    if document.status == Document.Status.UNPAID:
        story += [_bank_block(document.seller), Spacer(0, 6 * mm)]
    story += [
        *_title(f"Счёт на оплату № {document.number} от {_long_date(document.issued_at)}"),
        _parties(("Поставщик:", _requisites(document.seller)), ("Покупатель:", _requisites(document.buyer))),
        Spacer(0, 4 * mm),
        *_items_and_totals(document, grand_total="Всего к оплате:", count_label="Всего наименований"),
    ]
    if document.status == Document.Status.UNPAID:
        story.append(_p(
            f"В назначении платежа укажите: «Оплата по счёту № {document.number} "
            f"от {_short_date(document.issued_at)}».", SMALL,
        ))
    elif document.status == Document.Status.PAID:
        story += [Spacer(0, 4 * mm), _paid_stamp(document)]
    else:
        story += [Spacer(0, 4 * mm), _stamp("Аннулирован", "Счёт недействителен, оплачивать его не нужно", VOID_COLOR)]
    story += [_rule(), _director_signature(document.seller)]
    return story


def _act_story(document: Document) -> list[Flowable]:
    return [
        *_title(f"Акт № {document.number} от {_long_date(document.issued_at)}"),
        _parties(("Исполнитель:", _requisites(document.seller)), ("Заказчик:", _requisites(document.buyer))),
        Spacer(0, 4 * mm),
        *_items_and_totals(document, grand_total=None, count_label="Всего оказано услуг"),
        Spacer(0, 3 * mm),
        _p(
            "Вышеперечисленные услуги выполнены полностью и в срок. "
            "Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет."
        ),
        _rule(),
        _act_signatures(document),
    ]


def _p(text: str, style: ParagraphStyle = TEXT) -> Paragraph:
    """A paragraph of plain text (customer-entered names may hold "&" or "<")."""
    return Paragraph(html.escape(text, quote=False), style)


def _rule() -> HRFlowable:
    return HRFlowable(width="100%", thickness=1.5, color=GRID, spaceBefore=3 * mm, spaceAfter=4 * mm)


def _title(text: str) -> list[Flowable]:
    return [_p(text, TITLE), _rule()]


def _long_date(value: datetime) -> str:
    local = value.astimezone(MOSCOW)
    return f"{local.day} {MONTHS_GENITIVE[local.month - 1]} {local.year} г."


def _short_date(value: datetime) -> str:
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y")


def _requisites(party: dict) -> str:
    """One line of requisites; an individual (no INN) is named with their e-mail."""
    parts = [party.get("name", "")]
    if party.get("inn"):
        parts.append(f"ИНН {party['inn']}")
    if party.get("kpp"):
        parts.append(f"КПП {party['kpp']}")
    if party.get("ogrn"):
        parts.append(f"ОГРН {party['ogrn']}")
    if party.get("address"):
        parts.append(party["address"])
    if not party.get("inn") and party.get("email"):
        parts.append(party["email"])
    return ", ".join(part for part in parts if part)


def _bank_block(seller: dict) -> Table:
    """The payee's bank details framed the way Russian accountants expect to copy them."""
    inn = f"ИНН {seller['inn']}" if seller.get("inn") else ""
    kpp = f"КПП {seller['kpp']}" if seller.get("kpp") else ""
    rows = [
        [_p(seller.get("bank", "")), "", "БИК", seller.get("bik", "")],
        [_p("Банк получателя", SMALL), "", "Сч. №", seller.get("corr_account", "")],
        [inn, kpp, "Сч. №", seller.get("account", "")],
        [_p(seller.get("name", "")), "", "", ""],
        [_p("Получатель", SMALL), "", "", ""],
    ]
    table = Table(rows, colWidths=(48 * mm, 48 * mm, 16 * mm, CONTENT_WIDTH - 112 * mm))
    table.setStyle(_table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("SPAN", (0, 0), (1, 0)), ("SPAN", (0, 1), (1, 1)), ("SPAN", (0, 3), (1, 3)), ("SPAN", (0, 4), (1, 4)),
        ("SPAN", (2, 2), (2, 4)), ("SPAN", (3, 2), (3, 4)),
        ("BOX", (0, 0), (-1, -1), 0.75, GRID),
        ("LINEBEFORE", (2, 0), (3, -1), 0.75, GRID),
        ("LINEBELOW", (2, 0), (3, 0), 0.75, GRID),
        ("LINEBELOW", (0, 1), (-1, 1), 0.75, GRID),
        ("LINEBELOW", (0, 2), (1, 2), 0.75, GRID),
        ("LINEAFTER", (0, 2), (0, 2), 0.75, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _table_style(commands: list[tuple]) -> TableStyle:
    """Table commands on top of DejaVu Sans for plain-string cells (a table's default is Helvetica)."""
    return TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), *commands])


def _parties(*rows: tuple[str, str]) -> Table:
    table = Table([[_p(label), _p(text, BOLD)] for label, text in rows], colWidths=(28 * mm, CONTENT_WIDTH - 28 * mm))
    table.setStyle(_table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _items_and_totals(document: Document, grand_total: str | None, count_label: str) -> list[Flowable]:
    """The one-line table, the totals with VAT, the count line, the amount in words and the period."""
    amount = format_rubles(document.amount_kopecks)
    header = [_p(text, HEADER_CELL) for text in ("№", "Наименование", "Кол-во", "Ед.", "Цена", "Сумма")]
    items = Table([header, ["1", _p(document.description), "1", "усл.", amount, amount]], colWidths=ITEM_WIDTHS)
    items.setStyle(_table_style([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BOX", (0, 0), (-1, -1), 1.2, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f5f9")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (2, 1), (2, -1), "RIGHT"),
        ("ALIGN", (3, 1), (3, -1), "CENTER"),
        ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
    ]))

    vat = vat_of(document.vat_code, document.amount_kopecks)
    if vat.rate is None:
        vat_row = [f"{vat.label}:", "—"]
    else:
        vat_row = [f"В том числе {vat.label}:", format_rubles(vat.amount_kopecks)]
    total_rows = [["Итого:", amount], vat_row]
    if grand_total:
        total_rows.append([grand_total, amount])
    totals = Table(total_rows, colWidths=(CONTENT_WIDTH - ITEM_WIDTHS[-1], ITEM_WIDTHS[-1]))
    totals.setStyle(_table_style([
        ("FONT", (0, 0), (-1, -1), FONT_BOLD, 9),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))

    story: list[Flowable] = [
        items, Spacer(0, 2 * mm), totals, Spacer(0, 3 * mm),
        _p(f"{count_label} 1, на сумму {amount} руб."),
        _p(rubles_in_words(document.amount_kopecks), BOLD),
    ]
    if document.period_start and document.period_end:
        period = f"Период: {_short_date(document.period_start)} — {_short_date(document.period_end)}"
        story += [Spacer(0, 2 * mm), _p(period)]
    return story


def _stamp(text: str, detail: str, color: colors.Color) -> Table:
    """A framed mark like a bank's stamp: "Оплачен 26.11.2026"."""
    stamp = Table(
        [[_p(text, ParagraphStyle("mark", parent=STAMP, textColor=color))],
         [_p(detail, ParagraphStyle("mark_detail", parent=STAMP_DETAIL, textColor=color))]],
        colWidths=(75 * mm,), hAlign="LEFT",
    )
    stamp.setStyle(_table_style([("BOX", (0, 0), (-1, -1), 2, color), ("TOPPADDING", (0, 0), (-1, 0), 4)]))
    return stamp


def _paid_stamp(document: Document) -> Table:
    payment = document.payment
    if payment is None:
        return _stamp("Оплачен", "Оплата поступила", PAID_COLOR)
    paid_on = f" {_short_date(payment.paid_at)}" if payment.paid_at else ""
    return _stamp(f"Оплачен{paid_on}", f"{payment.get_provider_display()}, заказ № {payment.order_id}", PAID_COLOR)


def _director_signature(seller: dict) -> Table:
    director = seller.get("director", "")
    table = Table(
        [[_p("Руководитель", BOLD), "", _p(f"({director})" if director else "")]],
        colWidths=(30 * mm, 45 * mm, CONTENT_WIDTH - 75 * mm), hAlign="LEFT",
    )
    table.setStyle(_table_style([
        ("LINEBELOW", (1, 0), (1, 0), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (0, 0), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 8 * mm),
    ]))
    return table


def _act_signatures(document: Document) -> Table:
    """Side by side: the seller's director and the customer, each with a line to sign on."""
    half = (CONTENT_WIDTH - 10 * mm) / 2
    director = document.seller.get("director", "")
    rows = [
        [_p("Исполнитель", BOLD), "", "", _p("Заказчик", BOLD), ""],
        [_p(document.seller.get("name", "")), "", "", _p(document.buyer.get("name", "")), ""],
        ["", _p(f"/ {director} /" if director else ""), "", "", ""],
        [_p("подпись", SMALL), "", "", _p("подпись", SMALL), ""],
    ]
    table = Table(rows, colWidths=(half * 0.5, half * 0.5, 10 * mm, half * 0.5, half * 0.5))
    table.setStyle(_table_style([
        ("SPAN", (0, 0), (1, 0)), ("SPAN", (3, 0), (4, 0)), ("SPAN", (0, 1), (1, 1)), ("SPAN", (3, 1), (4, 1)),
        ("VALIGN", (0, 0), (-1, 1), "TOP"),
        ("VALIGN", (0, 2), (-1, -1), "BOTTOM"),
        ("TOPPADDING", (0, 2), (-1, 2), 10 * mm),
        ("LINEBELOW", (0, 2), (0, 2), 0.5, GRID),
        ("LINEBELOW", (3, 2), (3, 2), 0.5, GRID),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
    ]))
    return table
