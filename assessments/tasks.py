"""Background tasks (django.tasks; the TASKS setting names the backend, django-tasks-db's
worker runs them: `manage.py db_worker`)."""

import base64

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, ImportStatus, ResultImport
from assessments.results_import import (
    IGNORE,
    result_column_mappings_remember,
    results_import_apply,
    results_import_plan,
)
from assessments.services.attempts import attempts_finalise_overdue
from hrportal.background import background_task
from hrportal.periodic import Schedule, periodic
from hrportal.spreadsheets import ImportFileError, format_from_name

OVERDUE_ATTEMPTS = gettext_lazy("Finalise overdue online attempts")


@periodic(name="finalise_overdue_attempts", label=OVERDUE_ATTEMPTS, schedule=Schedule(every="minute"))
@background_task(label=OVERDUE_ATTEMPTS)
def overdue_attempts_finalise_run() -> int:
    """manage.py finalise_overdue_attempts, every minute: each attempt is finalised under its row
    lock, once, so overlapping runs are harmless. Returns how many were finalised."""
    return attempts_finalise_overdue()


def names_for_plan(columns: dict[str, str]) -> dict[str, str]:
    """{header: code, title or "-"}, as results_import_plan takes them, for {header: pk or "-"}
    as the admin's column selects give them (an unknown pk stays as it is, and the plan says so)."""
    assessments = Assessment.objects.in_bulk({int(value) for value in columns.values() if value.isdigit()})
    names: dict[str, str] = {}
    for header, value in columns.items():
        assessment = assessments.get(int(value)) if value.isdigit() else None
        names[header] = (assessment.code or assessment.title) if assessment is not None else value
    return names


def mappings_to_remember(columns: dict[str, str]) -> dict[str, Assessment | None]:
    """{header: assessment, or None to ignore it} for {header: pk or "-"}."""
    assessments = Assessment.objects.in_bulk({int(value) for value in columns.values() if value.isdigit()})
    return {
        header: assessments.get(int(value)) if value != IGNORE and value.isdigit() else None
        for header, value in columns.items()
    }


def _fail(import_id: int, error: str) -> None:
    ResultImport.objects.filter(pk=import_id).update(
        status=ImportStatus.FAILED, error=error[:10_000], finished_at=timezone.now()
    )


def _import_file_name(*, file_name: str, **kwargs: object) -> str:
    return file_name


def _import_gave_up(*, import_id: int, **kwargs: object) -> None:
    ResultImport.objects.filter(pk=import_id).exclude(status=ImportStatus.DONE).update(
        status=ImportStatus.FAILED,
        error=_("The import stopped on an error, every time it was tried. Nothing was imported."),
        finished_at=timezone.now(),
    )


@background_task(label=gettext_lazy("Results import"), describe=_import_file_name, gave_up=_import_gave_up)
def results_import_run(
    *,
    import_id: int,
    file_name: str,
    content: str,
    completed_at: str,
    columns: dict[str, str],
    remember: bool,
    fingerprint: str,
    language: str,
) -> str:
    """Import a results file HC previewed and confirmed in the admin, into its ResultImport
    (created, queued, by the admin). The file is planned again, as HC's language and as HC:
    if the plan is not the one previewed (`fingerprint`), nothing is imported and the import
    says why. `content` is the file, base64; `columns` {header: assessment pk or "-"}.

    A run that raises is retried (hrportal.background): an import already done is left alone,
    one that failed before its commit is planned and applied again."""
    batch = ResultImport.objects.select_related("imported_by").get(pk=import_id)
    if batch.status == ImportStatus.DONE:
        return ImportStatus.DONE
    with translation.override(language or None):
        ResultImport.objects.filter(pk=import_id).update(status=ImportStatus.RUNNING)
        try:
            plan = results_import_plan(
                content=base64.b64decode(content),
                fmt=format_from_name(file_name),
                file_name=file_name,
                by=batch.imported_by,
                completed_at=completed_at or None,
                columns=names_for_plan(columns),
            )
        except ImportFileError as error:
            _fail(import_id, "\n".join(error.errors))
            return ImportStatus.FAILED
        if plan.fingerprint() != fingerprint:
            _fail(
                import_id,
                _(
                    "What this file would change was different when its turn came from what was previewed, "
                    "so nothing was imported. Upload it again to see what it would change now."
                ),
            )
            return ImportStatus.FAILED
        try:
            results_import_apply(plan=plan, by=batch.imported_by, batch=batch, door="admin")
        except ImportFileError:
            return ImportStatus.FAILED  # results_import_apply marked the import failed, saying why
        if remember and columns:
            result_column_mappings_remember(mappings=mappings_to_remember(columns), by=batch.imported_by)
    return ImportStatus.DONE
