"""The approval queue from the page cache (hrportal/page_cache.py): every door that changes who
may decide what shows in the queue at once, for the supervisor, a delegate, the second line and
HC.

Every test first shows that the second view of the queue IS a hit (fewer queries), so that the
check after the change would fail if the door were missed."""

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from competencies.models import CompetencyLevel
from hrportal.models import ApprovalDelegation, Notification
from idp.models import IdpItem, ItemStatus
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import UserFactory
from tests.hrportal.test_page_cache import _cached
from tests.hrportal.test_separation_of_duties import _change_url, _user_form
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

APPROVALS = reverse("idp:approvals")


def _read_all() -> None:
    """Every notification read: the bell's count is part of a cached page's key, and a door that
    notifies the viewer must not be what makes their page new in these tests."""
    Notification.objects.update(read_at=timezone.now())


def _hit(client) -> str:
    """The queue, seen twice: the second time from the cache."""
    _read_all()
    return _cached(client, APPROVALS)


def _seen(client) -> str:
    """The queue as the viewer sees it now."""
    _read_all()
    return client.get(APPROVALS).content.decode()


def _queue(html: str) -> list[int]:
    """The items the queue offers to decide, in its order."""
    return [int(pk) for pk in re.findall(r'name="items" value="(\d+)"', html)]


def _row(html: str, item: IdpItem) -> str:
    start = html.index(f'value="{item.pk}"')
    return html[start : html.index("</tr>", start)]


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def competency(cast):
    """A competency the employee's position targets at 3, held at 1."""
    competency = CompetencyFactory(code="QA", name="Quality")
    PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=3)
    give_level(cast.employee, competency, 1)
    return competency


@pytest.fixture
def draft(cast, competency) -> IdpItem:
    return IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.DRAFT)


def _submit(item: IdpItem) -> None:
    response = _as(item.employee).post(reverse("idp:item_action", args=[item.pk, "submit"]))
    assert response.status_code == 302
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.SUBMITTED


def test_an_item_submitted_enters_the_queue_at_once(client, cast, draft):
    client.force_login(cast.supervisor)
    assert _queue(_hit(client)) == []
    _submit(draft)
    assert _queue(_hit(client)) == [draft.pk]


def test_an_item_decided_by_a_delegate_leaves_the_supervisors_queue_at_once(client, cast, draft):
    ApprovalDelegation.objects.create(
        delegator=cast.supervisor,
        delegate=cast.other_supervisor,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
    )
    _submit(draft)
    client.force_login(cast.supervisor)
    assert _queue(_hit(client)) == [draft.pk]
    delegate = _as(cast.other_supervisor)
    assert _queue(_hit(delegate)) == [draft.pk]
    response = delegate.post(reverse("idp:item_action", args=[draft.pk, "approve"]), {"approve-comment": ""})
    assert response.status_code == 302
    assert IdpItem.objects.get(pk=draft.pk).status == ItemStatus.APPROVED
    assert _queue(_seen(client)) == []
    assert _queue(_seen(delegate)) == []


def test_an_item_rejected_in_another_session_leaves_the_queue_and_comes_back_resubmitted(client, cast, draft):
    _submit(draft)
    client.force_login(cast.supervisor)
    assert _queue(_hit(client)) == [draft.pk]
    other_session = _as(cast.supervisor)
    other_session.post(APPROVALS, {"items": [draft.pk], "decision": "reject", "comment": "Narrow it down"})
    assert IdpItem.objects.get(pk=draft.pk).status == ItemStatus.REJECTED
    assert _queue(_hit(client)) == []
    _as(cast.employee).post(reverse("idp:item_action", args=[draft.pk, "revise"]))
    _submit(draft)
    assert _queue(_seen(client)) == [draft.pk]


def test_a_delegation_made_and_ended_on_the_page_shows_in_the_delegates_queue_at_once(client, cast, draft):
    _submit(draft)
    client.force_login(cast.other_supervisor)
    assert _queue(_hit(client)) == []
    supervisor = _as(cast.supervisor)
    today = timezone.localdate()
    response = supervisor.post(
        reverse("idp:delegations"),
        {"delegate": cast.other_supervisor.pk, "starts_on": today, "ends_on": today + timedelta(days=2)},
    )
    assert response.status_code == 302
    html = _hit(client)
    assert _queue(html) == [draft.pk]
    assert "Delegated by" in _row(html, draft)
    delegation = ApprovalDelegation.objects.get(delegator=cast.supervisor)
    assert supervisor.post(reverse("idp:delegation_end", args=[delegation.pk])).status_code == 302
    assert _queue(_seen(client)) == []


