"""Escalation of waiting approvals: the working-day clock, the daily command, who may then decide."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from hrportal.models import Escalation, Notification, NotificationKind
from idp.escalation import working_days_between
from idp.models import IdpItem, ItemStatus
from tests.hrportal.factories import UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (MONDAY, MONDAY, 0),
        (MONDAY, MONDAY + timedelta(days=4), 4),  # to Friday
        (MONDAY, MONDAY + timedelta(days=6), 4),  # the weekend does not count
        (MONDAY, MONDAY + timedelta(days=7), 5),  # next Monday
        (MONDAY + timedelta(days=4), MONDAY + timedelta(days=7), 1),  # Friday to Monday
        (MONDAY + timedelta(days=5), MONDAY + timedelta(days=6), 0),  # Saturday to Sunday
        (MONDAY, MONDAY + timedelta(days=29), 21),
        (MONDAY, MONDAY - timedelta(days=3), 0),
    ],
)
def test_working_days_are_monday_to_friday(start, end, days):
    assert working_days_between(start, end) == days
    # The same as counting the days one by one.
    slow = sum(1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)
    assert days == slow


@pytest.fixture
def chain(cast):
    """employee → supervisor → manager (the supervisor's supervisor)."""
    manager = UserFactory(username="manager")
    cast.supervisor.supervisor = manager
    cast.supervisor.save()
    return manager


def _submitted_on(employee, day: date, **extra) -> IdpItem:
    at = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=9)))
    return IdpItemFactory(employee=employee, status=ItemStatus.SUBMITTED, submitted_at=at, **extra)


def _run(today: date) -> str:
    out = StringIO()
    call_command("escalate_approvals", today=today.isoformat(), stdout=out)
    return out.getvalue()


def test_an_item_waiting_more_than_five_working_days_goes_to_the_supervisors_supervisor(client, cast, chain):
    item = _submitted_on(cast.employee, MONDAY)
    assert "Escalated 0 items" in _run(MONDAY + timedelta(days=7))  # 5 working days: not more than 5
    assert "Escalated 1 item " in _run(MONDAY + timedelta(days=8))  # Tuesday: 6
    item.refresh_from_db()
    assert item.escalation == Escalation.SECOND_LINE and item.status == ItemStatus.SUBMITTED
    told = Notification.objects.get(url=item.get_absolute_url())
    assert told.recipient == chain and "waited more than 5 working days" in told.body
    # The manager finds it in their queue, marked, and approves it.
    client.force_login(chain)
    response = client.get(reverse("idp:approvals"))
    assert [i.pk for i in response.context["queue"]] == [item.pk]
    assert "Escalated" in response.content.decode()
    client.post(reverse("idp:item_action", args=[item.pk, "approve"]), {"approve-comment": ""})
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.APPROVED


def test_running_it_twice_escalates_nothing_twice(cast, chain):
    item = _submitted_on(cast.employee, MONDAY)
    day = MONDAY + timedelta(days=8)
    _run(day)
    assert "Escalated 0 items" in _run(day)
    assert IdpItem.objects.get(pk=item.pk).escalation == Escalation.SECOND_LINE
    assert item.transitions.filter(escalated_to__isnull=False).count() == 1
    assert Notification.objects.filter(url=item.get_absolute_url()).count() == 1


def test_after_as_many_working_days_more_it_goes_to_hc(client, cast, chain, settings):
    item = _submitted_on(cast.employee, MONDAY)
    first = MONDAY + timedelta(days=8)
    IdpItem.objects.filter(pk=item.pk).update(
        escalation=Escalation.SECOND_LINE,
        escalated_at=timezone.make_aware(datetime.combine(first, datetime.min.time())),
    )
    assert "Escalated 0 items" in _run(first + timedelta(days=7))
    _run(first + timedelta(days=8))
    item.refresh_from_db()
    assert item.escalation == Escalation.HC
    told = set(Notification.objects.filter(url=item.get_absolute_url()).values_list("recipient", flat=True))
    assert told == {cast.hc.pk, cast.hc_employee.pk}
    client.force_login(cast.hc)
    assert item.pk in [i.pk for i in client.get(reverse("idp:approvals")).context["queue"]]
    # The timeline says so, in the reader's language.
    client.force_login(cast.employee)
    assert "Escalated to HC" in client.get(item.get_absolute_url()).content.decode()


def test_without_a_supervisors_supervisor_it_goes_straight_to_hc(cast):
    item = _submitted_on(cast.employee, MONDAY)  # the supervisor reports to nobody
    _run(MONDAY + timedelta(days=8))
    item.refresh_from_db()
    assert item.escalation == Escalation.HC
    assert item.transitions.get(escalated_to__isnull=False).escalated_to == Escalation.HC


def test_an_employee_without_a_supervisor_never_escalates(cast):
    cast.employee.supervisor = None
    cast.employee.save()
    item = _submitted_on(cast.employee, MONDAY)
    _run(MONDAY + timedelta(days=30))
    assert IdpItem.objects.get(pk=item.pk).escalation == Escalation.NONE


def test_the_setting_decides_the_number_of_working_days(cast, chain, settings):
    settings.IDP_ESCALATION_WORKING_DAYS = 2
    item = _submitted_on(cast.employee, MONDAY)
    _run(MONDAY + timedelta(days=3))  # Thursday: 3 working days
    assert IdpItem.objects.get(pk=item.pk).escalation == Escalation.SECOND_LINE


def test_a_resubmission_restarts_the_clock(client, cast, chain):
    item = _submitted_on(cast.employee, MONDAY)
    _run(MONDAY + timedelta(days=8))
    client.force_login(cast.supervisor)
    client.post(reverse("idp:item_action", args=[item.pk, "reject"]), {"reject-comment": "More detail"})
    client.force_login(cast.employee)
    client.post(reverse("idp:item_action", args=[item.pk, "revise"]))
    client.post(reverse("idp:item_action", args=[item.pk, "submit"]))
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED and item.escalation == Escalation.NONE
    assert timezone.localdate(item.submitted_at) == timezone.localdate() and item.escalated_at is None
    # The manager lost it with the resubmission.
    client.force_login(chain)
    assert not client.get(reverse("idp:approvals")).context["queue"]


def test_items_no_longer_waiting_are_left_alone(cast, chain):
    approved = _submitted_on(cast.employee, MONDAY)
    IdpItem.objects.filter(pk=approved.pk).update(status=ItemStatus.APPROVED)
    _run(MONDAY + timedelta(days=20))
    assert IdpItem.objects.get(pk=approved.pk).escalation == Escalation.NONE


def test_the_escalation_notice_is_in_the_recipients_language(cast, chain):
    chain.language = "id"
    chain.save()
    item = _submitted_on(cast.employee, MONDAY)
    _run(MONDAY + timedelta(days=8))
    told = Notification.objects.get(url=item.get_absolute_url())
    with translation.override("id"):
        expected = gettext("IDP item waiting for approval: {name}").split("{name}")[0]
    assert told.subject.startswith(expected)


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="--today"):
        call_command("escalate_approvals", today="3/12/2026")


def test_the_escalation_notice_is_read_once_someone_decides(client, cast, chain):
    item = _submitted_on(cast.employee, MONDAY)
    _run(MONDAY + timedelta(days=8))
    told = Notification.objects.get(url=item.get_absolute_url())
    assert told.kind == NotificationKind.ESCALATION and told.read_at is None
    client.force_login(cast.supervisor)  # the supervisor decides: the manager's call to act is done
    client.post(reverse("idp:item_action", args=[item.pk, "approve"]), {"approve-comment": ""})
    told.refresh_from_db()
    assert told.read_at is not None
