"""The validation report of an import: one sheet of problems (row, column, code, message) and a summary.

Written with xlsxwriter in constant_memory mode: rows go to disk as they come, so
a report of a million problems costs no more memory than one of ten.
"""

from __future__ import annotations

import io

from core.ledgers.columns import BY_KEY
from core.ledgers.rows import Problem

SUMMARY_LABELS = (
    ("file", "文件"),
    ("sha256", "文件SHA-256"),
    ("status", "结果"),
    ("rowsRead", "读取行数"),
    ("created", "新增"),
    ("updated", "更新"),
    ("unchanged", "未变"),
    ("rejected", "拒绝"),
    ("duplicates", "重复行（跳过）"),
    ("areasCreated", "新建区域"),
    ("unitsCreated", "新建户"),
    ("committed", "已写入"),
)


class ReportWriter:
    """Problems as they are found, then the summary; ``close()`` returns the workbook's bytes
    (or writes ``path``)."""

    def __init__(self, path: str | None = None):
        import xlsxwriter

        self._buffer = None if path else io.BytesIO()
        self.book = xlsxwriter.Workbook(path or self._buffer, {"constant_memory": True})
        self.bold = self.book.add_format({"bold": True})
        self.problems = self.book.add_worksheet("问题 problems")
        self.problems.write_row(
            0, 0, ("行 row", "列 column", "列名 header", "代码 code", "说明 message"), self.bold
        )
        self.problems.set_column(0, 0, 8)
        self.problems.set_column(1, 3, 16)
        self.problems.set_column(4, 4, 70)
        self.count = 0

    def add(self, problem: Problem) -> None:
        self.count += 1
        column = BY_KEY.get(problem.column)
        self.problems.write_row(
            self.count,
            0,
            (problem.row, problem.column, column.header if column else "", problem.code, problem.message),
        )

    def close(self, summary: dict) -> bytes | None:
        sheet = self.book.add_worksheet("汇总 summary")
        for i, (key, label) in enumerate(SUMMARY_LABELS):
            value = summary.get(key)
            sheet.write_row(i, 0, (label, key, str(value) if isinstance(value, bool) else value))
        sheet.set_column(0, 1, 16)
        sheet.set_column(2, 2, 70)
        self.book.close()
        return self._buffer.getvalue() if self._buffer is not None else None
