"""Background tasks (hrportal.background): retried with a backoff, their last failure shown to HC,
on the tests' immediate backend and on the database backend with its worker (db_worker)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hrportal.background import background_task, stalled_tasks_recover
from hrportal.models import TaskFailure
from hrportal.notifications import notify

pytestmark = pytest.mark.django_db

RUNS: list[int] = []


@background_task(label="Flaky test work", describe=lambda *, fails: f"fails {fails} times")
def flaky(*, fails: int) -> str:
    """Raises on its first `fails` runs (counted in RUNS), then succeeds."""
    RUNS.append(len(RUNS) + 1)
    if len(RUNS) <= fails:
        raise RuntimeError(f"run {len(RUNS)} failed")
    return "done"


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()


@pytest.fixture
def database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _work(*, now=None):
    """One worker pass over what is due: `db_worker --batch` (the tasks' run_after moved back first
    when `now` is later than the real time, as if the worker ran then)."""
    if now is not None:
        DBTaskResult.objects.filter(status="READY", run_after__lte=now).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_a_failing_task_is_retried_until_it_succeeds_and_leaves_no_failure(settings):
    settings.TASK_ATTEMPTS = 3
    flaky.enqueue(fails=2)
    assert RUNS == [1, 2, 3]
    assert not TaskFailure.objects.exists()


def test_a_task_failing_every_attempt_is_recorded_once_without_its_arguments(settings):
    settings.TASK_ATTEMPTS = 3
    flaky.enqueue(fails=10)
    assert RUNS == [1, 2, 3]
    [failure] = TaskFailure.objects.all()
    assert failure.task_path == "tests.hrportal.test_background.flaky"
    assert (failure.description, failure.error, failure.attempts) == ("fails 10 times", "RuntimeError: run 3 failed", 3)
    assert failure.resolved_at is None


def test_the_database_worker_retries_after_a_backoff_then_records_the_failure(settings, database_backend):
    settings.TASK_ATTEMPTS = 2
    settings.TASK_RETRY_SECONDS = 60
    flaky.enqueue(fails=10)
    before = timezone.now()
    _work()

    assert RUNS == [1]
    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "FAILED" and "run 1 failed" in first.traceback
    # The retry waits a minute: a worker pass now leaves it alone.
    assert retry.status == "READY" and retry.args_kwargs["kwargs"] == {"fails": 10, "attempt": 2}
    assert before + timedelta(seconds=59) < retry.run_after < timezone.now() + timedelta(seconds=61)
    _work()
    assert RUNS == [1] and not TaskFailure.objects.exists()

    _work(now=timezone.now() + timedelta(minutes=2))
    assert RUNS == [1, 2]
    assert DBTaskResult.objects.filter(status="FAILED").count() == 2
    assert not DBTaskResult.objects.filter(status="READY").exists()
    [failure] = TaskFailure.objects.all()
    assert (failure.attempts, failure.error) == (2, "RuntimeError: run 2 failed")


def test_the_database_worker_sends_a_notification_email_after_the_request(
    cast, database_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[cast.employee], subject="Level changed", body="B1 → B2", url="/gap/")
    # Queued, not sent: the request never waits on the mail server.
    assert mail.outbox == []
    assert DBTaskResult.objects.get().task_path == "hrportal.notifications.email_send"
    _work()
    [email] = mail.outbox
    assert email.to == [cast.employee.email] and "B1 → B2" in email.body


def test_a_refused_email_of_a_batch_is_retried_alone(
    cast, database_backend, django_capture_on_commit_callbacks, monkeypatch
):
    from hrportal.notifications import notifications_batched

    send_messages = EmailBackend.send_messages
    refusals = []

    def refuse_the_employee_once(backend, messages):
        if messages[0].to == [cast.employee.email] and not refusals:
            refusals.append(messages[0].to)
            raise ConnectionError("try again later")
        return send_messages(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_the_employee_once)
    with django_capture_on_commit_callbacks(execute=True), notifications_batched():
        notify(recipients=[cast.employee, cast.colleague, cast.supervisor], subject="Result recorded", body="Passed")
    _work()
    # The batch sent the other two, and gave the refused one a task of its own, which the same
    # worker pass ran: everyone has exactly one copy.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [cast.employee.email, cast.colleague.email, cast.supervisor.email]
    )
    assert refusals == [[cast.employee.email]]
    assert sorted(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("hrportal.notifications.email_send", "SUCCESSFUL"),
        ("hrportal.notifications.emails_send", "SUCCESSFUL"),
    ]


def test_hc_sees_the_count_of_failed_tasks_and_marks_them_dealt_with(client, cast, settings):
    settings.TASK_ATTEMPTS = 1
    flaky.enqueue(fails=1)
    flaky.enqueue(fails=1)  # RUNS has one entry by now: this one succeeds
    flaky.enqueue(fails=10)
    client.force_login(cast.hc)

    page = client.get(reverse("admin:index")).content.decode()
    assert "2 background tasks failed after their retries" in page

    changelist = reverse("admin:hrportal_taskfailure_changelist")
    listing = client.get(changelist + "?dealt_with=no").content.decode()
    assert "Flaky test work" in listing and "RuntimeError: run 3 failed" in listing
    response = client.post(
        changelist,
        {"action": "resolve_selected", "_selected_action": list(TaskFailure.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 302
    assert set(TaskFailure.objects.values_list("resolved_by", flat=True)) == {cast.hc.pk}
    assert 'id="failed-tasks"' not in client.get(reverse("admin:index")).content.decode()


def test_the_failures_page_is_hcs_only(client, cast):
    changelist = reverse("admin:hrportal_taskfailure_changelist")
    client.force_login(cast.supervisor)
    assert client.get(changelist).status_code == 403


def test_a_password_link_email_that_failed_shows_the_address_never_the_link(
    client, cast, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASK_ATTEMPTS = 2

    def refuse(backend, messages):
        raise ConnectionError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": cast.employee.email})
    [failure] = TaskFailure.objects.all()
    assert failure.description == cast.employee.email
    client.force_login(cast.hc)
    page = client.get(reverse("admin:hrportal_taskfailure_change", args=[failure.pk])).content.decode()
    assert cast.employee.email in page and "mail server down" in page
    assert "/accounts/reset/" not in page


# --- A worker killed mid-task ----------------------------------------------------------------


def _killed_mid_run(*, minutes_ago: int) -> DBTaskResult:
    """flaky(fails=0) queued, then claimed by a worker that died while running it: the row stays RUNNING."""
    flaky.enqueue(fails=0)
    row = DBTaskResult.objects.get(status="READY")
    row.claim("killed-worker")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=minutes_ago))
    return row


def test_a_task_left_running_by_a_killed_worker_runs_again(settings, database_backend):
    settings.TASK_STALLED_MINUTES = 60
    row = _killed_mid_run(minutes_ago=61)
    assert stalled_tasks_recover() == 1
    row.refresh_from_db()
    assert row.status == "FAILED"
    assert "TaskStalled" in row.exception_class_path
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    _work(now=timezone.now() + timedelta(minutes=5))
    assert RUNS == [1]
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"
    assert not TaskFailure.objects.exists()
    assert stalled_tasks_recover() == 0  # handled once


def test_a_killed_task_at_its_last_attempt_is_shown_to_hc(client, cast, settings, database_backend):
    settings.TASK_STALLED_MINUTES = 60
    settings.TASK_ATTEMPTS = 1
    _killed_mid_run(minutes_ago=90)
    stalled_tasks_recover()
    failure = TaskFailure.objects.get()
    assert failure.description == "fails 0 times"
    assert "worker stopped while running it" in failure.error
    assert "90 minutes" in failure.error
    assert not DBTaskResult.objects.filter(status="READY").exists()
    client.force_login(cast.hc)
    failures = client.get(reverse("admin:hrportal_taskfailure_changelist")).content.decode()
    assert "worker stopped while running it" in failures


def test_a_task_still_within_its_time_is_left_running(settings, database_backend):
    settings.TASK_STALLED_MINUTES = 60
    row = _killed_mid_run(minutes_ago=30)
    assert stalled_tasks_recover() == 0
    row.refresh_from_db()
    assert row.status == "RUNNING"
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_scheduler_runs_the_recovery_every_minute():
    from hrportal.periodic import jobs  # noqa: PLC0415

    job = jobs()["recover_stalled_tasks"]
    assert job.schedule.every == "minute"
