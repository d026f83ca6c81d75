"""A one-sheet XLSX written as a stream: the workbook's parts are constant, the sheet's rows go into the zip as
they come (inline strings, no shared-string table), so memory stays flat and nothing waits for the last row.

Written here rather than with a general library because an export is one plain table and that library's
per-cell bookkeeping cost more than everything else of a 10,000-row export."""

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET}.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SPREADSHEET}.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" ContentType="{SPREADSHEET}.styles+xml"/>\
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">\
<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">\
<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>"""
# Cell styles: 0 plain, 1 bold (the header), 2 a date and time (numFmt 164).
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd.mm.yyyy hh:mm"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
BOLD, DATE = 1, 2
# Characters XML 1.0 cannot carry; Excel's own escape for them is _xHHHH_, so text that already looks like that
# escape gets its underscore escaped (_x005F_) to read back as typed.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
FLUSH_ROWS = 500


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    if _UNWRITABLE.search(value):  # rare: most text has nothing to escape the Excel way
        value = _UNWRITABLE.sub(lambda match: f"_x{ord(match.group()):04X}_", value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    return f'<is><t xml:space="preserve">{value}</t></is>'


class _Sink:
    """Where the zip writes: bytes collected until the stream takes them (the zip needs only write and tell)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes, /) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream(sheet_name: str, columns: Sequence[tuple[str, float]], rows: Iterable[Sequence[object]],
           *, date_columns: Sequence[int] = ()) -> Iterator[bytes]:
    """The workbook's bytes: a bold, frozen header of ``columns`` (title, width in characters), then ``rows``.
    A str is written as text (never a formula), an int or float as a number, a date-time column's float as
    Excel's day number with a date format; None and "" leave the cell empty."""
    sink = _Sink()
    refs = [_letters(index) for index in range(len(columns))]
    dates = frozenset(date_columns)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
                         f'<sheet name="{escape(sheet_name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
                         f'</sheets></workbook>')
        package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        package.writestr("xl/styles.xml", STYLES)
        yield sink.take()
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            widths = "".join(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"'
                             f'{f" style={chr(34)}{DATE}{chr(34)}" if n - 1 in dates else ""}/>'
                             for n, (_, width) in enumerate(columns, start=1))
            header = "".join(f'<c r="{ref}1" t="inlineStr" s="{BOLD}">{_text(title)}</c>'
                             for ref, (title, _) in zip(refs, columns, strict=True))
            sheet.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
                        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                        f'<cols>{widths}</cols><sheetData><row r="1">{header}</row>'.encode())
            lines: list[str] = []
            for number, row in enumerate(rows, start=2):
                cells = []
                for index, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if isinstance(value, str):
                        cells.append(f'<c r="{refs[index]}{number}" t="inlineStr">{_text(value)}</c>')
                    elif index in dates:
                        cells.append(f'<c r="{refs[index]}{number}" s="{DATE}"><v>{value!r}</v></c>')
                    else:
                        cells.append(f'<c r="{refs[index]}{number}"><v>{value!r}</v></c>')
                lines.append(f'<row r="{number}">{"".join(cells)}</row>')
                if len(lines) == FLUSH_ROWS:
                    sheet.write("".join(lines).encode())
                    lines.clear()
                    yield sink.take()
            sheet.write(("".join(lines) + "</sheetData></worksheet>").encode())
    yield sink.take()
