"""Writing rows to a file, chunk by chunk: CSV (UTF-8 with a BOM, so Excel shows Chinese correctly)
or an XLSX workbook. The streamed CSV needs neither: PostgreSQL writes it (``selectors.csv_pieces``).

Both writers hold one chunk at a time and call ``on_chunk(rows)`` after each, for the job's progress.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from exports.selectors import csv_header

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel's last row is 1,048,576; one is the header.
XLSX_MAX_ROWS = 1_048_575

ChunkCallback = Callable[[int], None]


def write_csv(target: IO[bytes], headers: list[str], chunks: Iterable[list], on_chunk: ChunkCallback) -> int:
    """The same CSV as PostgreSQL's (comma, double quotes where needed, LF) into a binary file."""
    target.write(csv_header(headers))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    written = 0
    for chunk in chunks:
        buffer.seek(0)
        buffer.truncate(0)
        writer.writerows(chunk)
        target.write(buffer.getvalue().encode("utf-8"))
        written += len(chunk)
        on_chunk(len(chunk))
    return written


def _cell(value):
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters a workbook cannot hold
    return value


def write_xlsx(
    target: IO[bytes] | str,
    headers: list[str],
    chunks: Iterable[list],
    on_chunk: ChunkCallback,
    *,
    title: str = "export",
) -> int:
    """A one-sheet workbook in openpyxl's write-only mode (flat memory). Figures stay numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index in range(1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    written = 0
    for chunk in chunks:
        for row in chunk:
            sheet.append([_cell(v) for v in row])
        written += len(chunk)
        on_chunk(len(chunk))
    workbook.save(target)
    return written
