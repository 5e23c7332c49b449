"""One cell as a person typed it, made into the value the registry means.

Spreadsheets from the field carry full-width digits and letters (１１０１０５…,
typed with a Chinese input method), trailing blanks and ideographic spaces,
ID numbers with a lower-case x, numbers stored as numbers (a phone read as
13800138000.0), and dates as Excel serial numbers (45000 = 2023-03-15) or as
text in any of the usual shapes (2023-03-15, 2023/3/15, 2023年3月15日, 20230315).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_BLANKS = " \t\r\n\u3000\u00a0\u200b\ufeff"
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 29 Feb 1900
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class BadValue(ValueError):
    """A cell whose text cannot mean a value of its column (the message says why)."""


def text(cell: object) -> str:
    """The cell as text, blanks around it removed; '' for an empty cell."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    return str(cell).strip(_BLANKS)


def narrow(cell: object) -> str:
    """Text with full-width forms made ordinary (NFKC): '１３８ ０' -> '138 0'."""
    return unicodedata.normalize("NFKC", text(cell)).strip(_BLANKS)


def digits_text(cell: object, what: str) -> str:
    """An identifier that must keep every digit: a number cell is accepted only when exact."""
    if isinstance(cell, float):
        if not cell.is_integer() or abs(cell) >= 2**53:
            raise BadValue(f"the {what} is stored as a number and lost digits: format the column as text")
        return str(int(cell))
    if isinstance(cell, int):
        return str(cell)
    return re.sub(r"[\s\u3000]", "", narrow(cell))


def date_value(cell: object) -> dt.date | None:
    """A date cell: a real date, an Excel serial number, or text in a usual shape."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return _serial(cell)
    value = narrow(cell)
    if not value:
        return None
    if re.fullmatch(r"\d{1,5}(\.\d+)?", value) and not _DATE_DIGITS.match(value):
        return _serial(float(value))
    match = _DATE_TEXT.match(value) or _DATE_DIGITS.match(value)
    if not match:
        raise BadValue(f"{value!r} is not a date (write it as 2023-03-15)")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise BadValue(f"{value!r} is not a real date") from None


def _serial(number: float) -> dt.date:
    if not 1 <= number < 2_958_466:  # 9999-12-31
        raise BadValue(f"{number:g} is not a date")
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


_TRUE = {"是", "y", "yes", "true", "1", "党员", "中共党员", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", "非党员", "群众", ""}


def yes_no(cell: object) -> bool | None:
    value = narrow(cell).casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False if value else None
    raise BadValue(f"{text(cell)!r} is neither 是 nor 否")


_TAG_SPLIT = re.compile(r"[、,，;；|]")


def tag_list(cell: object) -> list[str]:
    return [t for t in (part.strip(_BLANKS) for part in _TAG_SPLIT.split(text(cell))) if t]
