"""CSV and XLSX files in and out, through tablib (openpyxl underneath).

Every export escapes text that a spreadsheet would run as a formula, and every import
reads such escaped cells back unchanged, so a file round-trips.
"""

import codecs
import csv
import difflib
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import tablib
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Field, Model
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.utils import get_column_letter

from hrportal.audit import audit_event
from hrportal.models import AuditEvent, User
from hrportal.translated import english_column

if TYPE_CHECKING:
    from django.utils.functional import Promise
    from django_stubs_ext import StrOrPromise

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A lone "-" means "not applicable" in the matrix: it is data, not a formula, and stays as it is.
_PLAIN_VALUES = {"-"}


class SpreadsheetError(ValueError):
    """The file cannot be read at all (wrong format, no header row, not UTF-8)."""


def _looks_like_formula(text: str) -> bool:
    # Leading apostrophes are looked through, so that text which itself starts with "'="
    # gets one more apostrophe on export and loses exactly that one on import.
    return text.lstrip("'").startswith(_FORMULA_STARTS)


def escape_cell(value):
    """Prefix text that starts like a formula with an apostrophe (OWASP CSV injection advice)."""
    if isinstance(value, str) and value not in _PLAIN_VALUES and _looks_like_formula(value):
        return "'" + value
    return value


