"""A small streaming XLSX writer (one sheet, inline strings, integers, a bold header row, frozen first row).

Enough for the exports (100,000 rows in a few seconds, flat memory: the sheet is written straight into the zip
entry); no dependency. Opens in LibreOffice, Excel and openpyxl. Text is cleaned of the characters XML 1.0 forbids,
and a cell starting with ``= + - @`` stays text (inline strings are never evaluated as formulas).
"""

from __future__ import annotations

import datetime as _dt
import re
import zipfile
from typing import IO, Any, Iterable
from xml.sax.saxutils import escape

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_CELL_CHARS = 32767  # Excel's limit
_EPOCH = _dt.date(1899, 12, 30)  # day 0 of spreadsheet dates (1900 system, as Excel and LibreOffice count)

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>{title}</dc:title><dc:creator>Guichet</dc:creator>
</cp:coreProperties>"""


def _text(value: Any) -> str:
    text = _ILLEGAL.sub("", str(value))[:MAX_CELL_CHARS]
    return escape(text)


def _cell(value: Any, style: str) -> str:
    if value is None or value == "":
        return "<c/>" if not style else f'<c{style}/>'
    if isinstance(value, bool):
        value = "oui" if value else "non"
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        # issue 26: a real date (a day serial number in the date format), never text
        return f'<c s="2"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int) or (isinstance(value, float) and value == value and abs(value) < 1e15):
        return f"<c{style}><v>{value}</v></c>"
    text = _text(value)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() or "\n" in text else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


class XlsxWriter:
    """``with XlsxWriter(out, sheet=..., title=...) as w: w.add(row)`` (the first row added is the bold header)."""

    def __init__(self, out: IO[bytes], *, sheet: str = "Demandes", title: str = "") -> None:
        self.count = 0
        self._buf: list[str] = []
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=5)
        z = self._zip
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet[:31], {'"': "&quot;"})))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("docProps/core.xml", _CORE.format(title=_text(title)))
        self._fh = z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
                       b' activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>')

    def add(self, row: Iterable[Any]) -> None:
        self.count += 1
        style = ' s="1"' if self.count == 1 else ""
        self._buf.append(f'<row r="{self.count}">' + "".join(_cell(v, style) for v in row) + "</row>")
        if len(self._buf) >= 500:
            self._flush()

    def _flush(self) -> None:
        self._fh.write("".join(self._buf).encode("utf-8"))
        self._buf.clear()

    def close(self) -> None:
        self._flush()
        self._fh.write(b"</sheetData></worksheet>")
        self._fh.close()
        self._zip.close()

    def __enter__(self) -> "XlsxWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_xlsx(out: IO[bytes], rows: Iterable[list[Any]], *, sheet: str = "Demandes", title: str = "") -> int:
    """Write ``rows`` (the first one is the header, in bold) as an XLSX workbook to ``out``; returns the row count."""
    with XlsxWriter(out, sheet=sheet, title=title) as w:
        for row in rows:
            w.add(row)
    return w.count
