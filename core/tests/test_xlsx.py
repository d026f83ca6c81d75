import io
from datetime import datetime

import openpyxl

from core import xlsx


def _read(columns, rows, **options):
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.stream("Лиды", columns, rows, **options))))
    return book.active


def test_text_numbers_and_dates_read_back_as_written():
    sheet = _read([("id", 8), ("Имя", 20), ("Создан", 17)],
                  [[1, "Анна <Щукина> & Co", 46083.0625], [2, "", None]], date_columns=(2,))
    assert sheet.title == "Лиды"
    assert [cell.value for cell in sheet[1]] == ["id", "Имя", "Создан"]
    assert [cell.value for cell in sheet[2]] == [1, "Анна <Щукина> & Co", datetime(2026, 3, 2, 1, 30)]
    assert sheet["C2"].number_format == "dd.mm.yyyy hh:mm"
    assert [cell.value for cell in sheet[3]] == [2, None, None]  # blank cells stay blank, columns keep their place
    assert sheet.column_dimensions["B"].width == 20


def test_formula_looking_text_stays_text():
    sheet = _read([("Имя", 10)], [["=HYPERLINK(\"http://evil\")"], ["+7 916"], ["@SUM(A1)"]])
    assert [sheet.cell(row=n, column=1).value for n in (2, 3, 4)] == ['=HYPERLINK("http://evil")', "+7 916",
                                                                       "@SUM(A1)"]
    assert all(sheet.cell(row=n, column=1).data_type == "s" for n in (2, 3, 4))


def test_characters_xml_cannot_carry_and_escape_lookalikes_survive():
    """A control character becomes Excel's _xHHHH_ escape (the XML stays well-formed); text that already looks
    like such an escape gets its underscore escaped (_x005F_), which Excel reads back as typed."""
    typed = ["bell\x07 and tab\t", "_x0041_ as typed", "  spaces kept  "]
    content = b"".join(xlsx.stream("Лиды", [("Текст", 10)], [[value] for value in typed]))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].value == "bell_x0007_ and tab\t"
    assert sheet["A3"].value == "_x005F_x0041_ as typed"
    assert sheet["A4"].value == "  spaces kept  "


def test_rows_stream_out_before_the_last_one_is_read():
    produced = []

    def rows():
        for number in range(2000):
            produced.append(number)
            yield [number]

    chunks = xlsx.stream("Лиды", [("n", 8)], rows())
    next(chunks)  # the constant parts
    next(chunks)
    assert len(produced) < 2000
    assert sum(1 for _ in chunks) >= 1
