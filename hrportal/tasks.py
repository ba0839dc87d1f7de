"""hrportal's scheduled background jobs (hrportal.periodic): the audit purge and the two clean-ups
that used to be cron lines of their own, so that the scheduler is the only clock a deployment needs."""

from datetime import time

from django.conf import settings
from django.core.management import call_command
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils.translation import gettext_lazy as _
from django_tasks_db.backend import DatabaseBackend

from hrportal.audit import audit_purge
from hrportal.background import background_task, stalled_tasks_recover
from hrportal.periodic import Schedule, periodic

AUDIT_PURGE = _("Purge the audit trail beyond its retention")
SESSIONS = _("Remove expired sessions")
TASK_RESULTS = _("Remove finished background task records")
STALLED_TASKS = _("Retry background tasks whose worker stopped")


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
