"""Delegation of approvals through its doors: the supervisor's page, the item's actions, the queue, the admin."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hrportal.models import ApprovalDelegation, AuditEntry, Notification, NotificationKind
from idp.models import IdpItem, ItemStatus
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory
from tests.hrportal.factories import UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


def _delegate(delegator, delegate, *, start=0, end=3, **extra):
    today = _today()
    return ApprovalDelegation.objects.create(
        delegator=delegator,
        delegate=delegate,
        starts_on=today + timedelta(days=start),
        ends_on=today + timedelta(days=end),
        **extra,
    )


# --- The page -------------------------------------------------------------------------------


def _form(delegate, *, start=0, end=5, reason="Annual leave"):
    today = _today()
    return {
        "delegate": delegate.pk,
        "starts_on": (today + timedelta(days=start)).isoformat(),
        "ends_on": (today + timedelta(days=end)).isoformat(),
        "reason": reason,
    }


def test_supervisor_delegates_and_the_delegate_is_told(client, cast):
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:delegations"), _form(cast.other_supervisor), follow=True)
    delegation = ApprovalDelegation.objects.get()
    assert (delegation.delegator, delegation.delegate, delegation.created_by) == (
        cast.supervisor,
        cast.other_supervisor,
        cast.supervisor,
    )
    html = response.content.decode()
    assert f"{cast.other_supervisor.display_name} may approve for you" in html
    assert "Annual leave" in html and "Active" in html
    told = Notification.objects.get(recipient=cast.other_supervisor)
    assert told.kind == NotificationKind.DELEGATION
    assert cast.supervisor.display_name in told.subject and told.url == reverse("idp:approvals")
    assert AuditEntry.objects.get_for_object(delegation).exists()


def test_nobody_delegates_to_themselves_the_form_names_the_field(client, cast):
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:delegations"), _form(cast.supervisor))
    assert response.status_code == 400
    assert "Nobody delegates approvals to themselves" in " ".join(response.context["form"].errors["delegate"])
    assert not ApprovalDelegation.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [(3, 1, "ends_on", "on or after the first day"), (-5, -1, "ends_on", "in the past")],
)
def test_the_period_is_checked(client, cast, start, end, field, message):
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:delegations"), _form(cast.colleague, start=start, end=end))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])


def test_the_delegate_must_be_an_active_employee(client, cast):
    gone = UserFactory(is_active=False)
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:delegations"), _form(gone))
    assert response.status_code == 400 and "delegate" in response.context["form"].errors
    assert not ApprovalDelegation.objects.exists()


def test_the_database_refuses_a_delegation_to_oneself_or_ending_before_it_starts(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        _delegate(cast.supervisor, cast.supervisor)
    with pytest.raises(IntegrityError), transaction.atomic():
        _delegate(cast.supervisor, cast.colleague, start=2, end=1)


def test_the_delegator_ends_a_delegation_early_and_the_right_goes(client, cast):
    delegation = _delegate(cast.supervisor, cast.other_supervisor)
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.other_supervisor)
    assert client.get(item.get_absolute_url()).status_code == 200
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:delegation_end", args=[delegation.pk]), follow=True)
    assert "no longer approves for you" in response.content.decode()
    delegation.refresh_from_db()
    assert delegation.ended_at is not None and delegation.ended_by == cast.supervisor
    client.force_login(cast.other_supervisor)
    assert client.get(item.get_absolute_url()).status_code == 404


def test_only_the_delegator_ends_their_delegation(client, cast):
    delegation = _delegate(cast.supervisor, cast.other_supervisor)
    client.force_login(cast.other_supervisor)
    assert client.post(reverse("idp:delegation_end", args=[delegation.pk])).status_code == 404
    assert ApprovalDelegation.objects.get().ended_at is None


def test_the_page_is_for_supervisors(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse("idp:delegations")).status_code == 403


def test_the_approvals_queue_links_to_the_page(client, cast):
    client.force_login(cast.supervisor)
    assert reverse("idp:delegations") in client.get(reverse("idp:approvals")).content.decode()


@pytest.mark.parametrize("count", [1, 25])
def test_delegations_page_query_count_is_flat(client, cast, django_assert_num_queries, count):
    for i in range(count):
        _delegate(cast.supervisor, UserFactory(), start=i, end=i + 2)
        _delegate(UserFactory(), cast.supervisor, start=i, end=i + 2)
    client.force_login(cast.supervisor)
    # session, user, "has reports", given (with delegates and positions), received (with
    # delegators), the form's delegate choices, navbar reports, unread count
    with django_assert_num_queries(8):
        response = client.get(reverse("idp:delegations"))
    assert len(response.context["given"]) == count and len(response.context["received"]) == count


# --- The item's actions and the queue --------------------------------------------------------


@pytest.fixture
def submitted(cast):
    competency = CompetencyFactory(code="DLG1")
    PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=3)
    return IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.SUBMITTED)


def test_a_delegate_sees_the_item_in_their_queue_marked_delegated(client, cast, submitted):
    delegate = UserFactory()  # supervises nobody: the delegation alone opens the queue
    _delegate(cast.supervisor, delegate)
    client.force_login(delegate)
    response = client.get(reverse("idp:approvals"))
    assert [item.pk for item in response.context["queue"]] == [submitted.pk]
    assert f"Delegated by {cast.supervisor.display_name}" in response.content.decode()


def test_a_delegate_approves_and_the_timeline_says_on_whose_behalf(client, cast, submitted):
    _delegate(cast.supervisor, cast.other_supervisor)
    client.force_login(cast.other_supervisor)
    response = client.post(reverse("idp:item_action", args=[submitted.pk, "approve"]), {"approve-comment": "Go"})
    assert response.status_code == 302 and response["Location"] == reverse("idp:approvals")
    assert IdpItem.objects.get(pk=submitted.pk).status == ItemStatus.APPROVED
    step = submitted.transitions.get(to_status=ItemStatus.APPROVED)
    assert (step.by, step.on_behalf_of) == (cast.other_supervisor, cast.supervisor)
    client.force_login(cast.employee)
    html = client.get(submitted.get_absolute_url()).content.decode()
    assert f"{cast.other_supervisor.display_name} on behalf of {cast.supervisor.display_name}" in html


def test_the_delegator_still_approves_and_acts_as_themselves(client, cast, submitted):
    _delegate(cast.supervisor, cast.other_supervisor)
    client.force_login(cast.supervisor)
    client.post(reverse("idp:item_action", args=[submitted.pk, "approve"]), {"approve-comment": ""})
    step = submitted.transitions.get(to_status=ItemStatus.APPROVED)
    assert (step.by, step.on_behalf_of) == (cast.supervisor, None)


def test_a_delegate_never_decides_their_own_item(client, cast):
    own = IdpItemFactory(employee=cast.colleague, status=ItemStatus.SUBMITTED)
    _delegate(cast.supervisor, cast.colleague)
    client.force_login(cast.colleague)
    response = client.post(reverse("idp:item_action", args=[own.pk, "approve"]), {"approve-comment": ""})
    assert response.status_code == 403
    assert IdpItem.objects.get(pk=own.pk).status == ItemStatus.SUBMITTED
    assert own.pk not in [item.pk for item in client.get(reverse("idp:approvals")).context["queue"]]


@pytest.mark.parametrize(("start", "end", "ended"), [(-5, -1, False), (1, 3, False), (0, 3, True)])
def test_a_delegation_out_of_its_days_or_ended_gives_nothing(client, cast, submitted, start, end, ended):
    _delegate(cast.supervisor, cast.other_supervisor, start=start, end=end, ended_at=timezone.now() if ended else None)
    client.force_login(cast.other_supervisor)
    response = client.post(reverse("idp:item_action", args=[submitted.pk, "approve"]), {"approve-comment": ""})
    assert response.status_code == 404  # not theirs to see, so ids leak nothing
    assert IdpItem.objects.get(pk=submitted.pk).status == ItemStatus.SUBMITTED
    assert not client.get(reverse("idp:approvals")).context["queue"]


def test_a_delegate_sees_the_item_but_nothing_else_of_the_employee(client, cast, submitted):
    draft = IdpItemFactory(employee=cast.employee, status=ItemStatus.DRAFT)
    _delegate(cast.supervisor, cast.other_supervisor)
    client.force_login(cast.other_supervisor)
    page = client.get(submitted.get_absolute_url())
    assert page.status_code == 200 and "Approve" in page.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("idp:employee_plan", args=[cast.employee.pk])).status_code == 404
    assert client.get(reverse("competencies:employee_gaps", args=[cast.employee.pk])).status_code == 404


def test_a_submission_tells_the_supervisors_delegates_too(client, cast):
    delegate = UserFactory()
    _delegate(cast.supervisor, delegate)
    draft = IdpItemFactory(employee=cast.employee, status=ItemStatus.DRAFT)
    client.force_login(cast.employee)
    client.post(reverse("idp:item_action", args=[draft.pk, "submit"]))
    told = set(Notification.objects.filter(url=draft.get_absolute_url()).values_list("recipient", flat=True))
    assert told == {cast.supervisor.pk, delegate.pk}


@pytest.mark.parametrize("count", [2, 30])
def test_a_delegates_queue_query_count_is_flat(client, cast, django_assert_num_queries, count):
    delegate = UserFactory()
    _delegate(cast.supervisor, delegate)
    _delegate(cast.other_supervisor, delegate)
    for i in range(count):
        IdpItemFactory(employee=cast.employee if i % 2 else cast.hc_employee, status=ItemStatus.SUBMITTED)
    client.force_login(delegate)
    # session, user, the delegators' ids, the people whose items the queue may hold with their
    # page stamps and the unread count, the approver's delegations, the queue with gaps, navbar
    # reports, the next level lapse (how long it may be cached)
    with django_assert_num_queries(8):
        response = client.get(reverse("idp:approvals"))
    assert len(response.context["queue"]) == count
    # From the cache: session, user, the delegators' ids, the people with their stamps and the
    # unread count.
    with django_assert_num_queries(4):
        assert client.get(reverse("idp:approvals")).content.count(b"Delegated by") == count
    assert all(item.approval.delegator is not None for item in response.context["queue"])


# --- The admin -------------------------------------------------------------------------------


def _admin_form(delegator, delegate, *, start=0, end=4):
    today = _today()
    return {
        "delegator": delegator.pk,
        "delegate": delegate.pk,
        "starts_on": (today + timedelta(days=start)).isoformat(),
        "ends_on": (today + timedelta(days=end)).isoformat(),
        "reason": "Sick leave",
    }


def test_hc_creates_a_delegation_in_the_admin_through_the_service(client, cast):
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:hrportal_approvaldelegation_add"), _admin_form(cast.supervisor, cast.colleague)
    )
    assert response.status_code == 302
    delegation = ApprovalDelegation.objects.get()
    assert delegation.created_by == cast.hc and delegation.reason == "Sick leave"
    assert Notification.objects.filter(recipient=cast.colleague).exists()
    assert client.get(reverse("admin:hrportal_approvaldelegation_changelist")).status_code == 200
    assert client.get(reverse("admin:hrportal_approvaldelegation_change", args=[delegation.pk])).status_code == 200


def test_the_admin_refuses_a_delegation_to_oneself_naming_the_field(client, cast):
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:hrportal_approvaldelegation_add"), _admin_form(cast.supervisor, cast.supervisor)
    )
    assert response.status_code == 200
    assert "Nobody delegates approvals to themselves" in " ".join(response.context["adminform"].form.errors["delegate"])
    assert not ApprovalDelegation.objects.exists()


@pytest.mark.parametrize("who", ["own_supervisor_to_someone", "to_themselves"])
def test_hc_cannot_use_the_admin_to_gain_approval_over_their_own_items(client, cast, who):
    """hc_employee reports to other_supervisor: a delegation of other_supervisor's approvals, or
    one naming hc_employee as a delegate, is not theirs to create or end."""
    delegator, delegate = (
        (cast.other_supervisor, cast.colleague)
        if who == "own_supervisor_to_someone"
        else (cast.supervisor, cast.hc_employee)
    )
    client.force_login(cast.hc_employee)
    response = client.post(reverse("admin:hrportal_approvaldelegation_add"), _admin_form(delegator, delegate))
    assert response.status_code == 200 and "could give you" in response.content.decode()
    assert not ApprovalDelegation.objects.exists()


def test_hc_ends_delegations_in_the_admin_but_not_those_over_their_own_items(client, cast):
    others = _delegate(cast.supervisor, cast.colleague)
    own_chain = _delegate(cast.other_supervisor, cast.colleague)
    client.force_login(cast.hc_employee)
    client.post(
        reverse("admin:hrportal_approvaldelegation_changelist"),
        {"action": "end_selected", "_selected_action": [others.pk, own_chain.pk], "index": "0"},
    )
    others.refresh_from_db()
    own_chain.refresh_from_db()
    assert others.ended_at is not None and others.ended_by == cast.hc_employee
    assert own_chain.ended_at is None


def test_a_delegation_is_never_edited_or_deleted_in_the_admin(client, cast):
    delegation = _delegate(cast.supervisor, cast.colleague)
    client.force_login(cast.hc)
    client.post(
        reverse("admin:hrportal_approvaldelegation_change", args=[delegation.pk]),
        _admin_form(cast.supervisor, cast.hc, end=30),
    )
    assert client.post(reverse("admin:hrportal_approvaldelegation_delete", args=[delegation.pk])).status_code == 403
    delegation.refresh_from_db()
    assert delegation.delegate == cast.colleague and delegation.ends_on == _today() + timedelta(days=3)
