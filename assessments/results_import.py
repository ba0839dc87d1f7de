"""Importing assessment results in bulk: a season's results from a CSV or XLSX file.

Two shapes, told apart by the header row:

- long, one row per result: `employee_number` (or `email`, or `username`), `assessment`
  (its code or its title), `score` (percent) and `completed_at`; other columns are
  ignored and listed as ignored. The results export writes these columns, so an exported
  file imports again as duplicates only.
- wide, as an LMS gradebook (Moodle's grade export) writes it: one row per person,
  identity columns ("Employee number", "ID number", "Email address", "Username"),
  personal and aggregate columns that are ignored ("First name", "Course total", …), and
  one column per assessment, headed like `Quiz: GSH Basic (Percentage)`. The type prefix
  ("Quiz:") and the display suffix ("(Percentage)") are looked through; what is left must
  be an assessment's title or code, or the column must be mapped (by the caller, or by a
  remembered ResultColumnMapping). The file has no completion dates: the caller gives one
  for the whole file.

Values. A score is a percentage: "80", "80.5", "80,5", "80.00 %"; "-" or an empty cell is
no grade (skipped). A completion is a date or a date-time, ISO 8601 ("2026-03-01",
"2026-03-01 14:30", "2026-03-01T14:30:00+07:00") or day first ("01/03/2026",
"1.3.2026 14:30"); without a time zone it is in the portal's TIME_ZONE, and a date alone
is that day at 00:00, so the same file imported again names the same attempts.

The rules are result_record's, done set-based: a result is immutable (the same attempt
again is a duplicate, skipped; with another score, an error), a level never falls, the
mappings grant through assessments.services.results.levels_granted_by, and each employee's
new results are taken in completion order as if recorded one by one, so the level history
is what sequential recording would have written. A file with any error imports nothing.

The audit trail of an import is one audit entry (event "import") naming its ResultImport,
with its counts: the bulk writes do not go through save(), so django-auditlog does not see
each result and level; every result points to its ResultImport and every history row names
its result as evidence.
"""

import difflib
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import (
    Assessment,
    AssessmentResult,
    CompetencyMapping,
    ImportShape,
    ImportStatus,
    ResultColumnMapping,
    ResultImport,
)
from assessments.services.results import FUTURE_TOLERANCE, Grant, grants_by, result_passes, results_listeners
from competencies.models import Competency, CompetencyLevel, CompetencyLevelHistory, LevelSource, level_label
from competencies.report_summary import summary_mark_stale
from competencies.services import LevelChange, LevelChangeWording, notify_level_changes
from hrportal.audit import audit_event
from hrportal.bulk import any_of, copy_rows, id_array
from hrportal.models import AuditEvent, User
from hrportal.notifications import notifications_batched
from hrportal.page_cache import bump_people
from hrportal.spreadsheets import (
    OTHER_SYSTEMS_CSV,
    ErrorList,
    ImportFileError,
    ImportPlan,
    PlanSection,
    Table,
    cell_place,
    cell_text,
    column_letter,
    read_table,
    shorten,
)

logger = logging.getLogger(__name__)

IGNORE = "-"  # a column mapped to this is ignored
# How many lines a preview lists of a long, uniform section (new results, duplicates); the
# counts are always complete. Level changes are always listed in full.
PREVIEW_LINES = 200
# Results written per round of bulk statements; the progress moves after each round.
WRITE_CHUNK = 2_000

# Identity columns, by header with everything but letters and digits removed and folded.
_IDENTITY_HEADERS = {
    "employeenumber": "employee_number",
    "employeeno": "employee_number",
    "idnumber": "employee_number",  # Moodle's "ID number" is the employee number
    "email": "email",
    "emailaddress": "email",
    "username": "username",
}
# The order in which a row's identity cells are believed: the number is what HC keeps.
_IDENTITY_ORDER = ("employee_number", "email", "username")
# Columns of a gradebook that are about the person or the export, not a grade.
_IGNORED_HEADERS = {
    "firstname",
    "surname",
    "lastname",
    "fullname",
    "name",
    "institution",
    "department",
    "section",
    "position",
    "phone",
    "lastdownloadedfromthiscourse",
}
_AGGREGATE = re.compile(r"^(course|category) total\b")
# "Quiz: GSH Basic (Percentage)": a one-word type prefix and a display-type suffix.
_TYPE_PREFIX = re.compile(r"^\s*[^\W\d_]+\s*:\s*")
_DISPLAY_SUFFIX = re.compile(r"\s*\(\s*(percentage|real|letter|points|grade|score|%)\s*\)\s*$", re.IGNORECASE)
_LETTER_SUFFIX = re.compile(r"\(\s*letter\s*\)\s*$", re.IGNORECASE)
_PERCENTAGE_SUFFIX = re.compile(r"\(\s*percentage\s*\)\s*$", re.IGNORECASE)
_SCORE = re.compile(r"^(\d{1,3})(?:[.,](\d+))?$")
_NO_GRADE = {"", "-", "–", "—"}
_DAY_FIRST = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"  # 01/03/2026 14:30
)
_LONG_COLUMNS = ("assessment", "score", "completed_at")
# What the import reads of an assessment: names, pass mark and validity (grants_by and the
# plan's signature read them). A field left out would cost a query per assessment when read.
_ASSESSMENT_FIELDS = ("pk", "title", "code", "category", "pass_percentage", "validity_months")


def column_key(header: str) -> str:
    """How a gradebook column is remembered: folded, with single spaces ("quiz: gsh basic (real)")."""
    return " ".join(str(header).casefold().split())


def _squashed(header: str) -> str:
    return re.sub(r"[\W_]+", "", str(header).casefold())


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def assessment_name_candidates(header: str) -> list[str]:
    """What a column header may name: the header without its display suffix, then also
    without its type prefix ("Quiz: GSH Basic (Real)" → "Quiz: GSH Basic", "GSH Basic").
    The full name comes first, so a title that itself holds a colon still matches."""
    name = _DISPLAY_SUFFIX.sub("", str(header)).strip()
    candidates = [name]
    stripped = _TYPE_PREFIX.sub("", name, count=1).strip()
    if stripped and stripped != name:
        candidates.append(stripped)
    return candidates


# Values


def parse_score(value: Any) -> Decimal | None:
    """The percentage a cell holds ("80", "80,5", "80.00 %", 80.5), to 2 places; None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
    else:
        text = str(value).replace("\u00a0", " ").strip().removesuffix("%").strip()
        match = _SCORE.match(text)
        if not match:
            return None
        number = Decimal(f"{match[1]}.{match[2] or '0'}")
    if not number.is_finite():
        return None
    return number.quantize(Decimal("0.01"))


def parse_completed_at(value: Any) -> datetime | None:
    """The aware moment a cell names (see the module's docstring), or None if it names none."""
    tz = timezone.get_default_timezone()
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, clock_time())
    else:
        text = str(value).strip()
        if not text:
            return None
        match = _DAY_FIRST.match(text)
        try:
            if match:
                day, month, year, hour, minute, second = (int(part) if part else 0 for part in match.groups())
                moment = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 (made aware below)
            else:
                moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
        except ValueError:
            return None
    return timezone.make_aware(moment, tz) if timezone.is_naive(moment) else moment


def _date_error(place: str, value: Any) -> str:
    return _('%(place)s: "%(value)s" is not a date: write it as 2026-03-01 (or 2026-03-01 14:30, or 01/03/2026).') % {
        "place": place,
        "value": shorten(cell_text(value), 40),
    }