def unescape_cell(value):
    """Undo escape_cell: "'=SUM(A1)" → "=SUM(A1)", "''=x" → "'=x"; anything else unchanged."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and _looks_like_formula(value[1:]):
        return value[1:]
    return value


def build_dataset(
    headers: Sequence["StrOrPromise"], rows: Iterable[Sequence], title: "StrOrPromise" = "Sheet1"
) -> tablib.Dataset:
    """A sheet to export. `headers` and `title` may be lazy translations: they are rendered here,
    in the language of whoever downloads the file."""
    # Headers are escaped too: a position may be named anything.
    dataset = tablib.Dataset(headers=[escape_cell(str(header)) for header in headers], title=str(title)[:31])
    for row in rows:
        dataset.append([escape_cell(value) for value in row])
    return dataset


def export_bytes(dataset: tablib.Dataset, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise SpreadsheetError(_("Unknown format %(format)r: use csv or xlsx.") % {"format": fmt})
    content = dataset.export(fmt)
    if isinstance(content, str):
        # With a byte-order mark Excel opens the CSV as UTF-8 instead of garbling "Ü" or "é";
        # read_rows (utf-8-sig) and other CSV readers that know UTF-8 skip it.
        return content.encode("utf-8-sig")
    return content


def download_response(dataset: tablib.Dataset, *, filename: str, fmt: str) -> HttpResponse:
    """An attachment response with `dataset` as CSV (UTF-8) or XLSX."""
    response = HttpResponse(export_bytes(dataset, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def format_from_name(name: str) -> str:
    fmt = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if fmt not in FORMATS:
        raise SpreadsheetError(_("“%(name)s” is neither a .csv nor an .xlsx file.") % {"name": name})
    return fmt


# Reading is defensive: files come from people and from scripts, and an import must either
# say plainly what is wrong with one or read exactly what a spreadsheet program shows in it.

# The most data rows (after the header) an import reads. A real organisation's files are far
# smaller; the cap stops a file that declares millions of rows from taking minutes and
# gigabytes before it is refused.
MAX_IMPORT_ROWS = 100_000
# The most columns, for the same reason (a matrix has one column per position).
MAX_IMPORT_COLUMNS = 1_000
# How many error messages an import reports; past this it only counts them.
MAX_REPORTED_ERRORS = 200
_SEPARATORS = {";": "“;”", "\t": "tabs", "|": "“|”"}
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"


class ErrorList:
    """The errors found in one file, in the order found.

    Keeps the first MAX_REPORTED_ERRORS messages and only counts the rest, so a file with
    millions of bad cells costs no more memory than one with a few hundred.
    """

    def __init__(self, messages: Iterable[str] = (), *, limit: int = MAX_REPORTED_ERRORS) -> None:
        self.limit = limit
        self.total = 0
        self._kept: list[str] = []
        self.extend(messages)

    def append(self, message: str) -> None:
        self.total += 1
        if len(self._kept) < self.limit:
            self._kept.append(message)

    def extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.append(message)

    def __iadd__(self, messages: Iterable[str]) -> "ErrorList":
        self.extend(messages)
        return self

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    @property
    def is_full(self) -> bool:
        """Whether further errors would only be counted (a reader may stop looking)."""
        return self.total >= self.limit

    def messages(self) -> list[str]:
        """The kept messages, then "…and N more errors." if some were only counted."""
        more = self.total - len(self._kept)
        if not more:
            return list(self._kept)
        return [
            *self._kept,
            ngettext("…and %(count)s more error.", "…and %(count)s more errors.", more) % {"count": f"{more:,}"},
        ]

    def raise_if_any(self) -> None:
        if self:
            raise ImportFileError(self)


def cell_place(line: int, index: int, header: str = "") -> str:
    """Where a cell is, for an error message: 'Line 3, column "definition"' or 'Line 3, column D'."""
    if header:
        return _('Line %(line)s, column "%(column)s"') % {"line": line, "column": shorten(header, 40)}
    return _("Line %(line)s, column %(column)s") % {"line": line, "column": column_letter(index)}


# What CSV files from other systems look like: an LMS or Excel in a locale with a decimal
# comma separates with semicolons, Excel's "Unicode Text" is UTF-16 with tabs. An import
# that takes such files says so (read_table(..., dialects=OTHER_SYSTEMS_CSV)); the others
# keep refusing them with a message saying how to save the file.
CSV_SEPARATORS = (",", ";", "\t")


@dataclass(frozen=True)
class CsvDialects:
    """The CSV variants an import accepts beyond UTF-8/Windows-1252 with commas."""

    separators: tuple[str, ...] = (",",)
    utf16: bool = False


COMMAS_ONLY = CsvDialects()
OTHER_SYSTEMS_CSV = CsvDialects(separators=CSV_SEPARATORS, utf16=True)


def read_rows(content: bytes, fmt: str, *, dialects: CsvDialects = COMMAS_ONLY) -> tuple[list[str], list[list]]:
    """(headers, rows) from a CSV or XLSX file's bytes: what a spreadsheet program shows in it.

    CSV: UTF-8 with or without a byte-order mark, else Windows-1252 (what Excel writes as
    plain "CSV" in Western Europe), comma-separated; `dialects` may also accept UTF-16 with
    a byte-order mark and other separators (the header's most frequent one is taken).
    XLSX: the first sheet only. Cells are
    unescaped and stripped; empty trailing rows and cells are dropped (rows are NOT padded).
    Row n of the result is line n + 2 of the file (after the header), which is what error
    messages should name.

    Raises SpreadsheetError when the file cannot be read as a whole (saying what is wrong
    with it), and ImportFileError when cells cannot be read faithfully: a NUL character, an
    XLSX formula (the reader sees no value for a formula a script wrote) or an error value.
    """
    if not content:
        raise SpreadsheetError(_("The file is empty (0 bytes)."))
    if fmt == "csv":
        table = _read_csv(content, dialects)
    elif fmt == "xlsx":
        table = _read_xlsx(content)
    else:
        raise SpreadsheetError(_("Unknown format %(format)r: use csv or xlsx.") % {"format": fmt})
    while table and not table[-1]:
        table.pop()
    if not table:
        raise SpreadsheetError(_("The file is empty: it needs a header row."))
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise SpreadsheetError(_too_many_rows())
    headers, rows = [str(h) for h in table[0]], table[1:]
    return headers, rows


def _too_many_rows(declared: int | None = None) -> str:
    limit = f"{MAX_IMPORT_ROWS:,}"
    if declared is not None:
        return _(
            "The sheet declares %(rows)s rows, more than the %(limit)s rows an import takes: "
            "split the file, or delete the empty rows below the data and save it again."
        ) % {"rows": f"{declared:,}", "limit": limit}
    return _("The file has more than %(limit)s rows, the most an import takes: split it.") % {"limit": limit}


def _too_many_columns(count: int) -> str:
    return _(
        "The sheet has %(columns)s columns, more than the %(limit)s an import takes: "
        "delete the empty columns right of the data and save it again."
    ) % {"columns": f"{count:,}", "limit": f"{MAX_IMPORT_COLUMNS:,}"}


def _decode_csv(content: bytes, dialects: CsvDialects) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if dialects.utf16:
            try:
                return content.decode("utf-16")  # the byte-order mark says which end first
            except UnicodeDecodeError:
                raise SpreadsheetError(
                    _("The file starts as UTF-16 text but is damaged: save it again, or as “CSV UTF-8”.")
                ) from None
        raise SpreadsheetError(
            _("The file is UTF-16 text (Excel's “Unicode Text”): save it as “CSV UTF-8” or as .xlsx.")
        )
    if content.startswith(_ZIP_SIGNATURE):
        raise SpreadsheetError(_("The file is an .xlsx workbook with a .csv name: rename it to .xlsx."))
    if content.startswith(_XLS_SIGNATURE):
        raise SpreadsheetError(_("The file is an old Excel .xls workbook with a .csv name: save it as .xlsx."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = content.count(b"\n", 0, error.start) + 1
    # A file with any valid multi-byte UTF-8 in it is UTF-8 with a damaged byte: reading it as
    # Windows-1252 would turn every "é" into "Ã©" without a word, so it is refused instead.
    if not _UTF8_SEQUENCE.search(content):
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            pass
    raise SpreadsheetError(
        _("The file is not UTF-8 text (line %(line)s has a byte that is not): save it as “CSV UTF-8”, or as .xlsx.")
        % {"line": bad_line}
    )


def _read_csv(content: bytes, dialects: CsvDialects = COMMAS_ONLY) -> list[list]:
    text = _decode_csv(content, dialects)
    # The header names the columns, so it shows the separator: more semicolons (tabs, bars)
    # than commas there means a spreadsheet saved the file with its locale's separator.
    first_line = text.split("\n", 1)[0]
    delimiter = max(dialects.separators, key=first_line.count)  # the first (",") on a tie
    for separator, name in _SEPARATORS.items():
        if separator not in dialects.separators and first_line.count(separator) > first_line.count(delimiter):
            raise SpreadsheetError(
                _("The file uses %(separator)s between columns: save it as CSV with commas, or as .xlsx.")
                % {"separator": _("tabs") if separator == "\t" else name}
            )
    errors = ErrorList()
    table: list[list] = []
    headers: list[str] = []
    # strict: an unbalanced quote is an error, not the rest of the file read into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise SpreadsheetError(_csv_error(start, error)) from None
        line = len(table) + 1
        start = reader.line_num + 1
        if line > MAX_IMPORT_ROWS + 1:
            raise SpreadsheetError(_too_many_rows())
        cells = _trimmed([_checked(cell, line, index, headers, errors) for index, cell in enumerate(row)])
        if len(cells) > MAX_IMPORT_COLUMNS:
            raise SpreadsheetError(_too_many_columns(len(cells)))
        if line == 1:
            headers = [str(cell) for cell in cells]
        table.append(cells)
    errors.raise_if_any()
    return table


def _csv_error(line: int, error: csv.Error) -> str:
    if "end of data" in str(error):
        return _(
            'Line %(line)s: a quote mark (") opens a cell that is never closed, so the rest of the file '
            "would be read into that cell. Check the quote marks on that line."
        ) % {"line": line}
    if "field larger than field limit" in str(error):
        return _("Line %(line)s: a cell longer than %(limit)s characters.") % {
            "line": line,
            "limit": f"{csv.field_size_limit():,}",
        }
    return _('Line %(line)s: a quote mark (") where CSV does not allow one (%(problem)s).') % {
        "line": line,
        "problem": str(error),
    }


def _read_xlsx(content: bytes) -> list[list]:
    if content.startswith(_XLS_SIGNATURE):
        raise SpreadsheetError(_("The file is an old Excel .xls workbook (or a protected one): save it as .xlsx."))
    if not content.startswith(_ZIP_SIGNATURE):
        raise SpreadsheetError(_not_xlsx())
    try:
        # read_only streams the sheet row by row; without data_only a formula reads as its
        # formula (data_type "f"), so it can be refused instead of read as an empty cell.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            return _read_sheets(book.worksheets)
        finally:
            book.close()
    except SpreadsheetError:
        raise
    except Exception:  # zipfile, XML and openpyxl raise many kinds for a damaged file
        raise SpreadsheetError(_not_xlsx()) from None


def _not_xlsx() -> str:
    return _(
        "The file is not a readable .xlsx workbook (it may be damaged, cut short, or another format "
        "renamed to .xlsx): open it in the spreadsheet program and save it again as .xlsx."
    )


def _read_sheets(sheets: Sequence[Any]) -> list[list]:
    if not sheets:
        raise SpreadsheetError(_not_xlsx())
    table = _read_sheet(sheets[0])
    if not any(table):
        for sheet in sheets[1:]:
            sheet.reset_dimensions()  # a declared width would pad each row it looks at
            if any(any(v is not None for v in row) for row in islice(sheet.iter_rows(values_only=True), 1000)):
                raise SpreadsheetError(
                    _(
                        "The first sheet (“%(first)s”) is empty, and the import reads only the first sheet; "
                        "the data is on sheet “%(sheet)s”: move that sheet to the front, or delete the empty one."
                    )
                    % {"first": sheets[0].title, "sheet": sheet.title}
                )
    return table


def _read_sheet(sheet: Any) -> list[list]:
    # The declared dimension comes first: refusing a sheet that claims 2,000,000 rows takes
    # no time, reading it would take minutes.
    declared_rows, declared_columns = sheet.max_row, sheet.max_column
    if declared_rows is not None and declared_rows - 1 > MAX_IMPORT_ROWS:
        raise SpreadsheetError(_too_many_rows(declared_rows))
    if declared_columns is not None and declared_columns > MAX_IMPORT_COLUMNS:
        raise SpreadsheetError(_too_many_columns(declared_columns))
    # Without a dimension the reader does not pad every row to the declared width; rows are
    # trimmed here and padded to the header's width later (Table.lines).
    sheet.reset_dimensions()
    errors = ErrorList()
    table: list[list] = []
    headers: list[str] = []
    for line, row in enumerate(sheet.iter_rows(), start=1):
        if line > MAX_IMPORT_ROWS + 1:
            raise SpreadsheetError(_too_many_rows())
        if len(row) > MAX_IMPORT_COLUMNS:
            raise SpreadsheetError(_too_many_columns(len(row)))
        cells = _trimmed([_xlsx_cell(cell, line, index, headers, errors) for index, cell in enumerate(row)])
        if line == 1:
            headers = [str(cell) for cell in cells]
        table.append(cells)
    errors.raise_if_any()
    return table


def _xlsx_cell(cell: Any, line: int, index: int, headers: list[str], errors: ErrorList) -> Any:
    data_type = getattr(cell, "data_type", None)
    if data_type == "f":
        errors.append(
            _(
                "%(place)s (cell %(cell)s): a formula (%(formula)s). The import reads values, not formulas: "
                "replace it by its value (copy the cells, then paste values only)."
            )
            % {
                "place": _place(line, index, headers),
                "cell": f"{column_letter(index)}{line}",
                "formula": shorten(str(getattr(cell.value, "text", None) or cell.value), 40),
            }
        )
        return ""
    if data_type == "e":
        errors.append(
            _("%(place)s: the cell shows the error %(value)s instead of a value.")
            % {"place": _place(line, index, headers), "value": cell.value}
        )
        return ""
    return _checked(cell.value, line, index, headers, errors)


def _place(line: int, index: int, headers: list[str]) -> str:
    header = headers[index] if line > 1 and index < len(headers) else ""
    return cell_place(line, index, header)


def _checked(value: Any, line: int, index: int, headers: list[str], errors: ErrorList) -> Any:
    value = _clean(value)
    if isinstance(value, str) and "\x00" in value:
        # PostgreSQL stores no NUL in text: refused here, it would fail the confirmation.
        errors.append(
            _("%(place)s: the cell contains a NUL character (\\x00), which cannot be stored: delete it.")
            % {"place": _place(line, index, headers)}
        )
        return value.replace("\x00", "")
    return value


def _trimmed(cells: list) -> list:
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _clean(cell):
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, str):
        cell = unescape_cell(cell.strip())
    return cell


def import_file_help() -> str:
    """What an import takes, for a command's or a form's help text."""
    return _(
        "A .csv or .xlsx file of at most %(rows)s rows. CSV: comma-separated, UTF-8 (or Windows-1252, "
        "when the file has no UTF-8 in it); XLSX: the first sheet, values only (no formulas)."
    ) % {"rows": f"{MAX_IMPORT_ROWS:,}"}


# Importing: a table with line numbers, fixed columns found by name, errors collected for the
# whole file, and a plan that says what would change before anything is written.


class ImportFileError(SpreadsheetError):
    """The file has errors, so nothing was imported.

    `errors` lists them, each naming its line: at most MAX_REPORTED_ERRORS, then a last line
    "…and N more errors."; `total` counts them all.
    """

    def __init__(self, errors: "Iterable[str] | ErrorList") -> None:
        collected = errors if isinstance(errors, ErrorList) else ErrorList(errors)
        self.errors = collected.messages()
        self.total = collected.total
        super().__init__("\n".join(self.errors))


def header_key(header: Any) -> str:
    """How a fixed column is recognised: "Skill group" and "skill_group" are both "skill_group"."""
    return "_".join(str(header).lower().split())


def column_letter(index: int) -> str:
    """The spreadsheet's name of the column at 0-based `index`: 0 → "A", 27 → "AB"."""
    return get_column_letter(index + 1)


def cell_text(value: Any) -> str:
    """A cell as text: numbers a spreadsheet typed into a text column become "101", not 101."""
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Table:
    """A file's header row (padded to the widest row) and data rows (as read, trailing empties dropped)."""

    headers: list[str]
    rows: list[list]

    def lines(self) -> Iterator[tuple[int, list]]:
        """(line number in the file, row padded to the header's width) for every row with something
        in it; the header is line 1. Rows are padded here, one at a time, so that one wide row
        does not make every stored row that wide."""
        width = len(self.headers)
        for number, row in enumerate(self.rows, start=2):
            if row:
                yield number, row + [""] * (width - len(row))

    def fixed_columns(self, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, int]:
        """{column key: index} for the named columns; ImportFileError if one is missing or repeated."""
        errors: list[str] = []
        found: dict[str, int] = {}
        for index, header in enumerate(self.headers):
            key = header_key(header)
            if key not in required and key not in optional:
                continue
            if key in found:
                first, again = column_letter(found[key]), column_letter(index)
                errors.append(
                    _('Line 1: column "%(column)s" appears twice (columns %(first)s and %(again)s).')
                    % {"column": key, "first": first, "again": again}
                )
            else:
                found[key] = index
        errors += [
            _('Line 1: missing required column "%(column)s".') % {"column": key} for key in required if key not in found
        ]
        if errors:
            raise ImportFileError(errors)
        return found


def read_table(content: bytes, fmt: str, *, dialects: CsvDialects = COMMAS_ONLY) -> Table:
    """The file as a Table; a file that cannot be read at all raises ImportFileError."""
    try:
        headers, rows = read_rows(content, fmt, dialects=dialects)
    except ImportFileError:
        raise
    except SpreadsheetError as error:
        raise ImportFileError([str(error)]) from None
    width = max([len(headers), *(len(row) for row in rows)])
    return Table(headers=headers + [""] * (width - len(headers)), rows=rows)


class NameLookup:
    """Names of existing rows (positions, sections, skill groups) as a file spells them.

    A name matches an existing one exactly or, failing that, ignoring case, so "operator"
    in a file does not create a second "Operator". Names that match nothing are new: `new`
    lists them in order, each under the first spelling the file used.
    """

    def __init__(self, existing: Iterable[str]) -> None:
        self._exact = set(existing)
        self._by_folded: dict[str, str] = {}
        for name in sorted(self._exact):
            self._by_folded.setdefault(name.casefold(), name)
        self._existing_folded = dict(self._by_folded)
        self.new: list[str] = []

    def resolve(self, name: str) -> str:
        """The existing (or first new) spelling of `name`."""
        if name in self._exact:
            return name
        folded = name.casefold()
        if folded not in self._by_folded:
            self._by_folded[folded] = name
            self.new.append(name)
        return self._by_folded[folded]

    def suggestion(self, name: str) -> str | None:
        """The existing name that `name` is probably a typo of ("Operatr" → "Operator"), or None.

        Only for a new name; the cut-off is high so that a genuinely new name ("Welder") gets no
        far-fetched hint.
        """
        matches = difflib.get_close_matches(name.casefold(), self._existing_folded, n=1, cutoff=0.8)
        return self._existing_folded[matches[0]] if matches else None

    def hints(self) -> dict[str, str]:
        """{new name: its suggestion} for the new names that have one."""
        return {name: hint for name in self.new if (hint := self.suggestion(name))}


def did_you_mean(name: str, hints: dict[str, str]) -> str:
    """`name` with ' (did you mean "Operator"?)' when `hints` has a suggestion for it."""
    if name not in hints:
        return name
    return _('%(name)s (did you mean "%(suggestion)s"?)') % {"name": name, "suggestion": hints[name]}


def new_name_error(*, place: str, kind: str, name: str, lookup: NameLookup, rows: int = 1) -> str:
    """The error for a name that would create a new position (section, …) when creating is not allowed.

    `kind` is the translated noun ("position"); `rows` how many rows use the name.
    """
    hint = lookup.suggestion(name)
    message = (
        _('%(place)s: there is no %(kind)s "%(name)s" (did you mean "%(suggestion)s"?).')
        if hint
        else _('%(place)s: there is no %(kind)s "%(name)s".')
    ) % {"place": place, "kind": kind, "name": name, "suggestion": hint}
    if rows > 1:
        message += " " + _("(It is on %(count)s rows.)") % {"count": rows}
    return (
        message
        + " "
        + _(
            "Correct the name, or create it first, or allow the import to create new positions and sections "
            "(on the command line: --create-missing)."
        )
    )


def text_max_length(model: type[Model], field_name: str) -> int:
    """The most characters `model.field_name` holds, which an import checks a cell against."""
    model_field = model._meta.get_field(field_name)
    if not isinstance(model_field, Field) or model_field.max_length is None:
        raise TypeError(f"{model.__name__}.{field_name} has no max_length.")
    return model_field.max_length


def named_objects(model: Any, to_create: Sequence[str]) -> dict[str, Any]:
    """Every row of a small table with a unique name, by the name files use (a position's or skill
    group's English one), after creating those in `to_create`."""
    key = english_column(model, "name")
    objects = {getattr(obj, key): obj for obj in model.objects.all()}
    for name in to_create:
        objects[name] = model.objects.get_or_create(**{key: name})[0]
    return objects


@dataclass(frozen=True)
class PlanSection:
    """One list in an import's preview: "New competencies", with one line per item."""

    title: str
    lines: list[str]
    # False for a list of what the import will leave alone, e.g. removals not asked for.
    is_change: bool = True
    note: str = ""  # why the list is there, shown under its title


class ImportPlan:
    """Base of the plans that imports build before writing anything; subclasses are dataclasses."""

    def sections(self) -> list[PlanSection]:
        raise NotImplementedError

    @property
    def is_empty(self) -> bool:
        return not any(section.lines for section in self.sections() if section.is_change)

    def summary(self) -> str:
        """ "New competencies: 2; Target changes: 5." or "No changes." """
        counts = [
            _("%(title)s: %(count)s") % {"title": s.title, "count": len(s.lines)}
            for s in self.sections()
            if s.lines and s.is_change
        ]
        return ("; ".join(counts) + ".") if counts else _("No changes.")

    def fingerprint(self) -> str:
        """Identifies the plan exactly, so a confirmation applies what was previewed and nothing else."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


@dataclass(frozen=True)
class ImportOptions:
    """What the person importing chose, and who they are (the plan checks what they may change)."""

    remove: bool = False
    create_missing: bool = False
    by: User | None = None


@dataclass(frozen=True)
class SpreadsheetImporter[PlanT: ImportPlan]:
    """One kind of file a ModelAdmin imports (hrportal.admin.SpreadsheetAdminMixin), planned as a PlanT."""

    # In the URL, the session and a queued import's row (SpreadsheetImport.importer): "matrix".
    key: str
    title: "str | Promise"  # "Import the competency matrix"
    columns: "str | Promise"  # what the file holds, shown above the upload form
    permissions: tuple[str, ...]
    plan: Callable[[bytes, str, ImportOptions], PlanT]  # (content, format, options); raises ImportFileError
    apply: Callable[[PlanT, User, str], None]  # (plan, by, note)
    remove_label: "str | Promise" = ""  # the checkbox of a remove option; "" when there is none
    create_missing_label: "str | Promise" = ""  # the checkbox allowing new sections / positions; "" when none


def shorten(text: str, width: int = 60) -> str:
    """One line of at most `width` characters, for a preview line (the import itself keeps all)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class ImportCommand[PlanT: ImportPlan](BaseCommand):
    """`import_<thing> FILE [--dry-run]`: prints the plan, then applies it unless --dry-run.

    A command's `help`, `remove_help` and `create_help` are translated with gettext (not
    gettext_lazy: argparse takes only a real str), which is fine at class level because a
    command's module is imported only when the command runs, in the language active then
    (LANGUAGE_CODE).

    Subclasses name their plan type, as in `ImportCommand[MatrixPlan]`, and give `plan` and
    `apply`, `remove_help` if they take --remove and `create_help` if they take --create-missing.
    Any error in the file raises CommandError (exit status 1) listing the errors (at most
    MAX_REPORTED_ERRORS); nothing is written.
    """

    remove_help = ""
    create_help = ""
    # What the import is about, for its entry in the audit trail.
    audited_model: type[Model] | None = None
    # True when `apply` writes the import's audit entry itself (naming what it created).
    audits_itself = False

    def file_help(self) -> str:
        """What the FILE argument takes (an import that reads more kinds of CSV says so)."""
        return import_file_help()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=self.file_help())
        parser.add_argument("--dry-run", action="store_true", help=_("Show what would change; write nothing."))
        if self.remove_help:
            parser.add_argument("--remove", action="store_true", help=self.remove_help)
        if self.create_help:
            parser.add_argument("--create-missing", action="store_true", help=self.create_help)

    def plan(self, *, content: bytes, fmt: str, remove: bool, create_missing: bool) -> PlanT:
        raise NotImplementedError

    def apply(self, *, plan: PlanT, note: str) -> None:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        # For subclasses' plan and apply, which may take options of their own.
        self.options = options
        path = Path(options["file"])
        try:
            fmt = format_from_name(path.name)
            content = path.read_bytes()
            plan = self.plan(
                content=content,
                fmt=fmt,
                remove=options.get("remove", False),
                create_missing=options.get("create_missing", False),
            )
        except ImportFileError as error:
            heading = ngettext(
                "%(file)s: %(count)s error, nothing was imported.",
                "%(file)s: %(count)s errors, nothing was imported.",
                error.total,
            ) % {"file": path.name, "count": f"{error.total:,}"}
            raise CommandError(heading + "\n" + str(error)) from None
        except (SpreadsheetError, OSError) as error:
            raise CommandError(_("%(file)s: %(problem)s") % {"file": path.name, "problem": error}) from None
        self._print_plan(plan)
        if plan.is_empty:
            self.stdout.write(self.style.SUCCESS(_("No changes: the database already matches the file.")))
        elif options["dry_run"]:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
        else:
            self.apply(plan=plan, note=f"import {path.name}")
            if not self.audits_itself:
                audit_event(
                    event=AuditEvent.IMPORT,
                    model=self.audited_model,
                    object_repr=path.name,
                    data={"file": path.name, "summary": str(plan.summary()), "door": "command line"},
                )
            self.stdout.write(
                self.style.SUCCESS(_("Imported %(file)s: %(summary)s") % {"file": path.name, "summary": plan.summary()})
            )

    def _print_plan(self, plan: ImportPlan) -> None:
        for section in plan.sections():
            if section.lines:
                heading = _("%(title)s (%(count)s):") % {"title": section.title, "count": len(section.lines)}
                self.stdout.write(heading + (f" {section.note}" if section.note else ""))
                for line in section.lines:
                    self.stdout.write(f"  {line}")


class ExportCommand(BaseCommand):
    """`export_<thing> FILE`: writes CSV (UTF-8) or XLSX, as the file's extension says."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("Where to write: a .csv or .xlsx file name."))

    def dataset(self) -> tablib.Dataset:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            fmt = format_from_name(path.name)
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        dataset = self.dataset()
        path.write_bytes(export_bytes(dataset, fmt))
        self.stdout.write(
            self.style.SUCCESS(
                ngettext("Wrote %(count)s row to %(path)s.", "Wrote %(count)s rows to %(path)s.", dataset.height)
                % {"count": f"{dataset.height:,}", "path": path}
            )
        )
