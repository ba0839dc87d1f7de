"""Voiding the result whose pass closed an IDP item reopens the item where it was before."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services import result_record
from assessments.services.voiding import result_void
from hrportal.models import Notification
from idp.models import ActivityType, IdpItemTransition, ItemStatus
from idp.services import idp_item_approve, idp_item_create, idp_item_start, idp_item_submit
from idp.workflow import SYSTEM_TRANSITIONS, Actor
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam():
    """A published exam granting level 3 of competency SAF."""
    competency = CompetencyFactory(code="SAF", name="Site safety")
    assessment = AssessmentFactory(title="Safety Exam", category="IHT", is_published=True)
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=3)
    return assessment, competency


def _pass(cast, assessment, *, days_ago=1, score=90):
    return result_record(
        employee=cast.employee,
        assessment=assessment,
        score=score,
        completed_at=timezone.now() - timedelta(days=days_ago),
        recorded_by=cast.hc,
    ).result


def _started_item(cast, exam):
    """An item through the workflow: drafted, submitted, approved by the supervisor, started."""
    assessment, competency = exam
    item = idp_item_create(
        employee=cast.employee,
        competency=competency,
        activity_type=ActivityType.ASSESSMENT,
        description="Pass the safety exam.",
        target_date=timezone.localdate() + timedelta(days=30),
        target_level=2,
        assessment=assessment,
        by=cast.employee,
    )
    item = idp_item_submit(item=item, by=cast.employee)
    item = idp_item_approve(item=item, by=cast.supervisor)
    return idp_item_start(item=item, by=cast.employee)


def test_voiding_the_closing_result_reopens_the_item_in_progress(client, cast, exam):
    item = _started_item(cast, exam)
    result = _pass(cast, exam[0])
    item.refresh_from_db()
    assert (item.status, item.verified_level) == (ItemStatus.VERIFIED, 3)
    Notification.objects.all().delete()

    result_void(result=result, reason="Answers shared in a group chat", by=cast.hc)

    item.refresh_from_db()
    assert (item.status, item.verified_level) == (ItemStatus.IN_PROGRESS, None)
    step = item.transitions.order_by("pk").last()
    assert (step.from_status, step.to_status, step.by, step.result) == (
        ItemStatus.VERIFIED,
        ItemStatus.IN_PROGRESS,
        cast.hc,
        result,
    )
    assert "Safety Exam (IHT), 90 %" in step.comment and "Answers shared in a group chat" in step.comment

    # The employee sees it on the item's page, and may work on it again.
    client.force_login(cast.employee)
    html = client.get(item.get_absolute_url()).content.decode()
    assert "Verified → In progress" in html
    assert "was voided. Reason: Answers shared in a group chat" in html
    assert 'action="' + reverse("idp:item_action", args=[item.pk, "complete"]) in html


def test_the_employee_and_the_supervisor_who_saw_the_item_are_told(cast, exam):
    item = _started_item(cast, exam)
    result = _pass(cast, exam[0])
    Notification.objects.all().delete()

    result_void(result=result, reason="Impersonation", by=cast.hc)

    to_employee = Notification.objects.get(recipient=cast.employee, url=item.get_absolute_url())
    assert to_employee.subject == "Your IDP item is open again: the result that closed it was voided"
    assert "reason: Impersonation" in to_employee.body and "in progress again" in to_employee.body
    to_supervisor = Notification.objects.get(recipient=cast.supervisor)
    assert cast.employee.display_name in to_supervisor.subject
    assert to_supervisor.url == item.get_absolute_url()


@pytest.mark.parametrize("status", [ItemStatus.APPROVED, ItemStatus.DRAFT, ItemStatus.COMPLETED])
def test_the_item_goes_back_to_the_status_it_had_before_the_pass(cast, exam, status):
    assessment, competency = exam
    item = IdpItemFactory(
        employee=cast.employee,
        competency=competency,
        assessment=assessment,
        activity_type=ActivityType.ASSESSMENT,
        status=status,
    )
    result = _pass(cast, assessment)

    result_void(result=result, reason="Wrong file", by=cast.hc)

    item.refresh_from_db()
    assert (item.status, item.verified_level) == (status, None)
    # Nobody but the employee was told: the supervisor never saw this item.
    assert not Notification.objects.filter(recipient=cast.supervisor).exists()


def test_an_item_verified_by_hc_is_not_reopened_by_voiding_an_unrelated_result(cast, exam):
    assessment, competency = exam
    item = IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.VERIFIED)
    other = _pass(cast, assessment)  # names no item: closes nothing

    result_void(result=other, reason="Wrong file", by=cast.hc)

    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED
    assert not IdpItemTransition.objects.filter(item=item).exists()


def test_a_failed_or_other_result_voided_reopens_nothing(cast, exam):
    item = _started_item(cast, exam)
    failed = _pass(cast, exam[0], days_ago=3, score=10)
    closing = _pass(cast, exam[0], days_ago=1)
    item.refresh_from_db()
    steps = item.transitions.count()

    result_void(result=failed, reason="Wrong file", by=cast.hc)

    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED and item.transitions.count() == steps
    assert item.transitions.order_by("pk").last().result == closing


def test_an_item_that_moved_on_since_it_was_closed_is_left_alone(cast, exam):
    """Nothing in the workflow moves a verified item; should something (a data fix) have done
    so, the void must not undo that: only an item whose last step is the closing reopens."""
    item = _started_item(cast, exam)
    result = _pass(cast, exam[0])
    IdpItemTransition.objects.create(
        item=item, from_status=ItemStatus.VERIFIED, to_status=ItemStatus.VERIFIED, by=cast.hc, comment="Checked"
    )

    result_void(result=result, reason="Wrong file", by=cast.hc)

    item.refresh_from_db()
    assert (item.status, item.verified_level) == (ItemStatus.VERIFIED, 3)


def test_the_reopening_is_a_system_transition_nobody_takes_by_hand():
    reopen = SYSTEM_TRANSITIONS["reopen_by_void"]
    assert reopen.actor == Actor.SYSTEM and reopen.sources == frozenset({ItemStatus.VERIFIED})


def test_passing_again_after_the_void_closes_the_item_again(cast, exam):
    item = _started_item(cast, exam)
    result = _pass(cast, exam[0], days_ago=2)
    result_void(result=result, reason="Proxy taker", by=cast.hc)

    again = _pass(cast, exam[0], days_ago=0)

    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED
    assert item.transitions.order_by("pk").last().result == again


def test_voiding_through_the_admin_reopens_the_item(client, cast, exam):
    item = _started_item(cast, exam)
    result = _pass(cast, exam[0])
    client.force_login(cast.hc_employee)  # HC, but not the result's owner

    client.post(reverse("admin:assessments_assessmentresult_void", args=[result.pk]), {"reason": "Wrong file"})

    item.refresh_from_db()
    assert (item.status, item.verified_level) == (ItemStatus.IN_PROGRESS, None)
    assert item.transitions.order_by("pk").last().by == cast.hc_employee
