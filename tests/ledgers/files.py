"""Registry files as they come from the field, built for the ledger tests."""

from __future__ import annotations

import csv
import datetime as dt
import io

from core.validation import make_id_number

FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def id_number(born: dt.date, seq: int) -> str:
    return make_id_number("410106", born, seq)


def _bad_check(value: str) -> str:
    return value[:17] + ("1" if value[17] != "1" else "2")


def lower_x_id() -> str:
    """A valid ID number whose check character is X."""
    for seq in range(1, 1000):
        value = id_number(dt.date(1980, 5, 17), seq)
        if value.endswith("X"):
            return value
    raise AssertionError("no X check digit found")


HEADER = [
    "街道",
    "社区",
    "小区",
    "楼栋",
    "户号",
    "姓名",
    "身份证号",
    "联系电话",
    "性别",
    "与户主关系",
    "户籍类型",
    "关爱标签",
    "入住日期",
]


def messy_rows() -> list[list]:
    """Data rows of the messy file (the first three share a subdistrict cell merged down)."""
    x_id = lower_x_id()
    return [
        # full-width phone digits, trailing blanks, an Excel serial date (45000 = 2023-03-15)
        [
            "济源路街道",
            "三湾街社区",
            "幸福小区",
            "1号楼",
            "1-102",
            "赵磊  ",
            id_number(dt.date(1975, 3, 2), 11),
            "１３９００１３９０００",
            "男",
            "户主",
            "户籍",
            "elderly-alone、veteran",
            45000,
        ],
        # an ID with a lower-case x, ideographic space after the name
        [
            None,
            "三湾街社区",
            "幸福小区",
            "1号楼",
            "1-102",
            "钱芳\u3000",
            x_id.lower(),
            "13900139001",
            "",
            "配偶",
            "流动",
            "",
            "2023-03-15",
        ],
        # the same row again (a duplicate): skipped, not rejected
        [
            None,
            "三湾街社区",
            "幸福小区",
            "1号楼",
            "1-102",
            "钱芳",
            x_id,
            "13900139001",
            "",
            "配偶",
            "流动",
            "",
            "2023/3/15",
        ],
        # a bad check digit
        [
            "济源路街道",
            "三湾街社区",
            "幸福小区",
            "1号楼",
            "1-103",
            "孙强",
            _bad_check(id_number(dt.date(1990, 1, 1), 21)),
            "13900139002",
            "",
            "户主",
            "户籍",
            "",
            "",
        ],
        # a bad phone and a gender contradicting the ID
        [
            "济源路街道",
            "三湾街社区",
            "幸福小区",
            "1号楼",
            "1-104",
            "李静",
            id_number(dt.date(1992, 2, 2), 32),
            "1390013",
            "男",
            "户主",
            "户籍",
            "",
            "",
        ],
        # an unknown subdistrict (create-areas makes only what lies below a known one... the
        # district has no such subdistrict and the file names no district: still created), so:
        # a unit without its building
        [
            "济源路街道",
            "三湾街社区",
            "幸福小区",
            None,
            "1-101",
            "周杰",
            id_number(dt.date(1960, 6, 6), 41),
            "",
            "",
            "户主",
            "户籍",
            "",
            "",
        ],
    ]


def messy_xlsx() -> bytes:
    """Title row merged across, a two-row header (an address group merged above its columns,
    姓名 merged down both rows), the subdistrict merged down, blank rows at the end."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    width = len(HEADER)
    sheet.append(["上街区居民信息台账"] + [None] * (width - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append(["地址", None, None, None, None, "姓名", "居民信息"] + [None] * (width - 7))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    sheet.merge_cells(start_row=2, start_column=6, end_row=3, end_column=6)
    sheet.merge_cells(start_row=2, start_column=7, end_row=2, end_column=width)
    sheet.append([h if h != "姓名" else None for h in HEADER])
    for row in messy_rows():
        sheet.append(row)
    sheet.merge_cells(start_row=4, start_column=1, end_row=6, end_column=1)
    for _ in range(3):
        sheet.append([None] * width)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8", header=HEADER) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return text.getvalue().encode(encoding)