def _future_error(place: str, moment: datetime) -> str:
    return _("%(place)s: %(moment)s is in the future.") % {
        "place": place,
        "moment": timezone.localtime(moment).strftime("%Y-%m-%d %H:%M"),
    }


# What the file says


@dataclass(frozen=True)
class ResultRow:
    """One result the file names, resolved to ids."""

    line: int
    column: str  # the header of the score's column (long: "score")
    employee_id: int
    assessment_id: int
    score: Decimal
    completed_at: datetime

    @property
    def attempt(self) -> tuple[int, int, datetime]:
        return (self.employee_id, self.assessment_id, self.completed_at)


@dataclass(frozen=True)
class PlannedLevelChange:
    """One level history row the import will write, in the order it writes them."""

    line: int
    employee_id: int
    employee: str  # "Ana Lee (E00012)"
    competency_id: int
    competency: str  # "SAF01 Safe work"
    old_level: int | None
    new_level: int

    def __str__(self) -> str:
        return _("%(employee)s, %(competency)s: %(old)s → %(new)s (line %(line)s)") % {
            "employee": self.employee,
            "competency": self.competency,
            "old": level_label(self.old_level or 0),
            "new": level_label(self.new_level),
            "line": self.line,
        }


@dataclass
class ResultsPlan(ImportPlan):
    """What importing a results file would do. Built by results_import_plan, written by
    results_import_apply. Re-planning an imported file gives an empty plan."""

    file_name: str
    shape: str
    new_results: list[ResultRow] = field(default_factory=list)
    duplicates: list[ResultRow] = field(default_factory=list)  # already recorded
    repeated: list[str] = field(default_factory=list)  # the same result twice in the file
    no_grade: list["NoGrade"] = field(default_factory=list)  # "-" or empty cells
    columns_mapped: list[str] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)
    level_changes: list[PlannedLevelChange] = field(default_factory=list)
    # Passes at the level held that make it valid for longer (no level change).
    renewals: list[str] = field(default_factory=list)
    recorded_by_id: int | None = None
    # What the rows refer to, loaded once for the plan and reused by apply.
    _employees: dict[int, User] = field(default_factory=dict, repr=False, compare=False)
    _assessments: dict[int, Assessment] = field(default_factory=dict, repr=False, compare=False)
    # What the plan was computed from and what it computed, so that apply, under the lock,
    # only checks that nothing it relied on changed instead of computing it all again.
    _basis: "_Basis | None" = field(default=None, repr=False, compare=False)
    _outcome: "_Outcome | None" = field(default=None, repr=False, compare=False)

    def sections(self) -> list[PlanSection]:
        return [
            PlanSection(_("New results"), _capped(self.new_results, self._row_line)),
            PlanSection(_("Level changes"), [str(change) for change in self.level_changes]),
            PlanSection(
                _("Levels renewed"),
                self.renewals,
                note=_("A pass at the level held: the level stays, valid for longer."),
            ),
            PlanSection(
                _("Duplicates skipped"),
                _capped(self.duplicates, self._row_line),
                is_change=False,
                note=_("Already recorded with the same score: results are never recorded twice."),
            ),
            PlanSection(
                _("Repeated in the file"),
                _capped(self.repeated),
                is_change=False,
                note=_("The same result on another line as well: it counts once."),
            ),
            PlanSection(_("No grade"), _capped(self.no_grade), is_change=False, note=_('Empty or "-": skipped.')),
            PlanSection(_("Columns mapped"), self.columns_mapped, is_change=False),
            PlanSection(_("Columns ignored"), self.columns_ignored, is_change=False),
        ]

    def summary(self) -> str:
        """Complete counts (the sections list at most PREVIEW_LINES lines of a long list)."""
        parts = [
            _("New results: %(count)s") % {"count": f"{len(self.new_results):,}"},
            _("Level changes: %(count)s") % {"count": f"{len(self.level_changes):,}"},
            _("Duplicates skipped: %(count)s") % {"count": f"{len(self.duplicates):,}"},
        ]
        if self.renewals:
            parts.append(_("Levels renewed: %(count)s") % {"count": f"{len(self.renewals):,}"})
        if self.no_grade:
            parts.append(_("No grade: %(count)s") % {"count": f"{len(self.no_grade):,}"})
        return "; ".join(parts) + "."

    @property
    def employees_with_changes(self) -> int:
        return len({change.employee_id for change in self.level_changes})

    def _row_line(self, row: ResultRow) -> str:
        return _("%(employee)s, %(assessment)s: %(score)s %% on %(day)s (line %(line)s)") % {
            "employee": _person(self._employees[row.employee_id]),
            "assessment": self._assessments[row.assessment_id].title,
            "score": f"{row.score.normalize():f}",
            "day": timezone.localtime(row.completed_at).strftime("%Y-%m-%d %H:%M"),
            "line": row.line,
        }


def _capped(items: Sequence[Any], line: Callable[[Any], str] = str) -> list[str]:
    """At most PREVIEW_LINES items as lines, then how many more: a line is made only if shown."""
    lines = [line(item) for item in items[:PREVIEW_LINES]]
    more = len(items) - PREVIEW_LINES
    if more > 0:
        lines.append(ngettext("…and %(count)s more.", "…and %(count)s more.", more) % {"count": f"{more:,}"})
    return lines


@dataclass(frozen=True)
class NoGrade:
    """A cell with no grade ("-" or empty), skipped. Put in words only when the preview shows
    it: a gradebook has thousands."""

    line: int
    column_index: int
    header: str
    employee: User

    def __str__(self) -> str:
        return _("%(place)s: %(person)s") % {
            "place": cell_place(self.line, self.column_index, self.header),
            "person": _person(self.employee),
        }


def _person(user: User) -> str:
    if user.employee_number:
        return f"{user.display_name} ({user.employee_number})"
    return user.display_name


# Finding assessments and employees by what a file calls them


class AssessmentNames:
    """Every assessment by code and by title, matched ignoring case and extra spaces."""

    def __init__(self, assessments: Iterable[Assessment]) -> None:
        self.by_id: dict[int, Assessment] = {}
        self._by_code: dict[str, Assessment] = {}
        self._by_title: dict[str, list[Assessment]] = defaultdict(list)
        for assessment in assessments:
            self.by_id[assessment.pk] = assessment
            if assessment.code:
                self._by_code[_name_key(assessment.code)] = assessment
            self._by_title[_name_key(assessment.title)].append(assessment)

    def find(self, name: str) -> tuple[Assessment | None, str]:
        """(the assessment `name` names, "") or (None, why not: unknown or ambiguous)."""
        key = _name_key(name)
        if key in self._by_code:
            return self._by_code[key], ""
        same_title = self._by_title.get(key, [])
        if len(same_title) == 1:
            return same_title[0], ""
        if same_title:
            return None, _(
                '"%(name)s" is the title of %(count)s assessments (%(which)s): name it by its code instead.'
            ) % {
                "name": name,
                "count": len(same_title),
                "which": "; ".join(
                    f"{a} [{a.code}]" if a.code else _("%(assessment)s, no code yet") % {"assessment": a}
                    for a in same_title
                ),
            }
        return None, _('there is no assessment with the code or title "%(name)s".') % {"name": name}

    def find_in_header(self, header: str) -> tuple[Assessment | None, str]:
        """The assessment a gradebook column names (see assessment_name_candidates)."""
        why = ""
        for candidate in assessment_name_candidates(header):
            assessment, why = self.find(candidate)
            if assessment is not None:
                return assessment, ""
        return None, why  # about the name without prefix and suffix: what HC recognises