def test_a_delegation_made_in_the_admin_shows_at_once(client, cast, draft):
    _submit(draft)
    client.force_login(cast.other_supervisor)
    assert _queue(_hit(client)) == []
    today = timezone.localdate()
    response = _as(cast.hc).post(
        reverse("admin:hrportal_approvaldelegation_add"),
        {
            "delegator": cast.supervisor.pk,
            "delegate": cast.other_supervisor.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=4)).isoformat(),
            "reason": "Sick leave",
        },
    )
    assert response.status_code == 302
    assert _queue(_seen(client)) == [draft.pk]


def test_a_delegation_starting_tomorrow_shows_tomorrow(client, cast, draft):
    _submit(draft)
    today = timezone.localdate()
    ApprovalDelegation.objects.create(
        delegator=cast.supervisor,
        delegate=cast.other_supervisor,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=3),
    )
    client.force_login(cast.other_supervisor)
    assert _queue(_hit(client)) == []
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.force_login(cast.other_supervisor)  # the session would have idled out
        assert _queue(_seen(client)) == [draft.pk]


MONDAY = date(2026, 11, 2)


def test_an_escalation_reaches_the_second_lines_queue_at_once(client, cast, competency):
    manager = UserFactory(username="manager")
    cast.supervisor.supervisor = manager
    cast.supervisor.save()
    at = timezone.make_aware(datetime.combine(MONDAY, datetime.min.time().replace(hour=9)))
    item = IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.SUBMITTED, submitted_at=at)
    client.force_login(manager)
    assert _queue(_hit(client)) == []
    supervisor = _as(cast.supervisor)
    assert "Escalated" not in _row(_hit(supervisor), item)
    call_command("escalate_approvals", today=(MONDAY + timedelta(days=8)).isoformat(), verbosity=0)
    html = _seen(client)
    assert _queue(html) == [item.pk]
    assert "Escalated" in _row(html, item)
    # The supervisor still decides it too.
    assert _queue(_seen(supervisor)) == [item.pk]


def test_a_report_moved_to_another_supervisor_in_the_admin_takes_their_items_along(client, cast, draft):
    _submit(draft)
    client.force_login(cast.supervisor)
    assert _queue(_hit(client)) == [draft.pk]
    other = _as(cast.other_supervisor)
    assert _queue(_hit(other)) == []
    response = _as(cast.hc).post(
        _change_url(cast.employee), _user_form(cast.employee, supervisor=cast.other_supervisor.pk)
    )
    assert response.status_code == 302
    assert _queue(_seen(client)) == []
    assert _queue(_seen(other)) == [draft.pk]


def test_a_reports_level_raised_changes_the_gap_at_once(client, cast, draft, competency):
    _submit(draft)
    client.force_login(cast.supervisor)
    assert 'data-label="Gap">2<' in _row(_hit(client), draft)
    give_level(cast.employee, competency, 3)
    assert 'data-label="Gap">0<' in _row(_seen(client), draft)


def test_a_level_lapsing_changes_the_gap_when_its_moment_passes(client, cast, draft, competency):
    level = CompetencyLevel.objects.get(employee=cast.employee, competency=competency)
    level.expires_at = timezone.now() + timedelta(hours=2)
    level.save()
    _submit(draft)
    client.force_login(cast.supervisor)
    assert 'data-label="Gap">2<' in _row(_hit(client), draft)
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        client.force_login(cast.supervisor)
        assert 'data-label="Gap">3<' in _row(_seen(client), draft)


def test_hc_sees_an_item_of_someone_whose_supervisor_left_at_once(client, cast, draft):
    _submit(draft)
    client.force_login(cast.hc)
    assert _queue(_hit(client)) == []
    response = _as(cast.hc).post(_change_url(cast.supervisor), _user_form(cast.supervisor, is_active=""))
    assert response.status_code == 302
    assert _queue(_seen(client)) == [draft.pk]
