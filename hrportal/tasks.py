"""hrportal's background tasks: the scheduled jobs (hrportal.periodic: the audit purge and the two
clean-ups that used to be cron lines of their own, so that the scheduler is the only clock a
deployment needs), and the admin's spreadsheet imports, which outlive a request at scale."""

import base64
from datetime import time
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.backend import DatabaseBackend

from hrportal.audit import audit_actor, audit_event, audit_purge
from hrportal.background import background_task, stalled_tasks_recover
from hrportal.models import AuditEvent, ImportStatus, NotificationKind, NotificationPriority, SpreadsheetImport
from hrportal.notifications import notify
from hrportal.periodic import Schedule, periodic
from hrportal.spreadsheets import ImportFileError, ImportOptions, SpreadsheetImporter, format_from_name

AUDIT_PURGE = gettext_lazy("Purge the audit trail beyond its retention")
SESSIONS = gettext_lazy("Remove expired sessions")
TASK_RESULTS = gettext_lazy("Remove finished background task records")
STALLED_TASKS = gettext_lazy("Retry background tasks whose worker stopped")


@periodic(name="purge_audit", label=AUDIT_PURGE, schedule=Schedule(every="day", at=time(2, 30)))
@background_task(label=AUDIT_PURGE)
def audit_purge_run() -> int:
    """manage.py purge_audit, daily: returns how many entries went."""
    return sum(audit_purge(retention_days=settings.AUDIT_RETENTION_DAYS).values())


@periodic(name="clear_sessions", label=SESSIONS, schedule=Schedule(every="day", at=time(3, 15)))
@background_task(label=SESSIONS)
def sessions_clear_run() -> None:
    """manage.py clearsessions, daily."""
    call_command("clearsessions")


@periodic(name="prune_task_results", label=TASK_RESULTS, schedule=Schedule(every="day", at=time(3, 30)))
@background_task(label=TASK_RESULTS)
def task_results_prune_run() -> None:
    """manage.py prune_db_task_results, daily: a finished task's row, which holds its arguments (an
    import's file, an email's text), goes 14 days after it finished. Nothing on another backend
    (the tests' immediate one keeps no rows)."""
    if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        call_command("prune_db_task_results", queue_name="*", verbosity=0)


@periodic(name="recover_stalled_tasks", label=STALLED_TASKS, schedule=Schedule(every="minute"))
@background_task(label=STALLED_TASKS)
def stalled_tasks_recover_run() -> int:
    """Every minute: tasks left "running" by a killed worker count as failed attempts
    (hrportal.background.stalled_tasks_recover). Returns how many were found."""
    return stalled_tasks_recover()


# The admin's spreadsheet imports (employees, matrix, descriptors: hrportal.admin.SpreadsheetAdminMixin)


def spreadsheet_importer(batch: SpreadsheetImport) -> SpreadsheetImporter[Any] | None:
    """The importer `batch` was made with: the one its model's ModelAdmin lists under its key
    (the admin site is the one registry of them), or None if that admin has none by that key."""
    model = batch.model.model_class()
    if model is None or not admin.site.is_registered(model):
        return None
    imports = getattr(admin.site.get_model_admin(model), "spreadsheet_imports", ())
    return next((importer for importer in imports if importer.key == batch.importer), None)


def _spreadsheet_import_file_name(*, import_id: int, **kwargs: object) -> str:
    return SpreadsheetImport.objects.filter(pk=import_id).values_list("file_name", flat=True).first() or ""


def _spreadsheet_import_failed(batch: SpreadsheetImport, error: str) -> str:
    """Mark `batch` failed, saying why, and tell whoever imported it."""
    batch.status, batch.error, batch.finished_at = ImportStatus.FAILED, error[:10_000], timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])
    _spreadsheet_import_notify(batch)
    return ImportStatus.FAILED


def _spreadsheet_import_gave_up(*, import_id: int, language: str = "", **kwargs: object) -> None:
    batch = SpreadsheetImport.objects.select_related("imported_by").filter(pk=import_id).first()
    if batch is None or batch.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return
    with translation.override(language or None):
        # The last attempt's error (kept in `error` by the run) stays below the explanation.
        error = _("The import stopped on an error, every time it was tried. Nothing was imported.")
        _spreadsheet_import_failed(batch, "\n".join([error, batch.error]).strip())