@dataclass
class _People:
    """The employees a file names, by each kind of identity, loaded in one query."""

    by_kind: dict[str, dict[str, User]]
    hints: dict[str, str]

    @classmethod
    def load(cls, values: dict[str, set[str]]) -> "_People":
        numbers, emails, usernames = values["employee_number"], values["email"], values["username"]
        by_kind: dict[str, dict[str, User]] = {kind: {} for kind in _IDENTITY_ORDER}
        if numbers or emails or usernames:
            users = User.objects.annotate(email_folded=Lower("email")).filter(
                any_of("employee_number", numbers) | any_of("email_folded", emails) | any_of("username", usernames)
            )
            for user in users:
                if user.employee_number in numbers:
                    by_kind["employee_number"][user.employee_number] = user
                if user.email and user.email.casefold() in emails:
                    by_kind["email"][user.email.casefold()] = user
                if user.username in usernames:
                    by_kind["username"][user.username] = user
        unknown = sorted(numbers - by_kind["employee_number"].keys())
        hints: dict[str, str] = {}
        if unknown:
            # Cheap enough once per file: every number, for "did you mean" on at most 20 typos.
            known = list(User.objects.exclude(employee_number=None).values_list("employee_number", flat=True))
            for number in unknown[:20]:
                close = difflib.get_close_matches(number, known, n=2, cutoff=0.7)
                # Two equally close numbers: a guess between them would mislead.
                if close and (len(close) == 1 or _likeness(number, close[0]) > _likeness(number, close[1])):
                    hints[number] = close[0]
        return cls(by_kind=by_kind, hints=hints)


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


# Reading the file into rows


@dataclass
class _Reading:
    shape: str
    rows: list[ResultRow] = field(default_factory=list)
    no_grade: list[NoGrade] = field(default_factory=list)
    columns_mapped: list[str] = field(default_factory=list)
    columns_ignored: list[str] = field(default_factory=list)
    employees: dict[int, User] = field(default_factory=dict)


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    assessment: Assessment

    @cached_property
    def assessment_id(self) -> int:
        return self.assessment.pk


def _identity_columns(table: Table) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        kind = _IDENTITY_HEADERS.get(_squashed(header))
        if kind and kind not in found:
            found[kind] = index
    return found


def _identity_values(table: Table, identity: dict[str, int]) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {kind: set() for kind in _IDENTITY_ORDER}
    for _line, row in table.lines():
        for kind, index in identity.items():
            text = cell_text(row[index]).strip()
            if text:
                values[kind].add(text.casefold() if kind == "email" else text)
    return values


def _row_employee(
    *, line: int, row: list, table: Table, identity: dict[str, int], people: _People, errors: ErrorList
) -> User | None:
    """The employee a row is about, or None after recording why not."""
    found: User | None = None
    for kind in _IDENTITY_ORDER:
        if kind not in identity:
            continue
        index = identity[kind]
        text = cell_text(row[index]).strip()
        if not text:
            continue
        user = people.by_kind[kind].get(text.casefold() if kind == "email" else text)
        if user is None or (found is not None and found.pk != user.pk):
            place = cell_place(line, index, table.headers[index])
        if user is None:
            hint = people.hints.get(text) if kind == "employee_number" else None
            message = (
                _('%(place)s: no employee "%(value)s" (did you mean "%(hint)s"?).')
                if hint
                else _('%(place)s: no employee "%(value)s".')
            )
            errors.append(message % {"place": place, "value": shorten(text, 40), "hint": hint})
            return None
        if found is not None and found.pk != user.pk:
            errors.append(
                _('%(place)s: "%(value)s" is %(other)s, but the row\'s other identity column names %(first)s.')
                % {"place": place, "value": shorten(text, 40), "other": _person(user), "first": _person(found)}
            )
            return None
        found = user
    if found is None:
        errors.append(
            _("Line %(line)s: the row names no employee (employee number, email address or username).") % {"line": line}
        )
    return found


def _check_own(line: int, employee: User, by: User | None, errors: ErrorList) -> bool:
    if by is not None and by.pk == employee.pk:
        errors.append(
            _("Line %(line)s: this is your own result; nobody imports their own result: ask another HC member.")
            % {"line": line}
        )
        return False
    return True


def _detect_shape(table: Table) -> str:
    keys = {_squashed(header) for header in table.headers}
    return ImportShape.LONG if {"assessment", "score"} <= keys else ImportShape.WIDE


def _read_long(
    table: Table, *, names: AssessmentNames, by: User | None, default_completed_at: datetime | None, errors: ErrorList
) -> _Reading:
    reading = _Reading(shape=ImportShape.LONG)
    identity = _identity_columns(table)
    columns: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = _squashed(header)
        target = {"assessment": "assessment", "score": "score", "completedat": "completed_at"}.get(key)
        if target and target not in columns:
            columns[target] = index
        elif index not in identity.values():
            reading.columns_ignored.append(_ignored(index, header))
    if not identity:
        errors.append(_('Line 1: missing required column "employee_number" (or "email").'))
    for key in _LONG_COLUMNS:
        if key not in columns and not (key == "completed_at" and default_completed_at):
            errors.append(_('Line 1: missing required column "%(column)s".') % {"column": key})
    if errors:
        return reading

    people = _People.load(_identity_values(table, identity))
    now = timezone.now()
    for line, row in table.lines():
        employee = _row_employee(line=line, row=row, table=table, identity=identity, people=people, errors=errors)
        name = cell_text(row[columns["assessment"]]).strip()
        assessment, why = names.find(name) if name else (None, _("the assessment is missing."))
        if assessment is None:
            assessment_place = cell_place(line, columns["assessment"], table.headers[columns["assessment"]])
            errors.append(_("%(place)s: %(problem)s") % {"place": assessment_place, "problem": why})
        score_index = columns["score"]
        score_cell = row[score_index]
        score_ok, score = _score_or_error(score_cell, (line, score_index, table.headers[score_index]), errors)
        completed_at = _completion_or_error(line, row, table, columns, default_completed_at, now, errors)
        if employee is None or assessment is None or completed_at is None or not score_ok:
            continue
        if not _check_own(line, employee, by, errors):
            continue
        if score is None:
            reading.no_grade.append(NoGrade(line, score_index, table.headers[score_index], employee))
            continue
        reading.employees[employee.pk] = employee
        reading.rows.append(
            ResultRow(
                line=line,
                column=table.headers[score_index],
                employee_id=employee.pk,
                assessment_id=assessment.pk,
                score=score,
                completed_at=completed_at,
            )
        )
    return reading


def _score_or_error(cell: Any, where: tuple[int, int, str], errors: ErrorList) -> tuple[bool, Decimal | None]:
    """(True, the score), (True, None) for no grade, or (False, None) after recording an error.

    `where` is the cell's (line, column index, header), made into words only for an error:
    formatting a place for each of 20,000 good cells would cost more than reading them."""
    if isinstance(cell, str) and cell.strip() in _NO_GRADE:
        return True, None
    score = parse_score(cell)
    if score is None:
        errors.append(
            _('%(place)s: "%(value)s" is not a score: write a percentage such as 80, 80.5 or 80,5 %%.')
            % {"place": cell_place(*where), "value": shorten(cell_text(cell), 40)}
        )
        return False, None
    if not Decimal(0) <= score <= Decimal(100):
        errors.append(
            _("%(place)s: a score of %(value)s is outside 0–100 %%.")
            % {"place": cell_place(*where), "value": f"{score.normalize():f}"}
        )
        return False, None
    return True, score


