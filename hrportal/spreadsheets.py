"""CSV and XLSX files in and out, through tablib (openpyxl underneath).

Every export escapes text that a spreadsheet would run as a formula, and every import
reads such escaped cells back unchanged, so a file round-trips.
"""

import csv
import io
from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A lone "-" means "not applicable" in the matrix: it is data, not a formula, and stays as it is.
_PLAIN_VALUES = {"-"}


class SpreadsheetError(ValueError):
    """The file cannot be read at all (wrong format, no header row, not UTF-8)."""


def escape_cell(value):
    """Prefix text that starts like a formula with an apostrophe (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and value not in _PLAIN_VALUES:
        return "'" + value
    return value


def unescape_cell(value):
    """Undo escape_cell: "'=SUM(A1)" → "=SUM(A1)"; anything else unchanged."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def build_dataset(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Sheet1") -> tablib.Dataset:
    dataset = tablib.Dataset(headers=list(headers), title=title[:31])
    for row in rows:
        dataset.append([escape_cell(value) for value in row])
    return dataset


def export_bytes(dataset: tablib.Dataset, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise SpreadsheetError(f"Unknown format {fmt!r}: use csv or xlsx.")
    content = dataset.export(fmt)
    return content.encode("utf-8") if isinstance(content, str) else content


def download_response(dataset: tablib.Dataset, *, filename: str, fmt: str) -> HttpResponse:
    """An attachment response with `dataset` as CSV (UTF-8) or XLSX."""
    response = HttpResponse(export_bytes(dataset, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def format_from_name(name: str) -> str:
    fmt = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if fmt not in FORMATS:
        raise SpreadsheetError(f"“{name}” is neither a .csv nor an .xlsx file.")
    return fmt


def read_rows(content: bytes, fmt: str) -> tuple[list[str], list[list]]:
    """(headers, rows) from a CSV (UTF-8, with or without BOM) or XLSX file's bytes.

    Cells are unescaped and stripped; empty trailing rows are dropped. Row n of the result is
    line n + 2 of the file (after the header), which is what error messages should name.
    """
    if fmt == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpreadsheetError("The CSV file is not UTF-8 text: save it as “CSV UTF-8”.") from None
        table = list(csv.reader(io.StringIO(text)))
    elif fmt == "xlsx":
        try:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx", headers=False)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise SpreadsheetError(f"The XLSX file cannot be read: {error}") from None
        table = [list(row) for row in dataset]
    else:
        raise SpreadsheetError(f"Unknown format {fmt!r}: use csv or xlsx.")
    table = [[_clean(cell) for cell in row] for row in table]
    while table and all(cell == "" for cell in table[-1]):
        table.pop()
    if not table:
        raise SpreadsheetError("The file is empty: it needs a header row.")
    headers, rows = [str(h) for h in table[0]], table[1:]
    return headers, rows


def _clean(cell):
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, str):
        cell = unescape_cell(cell.strip())
    return cell
