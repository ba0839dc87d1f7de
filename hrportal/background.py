"""Background work: django.tasks, retried, with the failures HC can see.

Django's tasks framework runs a task once: one that raises is marked failed and stays so.
`background_task` is `@task` with what the portal needs on top:

- a task that raises is enqueued again, after 1, 4, 16, 64… minutes (TASK_RETRY_SECONDS × 4ⁿ;
  at once on a backend that cannot defer, such as the tests' immediate one), until it has run
  TASK_ATTEMPTS times (default 5);
- its last failure becomes a TaskFailure, which HC sees in the admin (with a count on the
  admin's index page): the kind of work (`label`), what it was about (`describe`, given the
  task's arguments; never the arguments themselves, which may hold what an employee typed or an
  email carrying a password link) and the error;
- the task's own code is idempotent, because a retry runs it again whole: one email per task
  (hrportal.notifications.email_send), services that record what they have done (a digest's
  week, a reminder's day), imports that refuse a plan already applied.

Every attempt is a task result of its own in django-tasks-db's table (`manage.py db_worker`
runs them); `attempt` is passed along as a keyword argument. Tasks take keyword arguments only,
JSON values, as the database backend stores them.

A worker killed in the middle of a task (SIGKILL after a deploy's grace period, a crash, the
machine going down) never says how the task ended: its row stays "running" for ever. Such a
row, running for longer than TASK_STALLED_MINUTES, counts as a failed attempt
(`stalled_tasks_recover`, every few minutes from the scheduler): marked failed, and retried
or, at the last attempt, shown to HC like any other failure.
"""

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.tasks import Task, task
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from hrportal.models import TaskFailure, User

logger = logging.getLogger(__name__)

# task module path -> (label, describe): for the admin's list of failures.
_LABELS: dict[str, Any] = {}
_DESCRIBERS: dict[str, Callable[..., str]] = {}
_GAVE_UP: dict[str, Callable[..., None]] = {}


def retry_delay(attempt: int) -> timedelta:
    """How long after failed attempt `attempt` (1, 2, …) the next one runs."""
    return timedelta(seconds=settings.TASK_RETRY_SECONDS * 4 ** (attempt - 1))


@functools.cache
def tasks_discover() -> None:
    """Import every app's `tasks` module (once): the labels and the scheduled jobs register as
    their modules are imported, which a web process has not always done."""
    autodiscover_modules("tasks")


def task_label(task_path: str) -> Any:
    """The readable name of the task at `task_path` (its module path), or the path itself."""
    tasks_discover()
    return _LABELS.get(task_path, task_path)


def background_task(
    *,
    label: Any,
    describe: Callable[..., str] | None = None,
    gave_up: Callable[..., None] | None = None,
    priority: int = 0,
) -> Callable[[Callable[..., Any]], Task]:
    """`@task`, retried and its last failure recorded (the module's docstring).

    `label` names the kind of work for HC (lazy text); `describe(**kwargs)` says what one run was
    about, in words HC may see, e.g. "to anna@example.com"; `gave_up(**kwargs)`, if given, runs
    after the last attempt failed (to mark the task's own record failed, say).
    """

    def decorate(function: Callable[..., Any]) -> Task:
        @functools.wraps(function)
        def run(*, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return function(**kwargs)
            except Exception as error:
                _failed(background, kwargs=kwargs, attempt=attempt, error=error)
                raise

        background: Task = task(run, priority=priority)
        _LABELS[background.module_path] = label
        if describe is not None:
            _DESCRIBERS[background.module_path] = describe
        if gave_up is not None:
            _GAVE_UP[background.module_path] = gave_up
        return background

    return decorate


def enqueue_on_commit(background: Task, **kwargs: Any) -> None:
    """Enqueue `background` once the current transaction commits (at once outside one): a rolled
    back change starts nothing, and a failure to enqueue never undoes the change."""
    transaction.on_commit(functools.partial(background.enqueue, **kwargs), robust=True)


def _error_text(error: BaseException) -> str:
    return Truncator(f"{type(error).__name__}: {error}").chars(1000)


def _failed(background: Task, *, kwargs: dict[str, Any], attempt: int, error: BaseException) -> None:
    if attempt < settings.TASK_ATTEMPTS:
        delay = retry_delay(attempt)
        logger.warning(
            "Background task %s failed (attempt %d of %d), retrying in %s: %s",
            background.module_path,
            attempt,
            settings.TASK_ATTEMPTS,
            delay,
            _error_text(error),
        )
        if background.get_backend().supports_defer:
            background = background.using(run_after=timezone.now() + delay)
        background.enqueue(attempt=attempt + 1, **kwargs)
        return
    describer = _DESCRIBERS.get(background.module_path)
    try:
        description = describer(**kwargs) if describer is not None else ""
    except Exception:  # a description is a courtesy: the failure is recorded without it
        logger.exception("Could not describe the failed task %s", background.module_path)
        description = ""
    logger.error("Background task %s failed for good after %d attempts", background.module_path, attempt)
    TaskFailure.objects.create(
        task_path=background.module_path,
        description=Truncator(description).chars(300),
        error=_error_text(error),
        attempts=attempt,
    )
    if (on_gave_up := _GAVE_UP.get(background.module_path)) is not None:
        on_gave_up(**kwargs)


def task_failures_resolve(*, failures: "models.QuerySet[TaskFailure]", by: User) -> int:
    """Mark `failures` dealt with by `by` (HC has resent, fixed or accepted what failed): they leave
    the admin index's count. Already dealt-with ones keep who and when; returns how many were marked."""
    return failures.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolved_by=by)


class TaskStalled(Exception):  # noqa: N818 - what HC reads in the list of failures: "TaskStalled: …"
    """A task whose worker stopped while running it (stalled_tasks_recover)."""


def stalled_tasks_recover(*, now: Any = None) -> int:
    """Every task result still "running" TASK_STALLED_MINUTES after it started: its worker was
    killed and never finished it. Each is marked failed, under its row lock (so two schedulers
    never handle it twice, and a worker that does finish it meanwhile wins), and counts as a
    failed attempt: enqueued again after the backoff, or at the last attempt recorded for HC.
    Nothing on a backend without rows (the tests' immediate one). Returns how many were found."""
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 (an app of its own, loaded after hrportal)

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.TASK_STALLED_MINUTES)
    stalled = list(
        DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).values_list("pk", flat=True)[:500]
    )
    for pk in stalled:
        with transaction.atomic():
            row = DBTaskResult.objects.select_for_update(skip_locked=True).filter(pk=pk, status="RUNNING").first()
            if row is None:
                continue
            minutes = int((now - row.started_at).total_seconds() // 60)
            error = TaskStalled(
                _("Its worker stopped while running it (still marked running %(minutes)s minutes after it started).")
                % {"minutes": minutes}
            )
            row.set_failed(error)
            kwargs = dict(row.args_kwargs.get("kwargs") or {})
            attempt = int(kwargs.pop("attempt", 1))
            try:
                background = import_string(row.task_path)
            except ImportError:
                background = None
            if isinstance(background, Task) and background.module_path in _LABELS:
                _failed(background, kwargs=kwargs, attempt=attempt, error=error)
            else:  # not one of ours (or gone since): nothing to retry, HC sees that it stopped
                TaskFailure.objects.create(task_path=row.task_path, error=_error_text(error), attempts=attempt)
    return len(stalled)