def _completion_or_error(
    line: int,
    row: list,
    table: Table,
    columns: dict[str, int],
    default: datetime | None,
    now: datetime,
    errors: ErrorList,
) -> datetime | None:
    index = columns.get("completed_at")
    cell = row[index] if index is not None else ""
    if index is None or cell_text(cell).strip() == "":
        if default is not None:
            return default
        errors.append(
            _("%(place)s: the completion date is missing.")
            % {"place": cell_place(line, index or 0, table.headers[index] if index is not None else "")}
        )
        return None
    moment = parse_completed_at(cell)
    if moment is None:
        errors.append(_date_error(cell_place(line, index, table.headers[index]), cell))
        return None
    if moment > now + FUTURE_TOLERANCE:
        errors.append(_future_error(cell_place(line, index, table.headers[index]), moment))
        return None
    return moment


def _ignored(index: int, header: str, why: str = "") -> str:
    name = (
        _('"%(header)s" (column %(letter)s)') % {"header": shorten(header, 60), "letter": column_letter(index)}
        if header
        else _("column %(letter)s (no header)") % {"letter": column_letter(index)}
    )
    return f"{name}: {why}" if why else name


def _read_wide(
    table: Table,
    *,
    names: AssessmentNames,
    by: User | None,
    completed_at: datetime | None,
    columns_given: dict[str, Assessment | None],
    errors: ErrorList,
) -> _Reading:
    reading = _Reading(shape=ImportShape.WIDE)
    identity = _identity_columns(table)
    if not identity:
        errors.append(
            _(
                'Line 1: no column names the employee: the file needs one headed "Employee number", '
                '"ID number", "Email address" or "Username" (or, one row per result, the columns '
                '"employee_number", "assessment", "score" and "completed_at").'
            )
        )
    remembered = {
        mapping.header_key: mapping.assessment_id
        for mapping in ResultColumnMapping.objects.only("header_key", "assessment")
    }
    grade_columns: list[_Column] = []
    for index, header in enumerate(table.headers):
        if index in identity.values():
            continue
        column = _classify_column(index, header, names, columns_given, remembered, reading, errors)
        if column is not None:
            grade_columns.append(column)
    grade_columns = _one_column_per_assessment(grade_columns, reading, errors)
    if identity and not grade_columns and not errors:
        errors.append(_("Line 1: the file has no column of grades."))
    if completed_at is None:
        errors.append(
            _(
                "This file (one row per person) has no completion dates: give the date the results were "
                "obtained for the whole file (on the command line: --completed-at 2026-03-01)."
            )
        )
    if errors and not identity:
        return reading

    people = _People.load(_identity_values(table, identity))
    for line, row in table.lines():
        graded = [column for column in grade_columns if cell_text(row[column.index]).strip() not in _NO_GRADE]
        employee = _row_employee(line=line, row=row, table=table, identity=identity, people=people, errors=errors)
        if employee is None:
            continue
        if graded and not _check_own(line, employee, by, errors):
            continue
        employee_id = employee.pk  # once per row, not per cell: .pk is a property
        for column in grade_columns:
            score_ok, score = _score_or_error(row[column.index], (line, column.index, column.header), errors)
            if not score_ok:
                continue
            if score is None:
                reading.no_grade.append(NoGrade(line, column.index, column.header, employee))
            elif completed_at is not None:
                reading.employees[employee_id] = employee
                reading.rows.append(
                    ResultRow(
                        line=line,
                        column=column.header,
                        employee_id=employee_id,
                        assessment_id=column.assessment_id,
                        score=score,
                        completed_at=completed_at,
                    )
                )
    return reading


def _classify_column(
    index: int,
    header: str,
    names: AssessmentNames,
    columns_given: dict[str, Assessment | None],
    remembered: dict[str, int | None],
    reading: _Reading,
    errors: ErrorList,
) -> _Column | None:
    """An assessment's column, or None after listing it as ignored (or recording an error)."""
    key = column_key(header)
    if not header:
        reading.columns_ignored.append(_ignored(index, header))
        return None
    # Who decides, strongest first: the caller, a remembered mapping, then the header itself.
    if key in columns_given:
        assessment = columns_given[key]
        how = _("as asked")
    elif key in remembered:
        assessment_id = remembered[key]
        assessment = names.by_id.get(assessment_id) if assessment_id is not None else None
        how = _("as remembered")
    else:
        squashed = _squashed(header)
        if squashed in _IGNORED_HEADERS or _AGGREGATE.match(key):
            reading.columns_ignored.append(_ignored(index, header, _("not a grade")))
            return None
        if _LETTER_SUFFIX.search(header):
            reading.columns_ignored.append(_ignored(index, header, _("letter grades are not scores")))
            return None
        found, why = names.find_in_header(header)
        if found is None:
            errors.append(
                _(
                    "%(place)s: unmapped column: %(problem)s Map it to an assessment or ignore it "
                    '(on the command line: --column "%(header)s=CODE" or --column "%(header)s=-").'
                )
                % {"place": cell_place(1, index), "problem": why, "header": header}
            )
            return None
        assessment, how = found, _("by its name")
    if assessment is None:
        reading.columns_ignored.append(_ignored(index, header, how))
        return None
    reading.columns_mapped.append(
        _("%(column)s → %(assessment)s (%(how)s)")
        % {"column": _ignored(index, header), "assessment": assessment, "how": how}
    )
    return _Column(index=index, header=header, assessment=assessment)


def _one_column_per_assessment(columns: list[_Column], reading: _Reading, errors: ErrorList) -> list[_Column]:
    """A gradebook may show one grade twice ("(Real)" and "(Percentage)"): the percentage
    column is read and the other ignored; two other columns for one assessment are an error."""
    by_assessment: dict[int, list[_Column]] = defaultdict(list)
    for column in columns:
        by_assessment[column.assessment.pk].append(column)
    kept: list[_Column] = []
    for same in by_assessment.values():
        if len(same) == 1:
            kept.append(same[0])
            continue
        percentages = [column for column in same if _PERCENTAGE_SUFFIX.search(column.header)]
        if len(percentages) == 1:
            kept.append(percentages[0])
            for other in same:
                if other is not percentages[0]:
                    reading.columns_ignored.append(
                        _ignored(other.index, other.header, _("the same grade as a percentage column"))
                    )
            continue
        errors.append(
            _("Line 1: columns %(columns)s are all %(assessment)s: map all but one to “-” (ignore).")
            % {
                "columns": ", ".join(column_letter(column.index) for column in same),
                "assessment": same[0].assessment,
            }
        )
    return sorted(kept, key=lambda column: column.index)


# From rows to results and level changes


@dataclass(frozen=True)
class _State:
    """What the database holds about the file's employees, read in three queries."""

    recorded: dict[tuple[int, int, datetime], Decimal]  # attempt → score
    levels: dict[tuple[int, int], "_Held"]  # (employee, competency) → the level record
    last_change: dict[tuple[int, int], datetime]  # (employee, competency) → latest history row


@dataclass(frozen=True)
class _Held:
    """A level record as the import reads and writes it; `row` is the file's result it now
    names as evidence (None: it names what it named before the import)."""

    level: int
    source: str
    achieved_at: datetime
    expires_at: datetime | None
    row: "ResultRow | None" = None


