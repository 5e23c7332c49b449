"""An .xlsx written as it is sent: the workbook's zip is produced chunk by chunk.

xlsxwriter and openpyxl both finish a workbook before any byte of it can go out
(the zip is written at close). An export of a million rows must start at once, so
this writes the few parts of a minimal SpreadsheetML package itself: the sheet's
XML is deflated row by row into a zip whose entries carry data descriptors
(``zipfile`` in streaming mode on a non-seekable sink), and every chunk the zip
produces is yielded to the HTTP response. Cells are inline strings or numbers:
no shared-string table to hold in memory.
"""

from __future__ import annotations

import zipfile
from collections.abc import AsyncIterator
from xml.sax.saxutils import escape

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
_BAD_XML = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


class _Sink:
    """A write-only, non-seekable file that keeps what the zip wrote until it is drained."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:  # zipfile asks; a non-seekable sink may answer with what it wrote
        return self.offset

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def row_xml(number: int, values) -> str:
    cells = []
    for c, value in enumerate(values):
        if value is None or value == "":
            continue
        ref = f"{_column(c)}{number}"
        if isinstance(value, bool):
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{"是" if value else "否"}</t></is></c>')
        elif isinstance(value, int | float):
            cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
        else:
            # Text stays text (an ID number is never a number that loses digits).
            text = escape(str(value).translate(_BAD_XML))
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


async def xlsx_stream(
    sheet_name: str,
    header_rows: list[list],
    rows: AsyncIterator[list],
    counter: list[int],
    flush_rows: int = 1000,
) -> AsyncIterator[bytes]:
    sink = _Sink()
    book = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    book.writestr("[Content_Types].xml", CONTENT_TYPES)
    book.writestr("_rels/.rels", ROOT_RELS)
    book.writestr("xl/workbook.xml", WORKBOOK.format(name=escape(sheet_name[:31], {'"': "&quot;"})))
    book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
    sheet = book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
    sheet.write(SHEET_HEAD.encode())
    number = 0
    for values in header_rows:
        number += 1
        sheet.write(row_xml(number, values).encode())
    yield sink.drain()
    pending = []
    async for values in rows:
        number += 1
        counter[0] += 1
        pending.append(row_xml(number, values))
        if len(pending) >= flush_rows:
            sheet.write("".join(pending).encode())
            pending = []
            chunk = sink.drain()
            if chunk:
                yield chunk
    sheet.write(("".join(pending) + SHEET_TAIL).encode())
    sheet.close()
    book.close()
    yield sink.drain()
