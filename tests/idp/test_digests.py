"""`manage.py send_digests`: a weekly email per person with something waiting, once a week."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from idp.digests import iso_week
from idp.models import DigestSent, ItemStatus
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://hc.example.com"


def _send(capture, *args):
    with capture(execute=True):
        call_command("send_digests", *args)
    return {message.to[0]: message for message in mail.outbox}


def _plan(cast, *, per_kind=1, prefix="DIG"):
    """For the employee: items submitted (to approve), overdue, due soon, completed (to verify)."""
    today = timezone.localdate()
    items = {}
    for i in range(per_kind):
        competency = CompetencyFactory(code=f"{prefix}-{i}", name=f"Digest skill {prefix} {i}")
        items.setdefault("submitted", []).append(
            IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.SUBMITTED)
        )
        items.setdefault("overdue", []).append(
            IdpItemFactory(
                employee=cast.employee,
                competency=competency,
                status=ItemStatus.APPROVED,
                target_date=today - timedelta(days=3),
            )
        )
        items.setdefault("due_soon", []).append(
            IdpItemFactory(
                employee=cast.employee,
                competency=competency,
                status=ItemStatus.IN_PROGRESS,
                target_date=today + timedelta(days=10),
            )
        )
        items.setdefault("completed", []).append(
            IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.COMPLETED)
        )
    # Not due for a month, and finished: in nobody's digest.
    IdpItemFactory(employee=cast.employee, status=ItemStatus.APPROVED, target_date=today + timedelta(days=40))
    IdpItemFactory(employee=cast.employee, status=ItemStatus.VERIFIED, target_date=today - timedelta(days=40))
    return items


def test_each_person_gets_what_waits_for_them_and_nobody_else_gets_one(cast, django_capture_on_commit_callbacks):
    items = _plan(cast)
    sent = _send(django_capture_on_commit_callbacks)

    assert set(sent) == {cast.employee.email, cast.supervisor.email, cast.hc.email, cast.hc_employee.email}
    own = sent[cast.employee.email].body
    assert "Your items past their target date" in own and "Your items due within 14 days" in own
    assert "Your completed items waiting for HC to verify them" in own
    assert "Awaiting your approval" not in own
    overdue = items["overdue"][0]
    assert f"https://hc.example.com/idp/{overdue.pk}/" in own
    assert f"https://hc.example.com/idp/{items['due_soon'][0].pk}/" in own

    to_approve = sent[cast.supervisor.email].body
    assert "Awaiting your approval" in to_approve
    assert f"https://hc.example.com/idp/{items['submitted'][0].pk}/" in to_approve
    assert "Your items past their target date" not in to_approve

    hc = sent[cast.hc.email]
    assert "Completed items for HC to verify" in hc.body
    assert f"https://hc.example.com/idp/{items['completed'][0].pk}/" in hc.body
    html, mimetype = hc.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="https://hc.example.com/idp/{items["completed"][0].pk}/"' in html
    assert "https://hc.example.com/accounts/profile/" in hc.body


def test_nobody_is_asked_to_verify_their_own_item(cast, django_capture_on_commit_callbacks):
    IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.COMPLETED)
    sent = _send(django_capture_on_commit_callbacks)
    assert "Completed items for HC to verify" in sent[cast.hc.email].body
    own = sent[cast.hc_employee.email].body
    assert "Completed items for HC to verify" not in own
    assert "Your completed items waiting for HC to verify them" in own


def test_a_second_run_the_same_week_sends_nothing(cast, django_capture_on_commit_callbacks):
    _plan(cast)
    first = _send(django_capture_on_commit_callbacks)
    assert first
    assert DigestSent.objects.filter(week=iso_week(timezone.localdate())).count() == len(first)
    mail.outbox.clear()
    assert _send(django_capture_on_commit_callbacks) == {}
    assert DigestSent.objects.count() == len(first)


def test_another_week_sends_again(cast, django_capture_on_commit_callbacks):
    _plan(cast)
    _send(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    next_week = iso_week(timezone.localdate() + timedelta(days=7))
    assert cast.employee.email in _send(django_capture_on_commit_callbacks, "--week", next_week)


def test_nothing_to_do_sends_nothing_and_records_nothing(cast, django_capture_on_commit_callbacks):
    IdpItemFactory(employee=cast.employee, status=ItemStatus.APPROVED, target_date=timezone.localdate() + timedelta(60))
    assert _send(django_capture_on_commit_callbacks) == {}
    assert not DigestSent.objects.exists()


def test_the_digest_is_in_the_recipients_language(cast, django_capture_on_commit_callbacks):
    _plan(cast)
    cast.employee.language = "id"
    cast.employee.save()
    sent = _send(django_capture_on_commit_callbacks)
    own = sent[cast.employee.email]
    assert "Butir Anda yang lewat tenggat" in own.body
    assert "Your items past their target date" not in own.body
    assert own.subject.startswith("HC Portal: ")
    assert "minggu ini" in own.subject
    # The supervisor, who chose no language, reads English.
    assert "Awaiting your approval" in sent[cast.supervisor.email].body


def test_switched_off_digests_are_not_sent(cast, django_capture_on_commit_callbacks):
    _plan(cast)
    cast.employee.digests = False
    cast.employee.save()
    sent = _send(django_capture_on_commit_callbacks)
    assert cast.employee.email not in sent
    assert cast.supervisor.email in sent  # the others still get theirs
    assert not DigestSent.objects.filter(recipient=cast.employee).exists()


def test_emails_go_only_after_the_commit(cast, django_capture_on_commit_callbacks):
    _plan(cast)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("send_digests")
    assert mail.outbox == []
    # One email task per person, so that a refused address is retried alone.
    assert len(callbacks) == DigestSent.objects.count() > 1
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        DigestSent.objects.values_list("recipient__email", flat=True)
    )


def test_dry_run_lists_and_sends_and_records_nothing(cast, django_capture_on_commit_callbacks, capsys):
    _plan(cast)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", "--dry-run")
    assert mail.outbox == []
    assert not DigestSent.objects.exists()
    assert cast.employee.email in capsys.readouterr().out


def test_a_malformed_week_is_refused(cast):
    with pytest.raises(CommandError, match="ISO week"):
        call_command("send_digests", "--week", "2026-49")
    with pytest.raises(CommandError, match="ISO week"):
        call_command("send_digests", "--week", "2026-W60")


# 1 the people with the switch on, 2 who had this week's digest already, 3 the HC staff,
# 4 the people's own items overdue, due soon or waiting for HC (with their competencies),
# 5 the completed items HC verifies (with employees and competencies), then approval_queue's
# queries for each person (one each today; up to two with delegations), and the records: their
# insert and the read-back of those this run wrote, inside a savepoint pair. 6 people here.
FIXED_QUERIES = 9
QUEUE_QUERIES_PER_PERSON = 2


def test_queries_do_not_grow_with_the_number_of_items(cast, django_capture_on_commit_callbacks):
    UserFactory(username="inactive", is_active=False)
    people = 6
    counts = []
    today = timezone.localdate()
    for week, per_kind, prefix in ((iso_week(today), 1, "S"), (iso_week(today + timedelta(days=7)), 14, "L")):
        _plan(cast, per_kind=per_kind, prefix=prefix)
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            call_command("send_digests", "--week", week)
        assert len(mail.outbox) == 4
        counts.append(len(queries))
    # 4 items to do for the employee, then 60 (and 15 times as many to verify for HC): the same count.
    assert counts[0] == counts[1]
    # Grows with the recipients only, by the approval queue's queries.
    assert counts[0] <= FIXED_QUERIES + QUEUE_QUERIES_PER_PERSON * people
