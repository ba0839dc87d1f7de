"""`import_results FILE [--dry-run] [--completed-at DATE] [--column "HEADER=ASSESSMENT"]... [--by USERNAME]`."""

from pathlib import Path

from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _

from assessments.models import AssessmentResult
from assessments.results_import import (
    IGNORE,
    ResultsPlan,
    column_mappings_from_names,
    result_column_mappings_remember,
    results_import_apply,
    results_import_plan,
)
from hrportal.models import User
from hrportal.spreadsheets import MAX_IMPORT_ROWS, ImportCommand


class ProgressBar:
    """A plain text bar on one line of a terminal: `[#######.............]  35 %  7,000 / 20,000`."""

    width = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        if percent == self._shown:
            return
        self._shown = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {percent:3d} %  {done:,} / {total:,}", ending="\n" if done >= total else "")
        self.stream.flush()


class Command(ImportCommand[ResultsPlan]):
    audited_model = AssessmentResult
    audits_itself = True  # results_import_apply writes one entry naming the ResultImport
    help = _(
        "Import assessment results from a CSV or XLSX file, either one row per result (employee_number or "
        "email, assessment (code or title), score (percent), completed_at) or an LMS gradebook (one row per "
        'person, one column per assessment, e.g. "Quiz: GSH Basic (Percentage)"). Levels rise as recording '
        "each result would raise them; a file with any error imports nothing; results already recorded are "
        "skipped, so importing a file twice adds nothing."
    )

    def file_help(self) -> str:
        return _(
            "A .csv or .xlsx file of at most %(rows)s rows. CSV: UTF-8 (with or without a byte-order mark), "
            "Windows-1252 or UTF-16 with a byte-order mark, separated by commas, semicolons or tabs; "
            "XLSX: the first sheet, values only (no formulas)."
        ) % {"rows": f"{MAX_IMPORT_ROWS:,}"}

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--completed-at",
            metavar="DATE",
            help=_(
                "When the results were obtained, for a gradebook file (which has no dates) or rows without one: "
                "2026-03-01, 2026-03-01 14:30 or 01/03/2026, in the portal's time zone."
            ),
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="HEADER=ASSESSMENT",
            help=_(
                'What a gradebook column is: an assessment\'s code or title, or "-" to ignore the column. '
                "Repeat for several columns."
            ),
        )
        parser.add_argument(
            "--remember-columns",
            action="store_true",
            help=_("Remember the --column mappings for the next file (after a successful import)."),
        )
        parser.add_argument("--by", metavar="USERNAME", help=_("Who records the results (default: nobody named)."))

    def plan(self, *, content: bytes, fmt: str, remove: bool, create_missing: bool) -> ResultsPlan:
        self.by = self._importer(self.options.get("by"))
        self.columns = _column_options(self.options.get("column") or [])
        return results_import_plan(
            content=content,
            fmt=fmt,
            file_name=Path(self.options["file"]).name,
            by=self.by,
            completed_at=self.options.get("completed_at"),
            columns=self.columns,
        )

    def apply(self, *, plan: ResultsPlan, note: str) -> None:
        results_import_apply(plan=plan, by=self.by, progress=ProgressBar(self.stderr), door="command line")
        if self.options.get("remember_columns") and self.columns:
            result_column_mappings_remember(mappings=column_mappings_from_names(self.columns), by=self.by)
            self.stdout.write(_("Column mappings remembered for the next file."))

    def _importer(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_('--by: there is no user "%(username)s".') % {"username": username})
        return user


def _column_options(values: list[str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for value in values:
        header, equals, target = value.rpartition("=")
        if not equals or not header.strip() or not target.strip():
            raise CommandError(
                _('--column "%(value)s": write it as "HEADER=ASSESSMENT" (a code or title, or %(ignore)s to ignore).')
                % {"value": value, "ignore": IGNORE}
            )
        columns[header.strip()] = target.strip()
    return columns
