"""Scheduled work: which background task runs when, and the one pass that enqueues what is due.

Each app declares its own jobs in its `tasks.py` with `@periodic(...)` on a background task
(hrportal.background) that takes no arguments; `manage.py run_periodic` (a cron line every
minute, or `--loop` as a process beside the worker, as `make worker` runs it) enqueues each
job once per slot: the minute, the day or the ISO week it is due for, in TIME_ZONE. A job
whose time passed while nothing ran (the scheduler was down at 06:00) is enqueued at the next
pass of the same day or week; a missed day is not made up, and the jobs are written so that
this loses nothing (reminders and digests look at what is due, not at what happened that day).

PeriodicJob keeps each job's last slot. Moving it forward is one conditional UPDATE in the
transaction that enqueues the task (the database backend's queue is a table in the same
database), so two schedulers never enqueue a job twice for a slot, and a failed enqueue
leaves the slot to the next pass.

The jobs and their times (deployment.md repeats them):
- finalise overdue online attempts: every minute;
- escalate approvals waiting too long, expiry reminders: daily at 06:00;
- self-assessment round notices and reminders: daily at 07:00;
- the weekly digest: Mondays at 06:00;
- purge the audit trail beyond its retention: daily at 02:30;
- refresh the organisation report's summary: daily at 00:05 (the day's expiries, a new month);
- remove expired sessions (clearsessions) at 03:15 and finished task records older than 14
  days (prune_db_task_results) at 03:30, daily.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Literal

from django.db import transaction
from django.tasks import Task
from django.utils import timezone

from hrportal.background import tasks_discover
from hrportal.models import PeriodicJob


@dataclass(frozen=True)
class Schedule:
    """When a job is due: every minute, daily at `at`, or weekly on ISO `weekday` (1 = Monday) at `at`."""

    every: Literal["minute", "day", "week"]
    at: time = time(0)
    weekday: int = 1

    def slot(self, now: datetime) -> str | None:
        """The slot due at local time `now` ("2026-12-04T06:01", "2026-12-04", "2026-W49"), or
        None before the job's time in the current day or week. Slots of one schedule sort in time."""
        if self.every == "minute":
            return now.strftime("%Y-%m-%dT%H:%M")
        if self.every == "day":
            return now.date().isoformat() if now.time() >= self.at else None
        year, week, weekday = now.isocalendar()
        if (weekday, now.time()) < (self.weekday, self.at):
            return None
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Job:
    name: str
    label: Any  # lazy text, for the admin's list of scheduled jobs
    schedule: Schedule
    task: Task


_JOBS: dict[str, Job] = {}


def periodic(*, name: str, label: Any, schedule: Schedule) -> Callable[[Task], Task]:
    """Register the background task below (no arguments) as the job `name`, due on `schedule`."""

    def register(background: Task) -> Task:
        _JOBS[name] = Job(name=name, label=label, schedule=schedule, task=background)
        return background

    return register


@functools.cache
def jobs() -> dict[str, Job]:
    """Every app's jobs, by name: importing each app's `tasks` module registers them."""
    tasks_discover()
    return dict(_JOBS)


def job_label(name: str) -> Any:
    job = jobs().get(name)
    return job.label if job is not None else name


def periodic_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job due at `now` (default: now) whose slot has not been enqueued yet;
    returns their names."""
    local = timezone.localtime(now)
    started = []
    for job in jobs().values():
        slot = job.schedule.slot(local)
        if slot is None:
            continue
        PeriodicJob.objects.get_or_create(name=job.name)
        with transaction.atomic():
            moved = PeriodicJob.objects.filter(name=job.name, last_slot__lt=slot).update(
                last_slot=slot, last_enqueued_at=timezone.now()
            )
            if moved:
                job.task.enqueue()
                started.append(job.name)
    return started