def _load_state(rows: list[ResultRow], competency_ids: set[int]) -> _State:
    employee_ids = {row.employee_id for row in rows}
    assessment_ids = {row.assessment_id for row in rows}
    attempts = {row.attempt for row in rows}
    recorded = {
        (employee, assessment, completed_at): score
        for employee, assessment, completed_at, score in AssessmentResult.objects.filter(
            any_of("employee_id", employee_ids), assessment_id__in=assessment_ids
        )
        .order_by()
        .values_list("employee_id", "assessment_id", "completed_at", "score")
        if (employee, assessment, completed_at) in attempts
    }
    levels = {
        (employee, competency): _Held(level, source, achieved_at, expires_at)
        for employee, competency, level, source, achieved_at, expires_at in CompetencyLevel.objects.filter(
            any_of("employee_id", employee_ids), competency_id__in=competency_ids
        )
        .order_by()
        .values_list("employee_id", "competency_id", "level", "source", "achieved_at", "expires_at")
    }
    last_change = {
        (entry["employee_id"], entry["competency_id"]): entry["last"]
        for entry in CompetencyLevelHistory.objects.filter(
            any_of("employee_id", employee_ids), competency_id__in=competency_ids
        )
        .order_by()
        .values("employee_id", "competency_id")
        .annotate(last=Max("changed_at"))
    }
    return _State(recorded=recorded, levels=levels, last_change=last_change)


# A digest of the rows _load_state reads (and a few more: every result of the file's employees
# on its assessments), summed by PostgreSQL itself: under the lock, apply compares it with the
# plan's instead of reading and comparing some 50,000 rows again in Python. Order-independent
# (a sum), and any row added, removed or changed in a column the plan relied on changes it.
_FINGERPRINT_SQL = """
SELECT 'results', count(*), coalesce(sum(hashtextextended(
    concat_ws('|', id, employee_id, assessment_id, completed_at, score, voided_at), 0)), 0)
FROM {results} WHERE employee_id = ANY(%(employees)s::bigint[]) AND assessment_id = ANY(%(assessments)s::bigint[])
UNION ALL
SELECT 'levels', count(*), coalesce(sum(hashtextextended(
    concat_ws('|', id, employee_id, competency_id, level, source, achieved_at, expires_at), 0)), 0)
FROM {levels} WHERE employee_id = ANY(%(employees)s::bigint[]) AND competency_id = ANY(%(competencies)s::bigint[])
UNION ALL
SELECT 'history', count(*), coalesce(sum(hashtextextended(
    concat_ws('|', id, employee_id, competency_id, changed_at), 0)), 0)
FROM {history} WHERE employee_id = ANY(%(employees)s::bigint[]) AND competency_id = ANY(%(competencies)s::bigint[])
"""


def _state_fingerprint(rows: list[ResultRow], competency_ids: set[int]) -> dict[str, tuple] | None:
    """The digest of _FINGERPRINT_SQL on PostgreSQL; None elsewhere (apply compares the state)."""
    if connection.vendor != "postgresql":
        return None
    sql = _FINGERPRINT_SQL.format(
        results=connection.ops.quote_name(AssessmentResult._meta.db_table),
        levels=connection.ops.quote_name(CompetencyLevel._meta.db_table),
        history=connection.ops.quote_name(CompetencyLevelHistory._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "employees": id_array({row.employee_id for row in rows}),
                "assessments": id_array({row.assessment_id for row in rows}),
                "competencies": id_array(competency_ids),
            },
        )
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


class _Grants:
    """grants_by for every (assessment, score) of a file, with the mappings read once."""

    def __init__(self, assessments: dict[int, Assessment]) -> None:
        mappings = list(CompetencyMapping.objects.select_related("competency"))
        self._assessments = assessments
        # Only the mappings that match: grants_by checks again, on a short list.
        self._mappings = {pk: [m for m in mappings if m.matches(a)] for pk, a in assessments.items()}
        self._cache: dict[tuple[int, Decimal], list[tuple[Competency, Grant]]] = {}
        self.competency_ids = {m.competency_id for matching in self._mappings.values() for m in matching}
        # Everything the grants depend on: a mapping or a pass mark edited meanwhile changes it.
        self.signature = (
            sorted(
                (m.pk, m.competency_id, m.level_granted, m.minimum_score, m.assessment_id, m.category, m.title_pattern)
                + (m.validity_months,)
                for m in mappings
            ),
            sorted((a.pk, a.pass_percentage, a.category, a.title, a.validity_months) for a in assessments.values()),
        )

    def __call__(self, assessment_id: int, score: Decimal) -> list[tuple[Competency, Grant]]:
        key = (assessment_id, score)
        if key not in self._cache:
            granted = grants_by(
                assessment=self._assessments[assessment_id], score=score, mappings=self._mappings[assessment_id]
            )
            self._cache[key] = list(granted.items())
        return self._cache[key]


@dataclass(frozen=True)
class _Basis:
    signature: tuple
    state: _State
    fingerprint: dict[str, tuple] | None  # on PostgreSQL: the state's digest, read before the state


@dataclass
class _LevelStep:
    row: ResultRow
    competency: Competency
    old_level: int | None
    new_level: int
    changed_at: datetime


@dataclass(frozen=True)
class _Renewal:
    """A pass at the level held that extends its validity: no level change, no history row
    (the result is the evidence), as level_renew does for one result."""

    row: ResultRow
    competency: Competency
    level: int
    old_expires_at: datetime
    new_expires_at: datetime | None


@dataclass
class _Outcome:
    new_results: list[ResultRow]
    duplicates: list[ResultRow]
    steps: list[_LevelStep]
    renewals: list[_Renewal]
    # (employee, competency) → the level record to write, for every record the import touches.
    records: dict[tuple[int, int], _Held]


def _play(rows: list[ResultRow], state: _State, grants: _Grants, errors: ErrorList) -> _Outcome:
    """Record `rows` on paper, as result_record would one by one in completion order."""
    new_results: list[ResultRow] = []
    duplicates: list[ResultRow] = []
    for row in rows:
        recorded = state.recorded.get(row.attempt)
        if recorded is None:
            new_results.append(row)
        elif recorded == row.score:
            duplicates.append(row)
        else:
            errors.append(
                _(
                    "%(place)s: this attempt is already recorded with a score of %(recorded)s %%, "
                    "not %(score)s %%: a recorded result cannot be changed."
                )
                % {
                    "place": cell_place(row.line, 0, row.column),
                    "recorded": f"{recorded.normalize():f}",
                    "score": f"{row.score.normalize():f}",
                }
            )
    new_results.sort(key=lambda row: (row.employee_id, row.completed_at, row.line))
    levels = dict(state.levels)
    last_change = dict(state.last_change)
    steps: list[_LevelStep] = []
    renewals: list[_Renewal] = []
    records: dict[tuple[int, int], _Held] = {}
    for row in new_results:
        for competency, grant in grants(row.assessment_id, row.score):
            key = (row.employee_id, competency.pk)
            current = levels.get(key)
            expires_at = grant.expires_at(row.completed_at)
            if current is None or current.level < grant.level:
                previous = last_change.get(key)
                changed_at = max(row.completed_at, previous) if previous else row.completed_at
                steps.append(_LevelStep(row, competency, current.level if current else None, grant.level, changed_at))
                last_change[key] = changed_at
                held = _Held(grant.level, LevelSource.ASSESSMENT, row.completed_at, expires_at, row)
            elif (
                current.level == grant.level
                and current.expires_at is not None
                and (expires_at is None or expires_at > current.expires_at)
            ):
                renewals.append(_Renewal(row, competency, grant.level, current.expires_at, expires_at))
                held = _Held(current.level, current.source, current.achieved_at, expires_at, row)
            else:
                continue  # an assessment never lowers a level, nor shortens its validity
            levels[key] = records[key] = held
    return _Outcome(new_results=new_results, duplicates=duplicates, steps=steps, renewals=renewals, records=records)


