"""The approval queue agrees with hrportal.access.can_approve_for, the one rule of who approves.

Over generated casts (supervisor chains with inactive people and HC staff, items in every
status and escalation, delegations current, upcoming, over and ended early), every person's
queue holds exactly the submitted items can_approve_for lets them decide, both ways.
"""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from hrportal.access import ApprovalBasis, approval_right, can_approve_for
from hrportal.models import ApprovalDelegation, Escalation, User
from idp.models import IdpItem, ItemStatus
from idp.selectors import approval_queue
from tests.hrportal.factories import HcUserFactory, UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

PEOPLE = 12


def _generate(seed: int) -> list[User]:
    rng = random.Random(seed)
    today = timezone.localdate()
    people: list[User] = []
    for i in range(PEOPLE):
        factory = HcUserFactory if rng.random() < 0.2 else UserFactory
        # A supervisor among those made before: chains without cycles, some of them long.
        supervisor = rng.choice(people) if people and rng.random() < 0.8 else None
        people.append(factory(username=f"p{seed}_{i}", supervisor=supervisor, is_active=rng.random() > 0.15))
    for person in people:
        for _ in range(rng.randint(0, 3)):
            IdpItemFactory(
                employee=person,
                status=rng.choice([ItemStatus.SUBMITTED, ItemStatus.SUBMITTED, ItemStatus.DRAFT, ItemStatus.APPROVED]),
                escalation=rng.choice(Escalation.values),
            )
    for _ in range(PEOPLE):
        delegator, delegate = rng.sample(people, 2)
        start = today + timedelta(days=rng.randint(-10, 3))
        end = start + timedelta(days=rng.randint(0, 12))
        ApprovalDelegation.objects.create(
            delegator=delegator,
            delegate=delegate,
            starts_on=start,
            ends_on=end,
            ended_at=timezone.now() if rng.random() < 0.2 else None,
        )
    return people


@pytest.mark.parametrize("seed", range(8))
def test_queue_holds_exactly_the_items_can_approve_for_allows(seed):
    people = _generate(seed)
    items = list(IdpItem.objects.select_related("employee__supervisor__supervisor"))
    for person in people:
        viewer = User.objects.get(pk=person.pk)  # fresh: no cached is_hc or relations
        queue = {item.pk for item in approval_queue(approver=viewer)}
        allowed = {
            item.pk
            for item in items
            if item.status == ItemStatus.SUBMITTED
            and can_approve_for(viewer, item.employee, escalation=item.escalation)
        }
        assert queue == allowed, f"seed {seed}, {viewer.username}"


@pytest.mark.parametrize("seed", range(4))
def test_queue_marks_agree_with_the_right(seed):
    people = _generate(seed)
    for person in people:
        viewer = User.objects.get(pk=person.pk)
        for item in approval_queue(approver=viewer):
            right = approval_right(viewer, item.employee, escalation=item.escalation)
            assert item.approval == right
            assert (right.basis == ApprovalBasis.DELEGATED) == (right.delegator is not None)


def test_nobody_approves_their_own_item_whatever_they_hold(cast):
    """HC, delegated by their own supervisor, with their item escalated to HC: still not theirs to decide."""
    today = timezone.localdate()
    ApprovalDelegation.objects.create(
        delegator=cast.other_supervisor, delegate=cast.hc_employee, starts_on=today, ends_on=today
    )
    item = IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.SUBMITTED, escalation=Escalation.HC)
    assert not can_approve_for(cast.hc_employee, cast.hc_employee, escalation=Escalation.HC)
    assert item.pk not in {i.pk for i in approval_queue(approver=cast.hc_employee)}
    assert can_approve_for(cast.hc, cast.hc_employee, escalation=Escalation.HC)


def test_a_delegation_holds_on_its_days_only(cast):
    today = timezone.localdate()
    ApprovalDelegation.objects.create(
        delegator=cast.supervisor, delegate=cast.other_supervisor, starts_on=today, ends_on=today + timedelta(days=2)
    )
    assert can_approve_for(cast.other_supervisor, cast.employee)
    assert can_approve_for(cast.other_supervisor, cast.employee, day=today + timedelta(days=2))
    assert not can_approve_for(cast.other_supervisor, cast.employee, day=today + timedelta(days=3))
    assert not can_approve_for(cast.other_supervisor, cast.employee, day=today - timedelta(days=1))
    # The delegator keeps the right.
    assert can_approve_for(cast.supervisor, cast.employee)


def test_a_delegation_passes_on_no_hc_rights(cast):
    """HC approve for people without a supervisor as HC, which a delegation does not hand on."""
    cast.employee.supervisor = None
    cast.employee.save()
    today = timezone.localdate()
    ApprovalDelegation.objects.create(delegator=cast.hc, delegate=cast.colleague, starts_on=today, ends_on=today)
    assert can_approve_for(cast.hc, cast.employee)
    assert not can_approve_for(cast.colleague, cast.employee)