def _spreadsheet_import_notify(batch: SpreadsheetImport) -> None:
    done = batch.status == ImportStatus.DONE
    subject = gettext_lazy("Imported {file}") if done else gettext_lazy("Nothing was imported from {file}")
    notify(
        recipients=[batch.imported_by],
        subject=format_lazy(subject, file=batch.file_name),
        # The summary and the error are in the language the import was confirmed in.
        body=batch.summary if done else batch.error,
        url=reverse("admin:hrportal_spreadsheetimport_change", args=[batch.pk]),
        kind=NotificationKind.OTHER,
        priority=NotificationPriority.NORMAL if done else NotificationPriority.HIGH,
        about=batch,
    )


@background_task(
    label=gettext_lazy("Spreadsheet import"),
    describe=_spreadsheet_import_file_name,
    gave_up=_spreadsheet_import_gave_up,
)
def spreadsheet_import_run(*, import_id: int, file_name: str, content: str, fingerprint: str, language: str) -> str:
    """Import a file HC previewed and confirmed in the admin (an employees, matrix or descriptors
    file), into its SpreadsheetImport, created queued by the admin. `file_name` is the file's name
    as uploaded (the row's may be shortened), `content` the file, base64.

    The file is planned again, in HC's language and as HC (what they may change depends on who
    they are): if the plan is not the one previewed (`fingerprint`), nothing is written and the
    import says why. Applied, its audit entry is written and the import marked done in the same
    transaction, and HC is told the summary (or why it failed).

    A run that raises is retried (hrportal.background): an import done or failed already is left
    alone, one whose transaction rolled back is planned and applied again."""
    batch = SpreadsheetImport.objects.select_related("imported_by", "model").get(pk=import_id)
    if batch.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return batch.status
    with translation.override(language or None):
        SpreadsheetImport.objects.filter(pk=import_id).update(status=ImportStatus.RUNNING, started_at=timezone.now())
        try:
            return _spreadsheet_import_apply(
                batch, file_name=file_name, content=base64.b64decode(content), fingerprint=fingerprint
            )
        except Exception as error:
            # Shown until the retry runs (and kept, below the explanation, if none succeeds).
            SpreadsheetImport.objects.filter(pk=import_id).update(
                status=ImportStatus.QUEUED,
                error=_("An attempt failed; the import will be tried again. %(error)s")
                % {"error": f"{type(error).__name__}: {error}"[:2000]},
            )
            raise


def _spreadsheet_import_apply(batch: SpreadsheetImport, *, file_name: str, content: bytes, fingerprint: str) -> str:
    importer = spreadsheet_importer(batch)
    if importer is None:
        return _spreadsheet_import_failed(batch, _("This kind of import no longer exists. Nothing was imported."))
    options = ImportOptions(remove=batch.remove, create_missing=batch.create_missing, by=batch.imported_by)
    with transaction.atomic(), audit_actor(batch.imported_by):
        # Two runs of one import (a retry beside a slow first attempt) take turns here; the
        # second finds it done.
        status = SpreadsheetImport.objects.select_for_update().values_list("status", flat=True).get(pk=batch.pk)
        if status in (ImportStatus.DONE, ImportStatus.FAILED):
            return status
        try:
            plan = importer.plan(content, format_from_name(file_name), options)
        except ImportFileError as error:
            return _spreadsheet_import_failed(batch, "\n".join([_("Nothing was imported:"), *error.errors]))
        if plan.fingerprint() != fingerprint:
            return _spreadsheet_import_failed(
                batch,
                _(
                    "What this file would change was different when its turn came from what was previewed, "
                    "so nothing was imported. Upload it again to see what it would change now."
                ),
            )
        importer.apply(plan, batch.imported_by, f"import {file_name}")
        audit_event(
            event=AuditEvent.IMPORT,
            model=batch.model.model_class(),
            object_repr=batch.file_name,
            actor=batch.imported_by,
            data={"import": batch.importer, "file": batch.file_name, "summary": str(plan.summary()), "door": "admin"},
        )
        batch.status, batch.summary, batch.error = ImportStatus.DONE, str(plan.summary()), ""
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "summary", "error", "finished_at"])
        _spreadsheet_import_notify(batch)
    return ImportStatus.DONE
