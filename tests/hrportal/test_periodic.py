"""Scheduled jobs (hrportal.periodic): each enqueued once per slot, at its time, by any number of
schedulers (`manage.py run_periodic`)."""

from datetime import datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from hrportal.models import PeriodicJob
from hrportal.periodic import Schedule, jobs, periodic_enqueue_due

pytestmark = pytest.mark.django_db


def _local(settings, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_a_daily_slot_is_due_from_its_time_and_a_weekly_one_from_its_day(settings):
    daily = Schedule(every="day", at=time(6, 0))
    weekly = Schedule(every="week", weekday=1, at=time(6, 0))
    # 2026-12-07 is a Monday.
    assert daily.slot(_local(settings, 2026, 12, 7, 5, 59)) is None
    assert daily.slot(_local(settings, 2026, 12, 7, 6, 0)) == "2026-12-07"
    assert weekly.slot(_local(settings, 2026, 12, 7, 5, 59)) is None
    assert weekly.slot(_local(settings, 2026, 12, 7, 6, 0)) == "2026-W50"
    assert weekly.slot(_local(settings, 2026, 12, 13, 23, 0)) == "2026-W50"
    assert Schedule(every="minute").slot(_local(settings, 2026, 12, 7, 6, 1)) == "2026-12-07T06:01"


def test_every_job_the_commands_ran_from_cron_is_scheduled():
    assert set(jobs()) == {
        "finalise_overdue_attempts",
        "escalate_approvals",
        "send_expiry_reminders",
        "send_survey_reminders",
        "send_digests",
        "purge_audit",
        "refresh_report_summary",
        "clear_sessions",
        "prune_task_results",
        "recover_stalled_tasks",
    }


def test_each_job_is_enqueued_once_per_slot_whoever_asks(settings, cast):
    monday_morning = _local(settings, 2026, 12, 7, 6, 30)
    assert set(periodic_enqueue_due(now=monday_morning)) == {
        "finalise_overdue_attempts",
        "escalate_approvals",
        "send_expiry_reminders",
        "send_digests",
        "purge_audit",
        "refresh_report_summary",
        "clear_sessions",
        "prune_task_results",
        "recover_stalled_tasks",
    }
    # A second scheduler in the same minute enqueues nothing; the next minute, only the
    # per-minute jobs; at 07:00 the survey notices too; the next day the daily jobs again.
    assert periodic_enqueue_due(now=monday_morning) == []
    assert set(periodic_enqueue_due(now=_local(settings, 2026, 12, 7, 6, 31))) == {
        "finalise_overdue_attempts",
        "recover_stalled_tasks",
    }
    assert set(periodic_enqueue_due(now=_local(settings, 2026, 12, 7, 7, 0))) == {
        "finalise_overdue_attempts",
        "recover_stalled_tasks",
        "send_survey_reminders",
    }
    assert "send_digests" not in periodic_enqueue_due(now=_local(settings, 2026, 12, 8, 6, 30))
    assert PeriodicJob.objects.get(name="send_digests").last_slot == "2026-W50"
    assert PeriodicJob.objects.get(name="purge_audit").last_slot == "2026-12-08"


def test_the_weekly_digest_job_emails_what_waits(cast, django_capture_on_commit_callbacks):
    from tests.idp.factories import IdpItemFactory

    IdpItemFactory(employee=cast.employee, status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        jobs()["send_digests"].task.enqueue()
    assert cast.supervisor.email in [message.to[0] for message in mail.outbox]


def test_the_daily_clean_up_prunes_old_finished_task_records_on_the_database_backend(settings):
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    from hrportal.tasks import task_results_prune_run

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    task_results_prune_run.enqueue()
    task_results_prune_run.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    DBTaskResult.objects.update(finished_at=timezone.now() - timedelta(days=15))
    task_results_prune_run.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    # The two old records went; the run that pruned them stays, finished just now.
    assert DBTaskResult.objects.count() == 1


def test_run_periodic_says_what_it_enqueued(cast):
    out = StringIO()
    call_command("run_periodic", stdout=out)
    assert "Enqueued: Finalise overdue online attempts" in out.getvalue()
    assert PeriodicJob.objects.get(name="finalise_overdue_attempts").last_enqueued_at <= timezone.now()
