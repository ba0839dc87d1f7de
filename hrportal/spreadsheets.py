"""CSV and XLSX files in and out, through tablib (openpyxl underneath).

Every export escapes text that a spreadsheet would run as a formula, and every import
reads such escaped cells back unchanged, so a file round-trips.
"""

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tablib
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Field, Model
from django.http import HttpResponse
from openpyxl.utils import get_column_letter

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


def build_dataset(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Sheet1") -> tablib.Dataset:
    # Headers are escaped too: a position may be named anything.
    dataset = tablib.Dataset(headers=[escape_cell(header) for header in headers], title=title[:31])
    for row in rows:
        dataset.append([escape_cell(value) for value in row])
    return dataset


def export_bytes(dataset: tablib.Dataset, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise SpreadsheetError(f"Unknown format {fmt!r}: use csv or xlsx.")
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


# Importing: a table with line numbers, fixed columns found by name, errors collected for the
# whole file, and a plan that says what would change before anything is written.


class ImportFileError(SpreadsheetError):
    """The file has errors, so nothing was imported. `errors` lists every one, each naming its line."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


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
    """A file's header row and data rows; each row is padded to the header's width."""

    headers: list[str]
    rows: list[list]

    def lines(self) -> Iterator[tuple[int, list]]:
        """(line number in the file, row) for every row with something in it; the header is line 1."""
        for number, row in enumerate(self.rows, start=2):
            if any(cell != "" for cell in row):
                yield number, row

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
                errors.append(f'Line 1: column "{key}" appears twice (columns {first} and {again}).')
            else:
                found[key] = index
        errors += [f'Line 1: missing required column "{key}".' for key in required if key not in found]
        if errors:
            raise ImportFileError(errors)
        return found


def read_table(content: bytes, fmt: str) -> Table:
    """The file as a Table; a file that cannot be read at all raises ImportFileError."""
    try:
        headers, rows = read_rows(content, fmt)
    except SpreadsheetError as error:
        raise ImportFileError([str(error)]) from None
    width = max([len(headers), *(len(row) for row in rows)])
    pad = [""] * width
    return Table(headers=(headers + pad)[:width], rows=[(row + pad)[:width] for row in rows])


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


def text_max_length(model: type[Model], field_name: str) -> int:
    """The most characters `model.field_name` holds, which an import checks a cell against."""
    model_field = model._meta.get_field(field_name)
    if not isinstance(model_field, Field) or model_field.max_length is None:
        raise TypeError(f"{model.__name__}.{field_name} has no max_length.")
    return model_field.max_length


def named_objects(model: Any, to_create: Sequence[str]) -> dict[str, Any]:
    """Every row of a small table with a unique `name`, by name, after creating those in `to_create`."""
    objects = {obj.name: obj for obj in model.objects.all()}
    for name in to_create:
        objects[name] = model.objects.get_or_create(name=name)[0]
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
        counts = [f"{s.title}: {len(s.lines)}" for s in self.sections() if s.lines and s.is_change]
        return ("; ".join(counts) + ".") if counts else "No changes."

    def fingerprint(self) -> str:
        """Identifies the plan exactly, so a confirmation applies what was previewed and nothing else."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


def shorten(text: str, width: int = 60) -> str:
    """One line of at most `width` characters, for a preview line (the import itself keeps all)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class ImportCommand[PlanT: ImportPlan](BaseCommand):
    """`import_<thing> FILE [--dry-run]`: prints the plan, then applies it unless --dry-run.

    Subclasses name their plan type, as in `ImportCommand[MatrixPlan]`, and give `plan` and
    `apply`, and `remove_help` if they take --remove. Any error in the file raises CommandError
    (exit status 1) listing every error; nothing is written.
    """

    remove_help = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .csv (UTF-8) or .xlsx file.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        if self.remove_help:
            parser.add_argument("--remove", action="store_true", help=self.remove_help)

    def plan(self, *, content: bytes, fmt: str, remove: bool) -> PlanT:
        raise NotImplementedError

    def apply(self, *, plan: PlanT, note: str) -> None:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            fmt = format_from_name(path.name)
            content = path.read_bytes()
            plan = self.plan(content=content, fmt=fmt, remove=options.get("remove", False))
        except ImportFileError as error:
            count = len(error.errors)
            raise CommandError(
                f"{path.name}: {count} error{'s' if count != 1 else ''}, nothing was imported.\n" + str(error)
            ) from None
        except (SpreadsheetError, OSError) as error:
            raise CommandError(f"{path.name}: {error}") from None
        self._print_plan(plan)
        if plan.is_empty:
            self.stdout.write(self.style.SUCCESS("No changes: the database already matches the file."))
        elif options["dry_run"]:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            self.apply(plan=plan, note=f"import {path.name}")
            self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {plan.summary()}"))

    def _print_plan(self, plan: ImportPlan) -> None:
        for section in plan.sections():
            if section.lines:
                self.stdout.write(
                    f"{section.title} ({len(section.lines)}):" + (f" {section.note}" if section.note else "")
                )
                for line in section.lines:
                    self.stdout.write(f"  {line}")


class ExportCommand(BaseCommand):
    """`export_<thing> FILE`: writes CSV (UTF-8) or XLSX, as the file's extension says."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write: a .csv or .xlsx file name.")

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
        self.stdout.write(self.style.SUCCESS(f"Wrote {dataset.height} rows to {path}."))