def _without_repeats(rows: list[ResultRow], errors: ErrorList) -> tuple[list[ResultRow], list[str]]:
    """Each attempt once; the same attempt with two scores is an error naming both lines."""
    first: dict[tuple[int, int, datetime], ResultRow] = {}
    repeated: list[str] = []
    for row in rows:
        seen = first.get(row.attempt)
        if seen is None:
            first[row.attempt] = row
        elif seen.score == row.score:
            repeated.append(
                _("%(place)s: the same result as line %(line)s")
                % {"place": cell_place(row.line, 0, row.column), "line": seen.line}
            )
        else:
            errors.append(
                _(
                    "%(place)s: a score of %(score)s %% for the same person, assessment and completion "
                    "as line %(line)s, which says %(other)s %%."
                )
                % {
                    "place": cell_place(row.line, 0, row.column),
                    "score": f"{row.score.normalize():f}",
                    "line": seen.line,
                    "other": f"{seen.score.normalize():f}",
                }
            )
    return list(first.values()), repeated


def _completion_for_file(value: datetime | date | str | None, errors: ErrorList) -> datetime | None:
    if value is None or value == "":
        return None
    moment = parse_completed_at(value)
    if moment is None:
        errors.append(_date_error(_("The completion date for the file"), value))
    elif moment > timezone.now() + FUTURE_TOLERANCE:
        errors.append(_future_error(_("The completion date for the file"), moment))
        return None
    return moment


def _columns_given(
    columns: dict[str, str] | None, names: AssessmentNames, errors: ErrorList
) -> dict[str, Assessment | None]:
    given: dict[str, Assessment | None] = {}
    for header, target in (columns or {}).items():
        target = target.strip()
        if target == IGNORE:
            given[column_key(header)] = None
            continue
        assessment, why = names.find(target)
        if assessment is None:
            errors.append(_('Column mapping "%(header)s": %(problem)s') % {"header": header, "problem": why})
        else:
            given[column_key(header)] = assessment
    return given


def results_import_plan(
    *,
    content: bytes,
    fmt: str,
    file_name: str = "",
    by: User | None = None,
    completed_at: datetime | date | str | None = None,
    columns: dict[str, str] | None = None,
) -> ResultsPlan:
    """What importing this results file would do, written nowhere. Raises ImportFileError
    listing every error (see the module's docstring for what the file may hold).

    `completed_at` is the completion of every result of a wide file (and of a long file's
    rows without one); `columns` maps gradebook headers to an assessment's code or title,
    or to "-" to ignore the column, before the remembered mappings and the headers
    themselves are asked; `by` is who imports (nobody imports their own result).
    """
    table = read_table(content, fmt, dialects=OTHER_SYSTEMS_CSV)
    errors = ErrorList()
    names = AssessmentNames(Assessment.objects.only(*_ASSESSMENT_FIELDS))
    file_completion = _completion_for_file(completed_at, errors)
    shape = _detect_shape(table)
    if shape == ImportShape.LONG:
        reading = _read_long(table, names=names, by=by, default_completed_at=file_completion, errors=errors)
    else:
        given = _columns_given(columns, names, errors)
        reading = _read_wide(
            table, names=names, by=by, completed_at=file_completion, columns_given=given, errors=errors
        )
    rows, repeated = _without_repeats(reading.rows, errors)
    errors.raise_if_any()

    assessments = {row.assessment_id: names.by_id[row.assessment_id] for row in rows}
    grants = _Grants(assessments)
    # The digest first: a change landing between the two reads then outdates the plan, never
    # slips past it.
    fingerprint = _state_fingerprint(rows, grants.competency_ids)
    state = _load_state(rows, grants.competency_ids)
    outcome = _play(rows, state, grants, errors)
    errors.raise_if_any()
    return ResultsPlan(
        file_name=file_name,
        shape=shape,
        new_results=outcome.new_results,
        duplicates=sorted(outcome.duplicates, key=lambda row: row.line),
        repeated=repeated,
        no_grade=reading.no_grade,
        columns_mapped=reading.columns_mapped,
        columns_ignored=reading.columns_ignored,
        level_changes=_planned_changes(outcome.steps, reading.employees),
        renewals=[_renewal_line(renewal, reading.employees) for renewal in outcome.renewals],
        recorded_by_id=by.pk if by is not None else None,
        _employees=reading.employees,
        _assessments=names.by_id,
        _basis=_Basis(signature=grants.signature, state=state, fingerprint=fingerprint),
        _outcome=outcome,
    )


def _planned_changes(steps: list[_LevelStep], employees: dict[int, User]) -> list[PlannedLevelChange]:
    """The preview's level changes, each person and competency named once: 20,000 changes
    name 5,000 people and 60 competencies, and a translated name is a lookup each time."""
    people: dict[int, str] = {}
    competencies: dict[int, str] = {}
    planned = []
    for step in steps:
        employee_id, competency = step.row.employee_id, step.competency
        competency_id = competency.pk
        if employee_id not in people:
            people[employee_id] = _person(employees[employee_id])
        if competency_id not in competencies:
            competencies[competency_id] = f"{competency.code} {competency.name}"
        planned.append(
            PlannedLevelChange(
                line=step.row.line,
                employee_id=employee_id,
                employee=people[employee_id],
                competency_id=competency_id,
                competency=competencies[competency_id],
                old_level=step.old_level,
                new_level=step.new_level,
            )
        )
    return planned


def _renewal_line(renewal: _Renewal, employees: dict[int, User]) -> str:
    words = {
        "employee": _person(employees[renewal.row.employee_id]),
        "competency": f"{renewal.competency.code} {renewal.competency.name}",
        "level": level_label(renewal.level),
        "old": timezone.localtime(renewal.old_expires_at).strftime("%Y-%m-%d"),
        "line": renewal.row.line,
    }
    if renewal.new_expires_at is None:
        return _("%(employee)s, %(competency)s: %(level)s, valid for good instead of until %(old)s (line %(line)s)") % (
            words
        )
    return _("%(employee)s, %(competency)s: %(level)s, valid until %(new)s instead of %(old)s (line %(line)s)") % {
        **words,
        "new": timezone.localtime(renewal.new_expires_at).strftime("%Y-%m-%d"),
    }


# Remembering what gradebook columns mean


def result_column_mappings_remember(*, mappings: dict[str, Assessment | None], by: User | None) -> None:
    """Remember, for the next file, what each header means: an assessment, or None to ignore it."""
    now = timezone.now()
    with transaction.atomic():
        for header, assessment in mappings.items():
            ResultColumnMapping.objects.update_or_create(
                header_key=column_key(header),
                defaults={"assessment": assessment, "updated_by": by, "updated_at": now},
            )


def column_mappings_from_names(columns: dict[str, str]) -> dict[str, Assessment | None]:
    """{header: assessment or None} for {header: code, title or "-"}; ImportFileError if one names nothing."""
    errors = ErrorList()
    names = AssessmentNames(Assessment.objects.only(*_ASSESSMENT_FIELDS))
    given = _columns_given(columns, names, errors)
    errors.raise_if_any()
    return {header: given[column_key(header)] for header in columns}


