"""send_expiry_reminders and HC's page of expired and expiring levels."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from competencies.expiry import due_threshold, expiry_reminders_send
from competencies.models import CompetencyLevel, ExpiryReminder
from hrportal.models import Notification
from tests.competencies.factories import CompetencyFactory, give_level
from tests.hrportal.factories import UserFactory


def _level(employee, *, code: str, expires_in: timedelta, level: int = 3):
    competency = CompetencyFactory(code=code)
    give_level(employee, competency, level)
    CompetencyLevel.objects.filter(employee=employee, competency=competency).update(
        expires_at=timezone.now() + expires_in
    )
    return competency


def test_the_nearest_threshold_reached_is_due():
    now = timezone.now()
    assert due_threshold(now + timedelta(days=120), now) is None
    assert due_threshold(now + timedelta(days=80), now) == 90
    assert due_threshold(now + timedelta(days=20), now) == 30
    assert due_threshold(now - timedelta(days=1), now) == 0


def test_reminders_go_to_the_employee_and_the_supervisor_once_per_threshold(cast, django_capture_on_commit_callbacks):
    _level(cast.employee, code="LIC-90", expires_in=timedelta(days=80))
    _level(cast.employee, code="LIC-30", expires_in=timedelta(days=20))
    _level(cast.colleague, code="LIC-0", expires_in=-timedelta(hours=1))
    _level(cast.colleague, code="LIC-FAR", expires_in=timedelta(days=200))
    Notification.objects.all().delete()  # those of the level changes set up above
    mail.outbox.clear()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_expiry_reminders", stdout=out)
    assert "3 levels reached a reminder" in out.getvalue()
    assert set(ExpiryReminder.objects.values_list("competency__code", "days_before")) == {
        ("LIC-90", 90),
        ("LIC-30", 30),
        ("LIC-0", 0),
    }
    # One notification per person: the employee (two levels), the colleague, and their supervisor (all three).
    bodies = {n.recipient.username: n.body for n in Notification.objects.select_related("recipient")}
    assert set(bodies) == {"employee", "colleague", "supervisor"}
    assert "LIC-90" in bodies["employee"] and "LIC-30" in bodies["employee"]
    assert "expired on" in bodies["colleague"]
    assert all(code in bodies["supervisor"] for code in ("LIC-90", "LIC-30", "LIC-0"))
    assert len(mail.outbox) == 3

    # Run again: nothing new.
    out = StringIO()
    call_command("send_expiry_reminders", stdout=out)
    assert "0 levels reached a reminder" in out.getvalue()
    assert Notification.objects.count() == 3


def test_the_next_threshold_and_a_renewal_start_new_reminders(cast):
    competency = _level(cast.employee, code="LIC", expires_in=timedelta(days=40))
    assert expiry_reminders_send().levels == 1  # the 90-day reminder
    assert expiry_reminders_send(now=timezone.now() + timedelta(days=5)).levels == 0
    assert expiry_reminders_send(now=timezone.now() + timedelta(days=15)).levels == 1  # 30 days before
    assert expiry_reminders_send(now=timezone.now() + timedelta(days=41)).levels == 1  # expired
    assert expiry_reminders_send(now=timezone.now() + timedelta(days=42)).levels == 0
    # Renewed: it lapses on a new date, and is reminded again when that nears.
    CompetencyLevel.objects.filter(competency=competency).update(expires_at=timezone.now() + timedelta(days=60))
    assert expiry_reminders_send().levels == 1


def test_an_inactive_employee_gets_no_reminder(cast):
    leaver = UserFactory(is_active=False, supervisor=cast.supervisor)
    _level(leaver, code="LIC", expires_in=timedelta(days=10))
    assert expiry_reminders_send().levels == 0


def test_hc_sees_expired_and_expiring_levels_by_section_and_competency_and_exports_them(client, cast):
    _level(cast.employee, code="LIC-A", expires_in=-timedelta(days=3))
    _level(cast.colleague, code="LIC-B", expires_in=timedelta(days=30))
    _level(cast.colleague, code="LIC-FAR", expires_in=timedelta(days=400))
    url = reverse("competencies:expiry_report")
    client.force_login(cast.supervisor)
    assert client.get(url).status_code == 403
    client.force_login(cast.hc)
    overview = client.get(url).context["overview"]
    assert (overview.expired, overview.expiring) == (1, 1)
    assert [(c.section, c.code, c.expired, c.expiring) for c in overview.counts] == [
        ("Production", "LIC-A", 1, 0),
        ("Production", "LIC-B", 0, 1),
    ]
    assert [row.code for row in overview.rows] == ["LIC-A", "LIC-B"]
    export = client.get(url, {"format": "csv"})
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("employee_number,first_name")
    assert len(lines) == 3 and lines[1].endswith(",expired") and lines[2].endswith(",expiring")


@pytest.mark.parametrize("people", [2, 12])
def test_the_expiry_page_costs_the_same_queries_at_two_sizes(client, cast, people, django_assert_max_num_queries):
    for index in range(people):
        _level(UserFactory(section=cast.employee.section), code=f"L{index}", expires_in=timedelta(days=index))
    client.force_login(cast.hc)
    # session, user, HC group, navbar's direct reports, unread notifications; section and
    # competency choices; counts by section and competency; the listed levels
    with django_assert_max_num_queries(9):
        response = client.get(reverse("competencies:expiry_report"))
    assert response.context["overview"].total == people
