"""Results as a spreadsheet: HC's export, filtered by assessment, section, position and completion date.

Its columns include, under the same names, the ones the results import reads in its "long"
shape (`employee_number`, `assessment` as code or else title, `score`, `completed_at`), so an
exported file imports again as nothing but duplicates; the rest say who, what and whether it
still counts. Times are in
the portal's time zone (settings.TIME_ZONE) with their offset, so a file means the same
wherever it is opened. Built from one query, however many results it holds.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import tablib
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from assessments.models import Assessment, AssessmentResult
from hrportal.models import Position, Section
from hrportal.spreadsheets import build_dataset

# Machine-facing column keys, the same in every language: the results import reads an export
# back by these names (RESULT_IMPORT_COLUMNS), and scripts rely on them.
RESULT_EXPORT_COLUMNS = (
    "employee_number",
    "email",
    "first_name",
    "last_name",
    "section",
    "position",
    "assessment",
    "assessment_title",
    "category",
    "score",
    "passed",
    "completed_at",
    "recorded_by",
    "voided_at",
    "void_reason",
)
# What the results import reads in its "long" shape; the import finds columns by name.
RESULT_IMPORT_COLUMNS = ("employee_number", "assessment", "score", "completed_at")

# Rows fetched from the database at a time: the file is written as they arrive.
_CHUNK = 2000


@dataclass(frozen=True)
class ResultExportFilter:
    """Which results to export; every field left empty means "any"."""

    assessment: Assessment | None = None
    section: Section | None = None
    position: Position | None = None
    completed_from: date | None = None  # inclusive, a day in the portal's time zone
    completed_to: date | None = None  # inclusive
    include_voided: bool = False


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def results_for_export(*, filters: ResultExportFilter) -> QuerySet[AssessmentResult]:
    """The results `filters` select, oldest first, with everything a row shows (one query)."""
    results = AssessmentResult.objects.select_related(
        "employee__section", "employee__position", "assessment", "recorded_by"
    ).order_by("completed_at", "pk")
    if not filters.include_voided:
        results = results.filter(voided_at__isnull=True)
    if filters.assessment is not None:
        results = results.filter(assessment=filters.assessment)
    if filters.section is not None:
        results = results.filter(employee__section=filters.section)
    if filters.position is not None:
        results = results.filter(employee__position=filters.position)
    if filters.completed_from is not None:
        results = results.filter(completed_at__gte=_start_of(filters.completed_from))
    if filters.completed_to is not None:
        results = results.filter(completed_at__lt=_start_of(filters.completed_to + timedelta(days=1)))
    return results


def _when(moment: datetime | None) -> str:
    """ISO 8601 in the portal's time zone, with its offset: "2026-03-01T09:00:00+07:00"."""
    if moment is None:
        return ""
    return timezone.localtime(moment, timezone.get_default_timezone()).isoformat(timespec="seconds")


def _rows(results: QuerySet[AssessmentResult]) -> Iterator[list]:
    for result in results.iterator(chunk_size=_CHUNK):
        employee, assessment = result.employee, result.assessment
        yield [
            employee.employee_number or "",
            employee.email,
            employee.first_name,
            employee.last_name,
            employee.section.name if employee.section else "",
            employee.position.name if employee.position else "",
            assessment.code or assessment.title,
            assessment.title,
            assessment.category,
            result.score,
            "yes" if result.passed else "no",
            _when(result.completed_at),
            result.recorded_by.display_name if result.recorded_by else "",
            _when(result.voided_at),
            result.void_reason,
        ]


def results_dataset(*, filters: ResultExportFilter) -> tablib.Dataset:
    """The export as a dataset (formula-like text escaped by build_dataset)."""
    return build_dataset(RESULT_EXPORT_COLUMNS, _rows(results_for_export(filters=filters)), title=gettext("Results"))


def results_export_filename(*, filters: ResultExportFilter) -> str:
    """ "results-2026-03-01-to-2026-03-31" (without extension), or "results-exported-2026-04-02"."""
    if filters.completed_from or filters.completed_to:
        start = filters.completed_from.isoformat() if filters.completed_from else "start"
        end = filters.completed_to.isoformat() if filters.completed_to else "now"
        return f"results-{start}-to-{end}"
    return f"results-exported-{timezone.localdate():%Y-%m-%d}"