# Writing


Progress = Callable[[int, int], None]


class _ProgressReport:
    """Tells the caller, and the batch row, how many of the new results are written.

    The import runs in one transaction, so progress written there would be invisible to a
    page polling the batch row until the very end: on PostgreSQL it is written over a
    second connection (autocommit, at most every half second). Only when the caller is not
    in a transaction itself: one that had touched the batch row would hold its lock, and the
    second connection would wait for the first, which waits for it. A progress write that
    waits anyway gives up after a moment (the outcome is written at the end regardless). On
    SQLite, which allows one writer, the row shows the outcome only.
    """

    def __init__(self, batch: ResultImport, callback: Progress | None, total: int) -> None:
        self.batch, self.callback, self.total = batch, callback, total
        self._side = None
        self._written_at = 0.0
        if connection.vendor == "postgresql" and batch.pk is not None and not connection.in_atomic_block:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int) -> None:
        if self.callback is not None:
            self.callback(done, self.total)
        if self._side is not None and (time.monotonic() - self._written_at > 0.5 or done == self.total):
            self._written_at = time.monotonic()
            try:
                with self._side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '200ms'")
                    cursor.execute(
                        f"UPDATE {ResultImport._meta.db_table} SET rows_done = %s, rows_total = %s WHERE id = %s",  # noqa: S608
                        [done, self.total, self.batch.pk],
                    )
            except DatabaseError:
                logger.warning("Could not show the progress of results import %s", self.batch.pk, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()


# The bulk writes. On PostgreSQL the rows go in with COPY (ten times faster than bulk_create
# for tens of thousands of rows: no model instances, no SQL compiled per row); elsewhere
# (SQLite, in tests and development) with bulk_create. Both write the same columns.

_HISTORY_COLUMNS = (
    "employee_id",
    "competency_id",
    "old_level",
    "new_level",
    "source",
    "evidence_type_id",
    "evidence_id",
    "evidence_note",
    "changed_by_id",
    "changed_at",
)
_LEVEL_COLUMNS = (
    "employee_id",
    "competency_id",
    "level",
    "source",
    "evidence_type_id",
    "evidence_id",
    "evidence_note",
    "achieved_at",
    "expires_at",
    "updated_by_id",
)
_RESULT_COLUMNS = (
    "id",
    "employee_id",
    "assessment_id",
    "score",
    "passed",
    "completed_at",
    "recorded_by_id",
    "recorded_at",
    "voided_at",
    "voided_by_id",
    "void_reason",
    "import_batch_id",
)


def _insert_results(rows: list[tuple]) -> list[AssessmentResult]:
    """Insert results given as _RESULT_COLUMNS without the id; returns them, with their ids."""
    if connection.vendor != "postgresql":
        return AssessmentResult.objects.bulk_create(
            AssessmentResult(**dict(zip(_RESULT_COLUMNS[1:], row, strict=True))) for row in rows
        )
    table = AssessmentResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        with_ids = [(pk, *row) for (pk,), row in zip(cursor.fetchall(), rows, strict=True)]
    copy_rows(table, _RESULT_COLUMNS, with_ids)
    # from_db: the rows are stored now, and it is twice as quick as the keyword constructor.
    # Every concrete field is given: a deferred one would cost a query when read.
    return [AssessmentResult.from_db(connection.alias, _RESULT_COLUMNS, row) for row in with_ids]


def _insert_history(rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_rows(CompetencyLevelHistory._meta.db_table, _HISTORY_COLUMNS, rows)
    else:
        CompetencyLevelHistory.objects.bulk_create(
            CompetencyLevelHistory(**dict(zip(_HISTORY_COLUMNS, row, strict=True))) for row in rows
        )


def _upsert_levels(rows: list[tuple]) -> None:
    """Create or raise each (employee, competency) level of `rows` (one row per pair)."""
    if not rows:
        return
    updated = _LEVEL_COLUMNS[2:]
    if connection.vendor != "postgresql":
        CompetencyLevel.objects.bulk_create(
            (CompetencyLevel(**dict(zip(_LEVEL_COLUMNS, row, strict=True))) for row in rows),
            update_conflicts=True,
            unique_fields=["employee", "competency"],
            update_fields=[
                "level",
                "source",
                "evidence_type",
                "evidence_id",
                "evidence_note",
                "achieved_at",
                "expires_at",
                "updated_by",
            ],
        )
        return
    quote = connection.ops.quote_name
    table, columns = quote(CompetencyLevel._meta.db_table), ", ".join(map(quote, _LEVEL_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE import_levels ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
        )
    copy_rows("import_levels", _LEVEL_COLUMNS, rows)
    assignments = ", ".join(f"{quote(column)} = EXCLUDED.{quote(column)}" for column in updated)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM import_levels "  # noqa: S608 (names, not data)
            f"ON CONFLICT (employee_id, competency_id) DO UPDATE SET {assignments}"
        )
        cursor.execute("DROP TABLE import_levels")


class ImportOutdated(ImportFileError):
    """Results or levels changed between the preview and the confirmation."""


def results_import_apply(
    *,
    plan: ResultsPlan,
    by: User | None,
    batch: ResultImport | None = None,
    progress: Progress | None = None,
    door: str = "",
) -> ResultImport:
    """Write `plan` in one transaction: the new results (pointing to `batch`), the level
    changes and their history, one notification per employee whose levels changed, the
    IDP items that the passes close, and one audit entry. All of it or nothing.

    The involved employees' rows are locked first (in pk order, as result_record locks
    one), and the plan is checked against the database again under the lock: if anything
    it relied on changed since it was made, ImportOutdated says so and nothing is written.
    `batch`, when given, is a ResultImport created (and committed) beforehand, e.g. by a
    background task's caller, so that `progress(done, total)` also shows on its row; it is
    marked failed if the import fails. Returns the batch, done, with its counts.
    """
    if (by.pk if by is not None else None) != plan.recorded_by_id:
        raise ValueError("Apply a plan as the person it was made for (the own-result check depends on it).")
    if batch is None:
        batch = ResultImport(file_name=plan.file_name[:255], shape=plan.shape, imported_by=by)
    else:
        # Committed before the import's transaction, and never saved inside it until the end:
        # the progress, written over a second connection, must not wait for that row's lock.
        ResultImport.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
    report = _ProgressReport(batch, progress, len(plan.new_results))
    try:
        with transaction.atomic():
            _write(plan=plan, by=by, batch=batch, report=report, door=door)
            summary_mark_stale()  # the levels the report's summary counts changed: refresh after the commit
    except Exception as error:
        if batch.pk is not None:
            ResultImport.objects.filter(pk=batch.pk).update(
                status=ImportStatus.FAILED, error=str(error)[:10_000], finished_at=timezone.now()
            )
        raise
    finally:
        report.close()
    return batch


def _write(*, plan: ResultsPlan, by: User | None, batch: ResultImport, report: _ProgressReport, door: str) -> None:
    rows = plan.new_results + plan.duplicates
    employee_ids = sorted({row.employee_id for row in rows})
    # Serialise with result_record, which locks one employee's row before reading levels.
    list(User.objects.select_for_update().filter(any_of("pk", employee_ids)).order_by("pk").values_list("pk"))
    assessments = {
        assessment.pk: assessment
        for assessment in Assessment.objects.filter(pk__in={row.assessment_id for row in rows}).only(
            *_ASSESSMENT_FIELDS
        )
    }
    grants = _Grants(assessments)
    outcome, basis = plan._outcome, plan._basis
    if (
        outcome is None
        or basis is None
        or basis.signature != grants.signature
        or (
            basis.fingerprint != _state_fingerprint(rows, grants.competency_ids)
            if basis.fingerprint is not None
            else basis.state != _load_state(rows, grants.competency_ids)
        )
    ):
        raise ImportOutdated(
            [_("Results or levels of these employees changed since the file was checked: check the file again.")]
        )

    batch.status = ImportStatus.RUNNING
    batch.rows_total = len(outcome.new_results)
    if batch.pk is None:
        batch.save()
    report(0)
    # Their results, levels and IDP items change below, in this transaction (hrportal/page_cache.py).
    bump_people(employee_ids)
    result_type_id = ContentType.objects.get_for_model(AssessmentResult).pk
    steps_by_row: dict[int, list[_LevelStep]] = defaultdict(list)
    for step in outcome.steps:
        steps_by_row[id(step.row)].append(step)

    created: list[AssessmentResult] = []
    result_of: dict[int, AssessmentResult] = {}  # id(row) → its result
    note_of: dict[int, str] = {}  # id(row) → its result's evidence note, made once
    changes_by_employee: dict[int, dict[int, LevelChange]] = defaultdict(dict)
    notes_by_employee: dict[int, list[str]] = defaultdict(list)
    now = timezone.now()
    by_id = by.pk if by is not None else None
    for start in range(0, len(outcome.new_results), WRITE_CHUNK):
        chunk = outcome.new_results[start : start + WRITE_CHUNK]
        results = _insert_results(
            [
                (
                    row.employee_id,
                    row.assessment_id,
                    row.score,
                    result_passes(assessment=assessments[row.assessment_id], score=row.score),
                    row.completed_at,
                    by_id,
                    now,
                    None,
                    None,
                    "",
                    batch.pk,
                )
                for row in chunk
            ]
        )
        for result in results:
            # Read back by evidence_note and by the IDP listener: no query for either.
            result.assessment = assessments[result.assessment_id]
            if by is not None:
                result.recorded_by = by
        history: list[tuple] = []
        for row, result in zip(chunk, results, strict=True):
            result_of[id(row)] = result
            row_steps = steps_by_row.get(id(row))
            if not row_steps:
                continue
            note = note_of[id(row)] = result.evidence_note[:255]
            notes_by_employee[row.employee_id].append(note)
            # Ids read once per row and step: .pk is a property, and this loop runs 20,000 times.
            evidence = (LevelSource.ASSESSMENT.value, result_type_id, result.pk, note)
            changes = changes_by_employee[row.employee_id]
            for step in row_steps:
                competency, old, new = step.competency, step.old_level, step.new_level
                competency_id = competency.pk
                history.append((row.employee_id, competency_id, old, new, *evidence, by_id, step.changed_at))
                merged = changes.get(competency_id)
                changes[competency_id] = LevelChange(
                    competency=competency, old_level=merged.old_level if merged else old, new_level=new
                )
        _insert_history(history)
        created += results
        report(len(created))
    # Each record once, as the last of its results left it (raised, or renewed by a pass).
    records = []
    for (employee_id, competency_id), held in outcome.records.items():
        result = result_of[id(held.row)]  # every record the import writes names one of its results
        note = note_of.get(id(held.row)) or result.evidence_note[:255]
        evidence = (held.source, result_type_id, result.pk, note)
        records.append((employee_id, competency_id, held.level, *evidence, held.achieved_at, held.expires_at, by_id))
    _upsert_levels(records)

    dashboard_url = reverse("competencies:my_gaps")  # once, not once per person
    wording = LevelChangeWording()  # each language's labels and names once, not once per person
    with notifications_batched():
        for employee_id, changes in changes_by_employee.items():
            notify_level_changes(
                employee=plan._employees[employee_id],
                changes=list(changes.values()),
                evidence_note="; ".join(notes_by_employee[employee_id]),
                dashboard_url=dashboard_url,
                wording=wording,
            )
        if created:
            for listener in results_listeners():
                listener(created)

    batch.status = ImportStatus.DONE
    batch.rows_done = len(created)
    batch.results_created = len(created)
    batch.duplicates_skipped = len(outcome.duplicates)
    batch.level_changes = len(outcome.steps)
    batch.finished_at = timezone.now()
    batch.save()
    audit_event(
        event=AuditEvent.IMPORT,
        obj=batch,
        actor=by,
        data={
            "file": plan.file_name,
            "shape": plan.shape,
            "results_created": batch.results_created,
            "duplicates_skipped": batch.duplicates_skipped,
            "level_changes": batch.level_changes,
            "employees_notified": len(changes_by_employee),
            "door": door,
        },
    )


# What the admin's column step asks: read with the import's own rules, writing nothing.


@dataclass(frozen=True)
class GradebookColumn:
    """A column of a gradebook file HC decides about (or sees decided)."""

    index: int
    header: str
    how: str  # "unmapped", "remembered", "by name" or "ignored"
    assessment_id: int | None = None  # remembered or matched; None: to ignore, or not known

    @property
    def label(self) -> str:
        return _('Column %(letter)s: "%(header)s"') % {"letter": column_letter(self.index), "header": self.header}


@dataclass(frozen=True)
class FileNeeds:
    """What the upload step could not know: the file's shape and what it still needs."""

    shape: str
    columns: list[GradebookColumn]  # a gradebook's columns other than identity ones; [] for a long file
    needs_date: bool  # some result has no completion date of its own

    @property
    def to_decide(self) -> list[GradebookColumn]:
        """The columns the mapping step asks about: unmapped ones, and remembered ones to confirm."""
        return [column for column in self.columns if column.how in ("unmapped", "remembered")]


def file_needs(content: bytes, fmt: str) -> FileNeeds:
    """Read-only: the shape of the file, its gradebook columns as results_import_plan would take
    them (by the same rules: its own functions), and whether it needs a completion date.
    Raises ImportFileError if the file cannot be read at all."""
    table = read_table(content, fmt, dialects=OTHER_SYSTEMS_CSV)
    shape = _detect_shape(table)
    if shape == ImportShape.LONG:
        dated = [index for index, header in enumerate(table.headers) if _squashed(header) == "completedat"]
        needs_date = not dated or any(str(row[dated[0]]).strip() == "" for _line, row in table.lines())
        return FileNeeds(shape=shape, columns=[], needs_date=needs_date)
    names = AssessmentNames(Assessment.objects.only(*_ASSESSMENT_FIELDS))
    remembered = dict(ResultColumnMapping.objects.values_list("header_key", "assessment_id"))
    identity = set(_identity_columns(table).values())
    columns: list[GradebookColumn] = []
    for index, header in enumerate(table.headers):
        if index in identity or not header:
            continue
        key = column_key(header)
        if key in remembered:
            columns.append(GradebookColumn(index, header, "remembered", remembered[key]))
            continue
        reading, errors = _Reading(shape=shape), ErrorList()
        found = _classify_column(index, header, names, {}, {}, reading, errors)
        if found is not None:
            columns.append(GradebookColumn(index, header, "by name", found.assessment.pk))
        elif errors:
            columns.append(GradebookColumn(index, header, "unmapped"))
        else:
            columns.append(GradebookColumn(index, header, "ignored"))
    return FileNeeds(shape=shape, columns=columns, needs_date=True)
