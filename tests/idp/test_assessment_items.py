"""IDP items of type assessment: naming the assessment to pass, and the pass closing them as
verified, whatever door the result comes through."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Audience
from assessments.services import result_record
from competencies.models import CompetencyLevel, CompetencyLevelHistory
from hrportal.models import Notification
from idp.models import ACTIVE_STATUSES, ActivityType, IdpItem, IdpItemTransition, ItemStatus
from idp.workflow import ALL_TRANSITIONS, SYSTEM_TRANSITIONS, TRANSITIONS, Actor, available_transitions
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, give_level
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

ROLES = ["employee", "colleague", "supervisor", "other_supervisor", "hc", "hc_employee"]


@pytest.fixture
def exam():
    """A published exam granting level 3 of competency SAF (pass mark 70)."""
    competency = CompetencyFactory(code="SAF", name="Site safety")
    assessment = AssessmentFactory(title="Safety Exam", category="IHT", is_published=True)
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=3)
    return assessment, competency


def _item(cast, exam, status=ItemStatus.IN_PROGRESS, **fields):
    assessment, competency = exam
    fields.setdefault("assessment", assessment)
    fields.setdefault("competency", competency)
    return IdpItemFactory(
        employee=cast.employee,
        activity_type=ActivityType.ASSESSMENT,
        target_level=2,
        status=status,
        **fields,
    )


def _record(cast, assessment, score, *, at=None, by=None):
    return result_record(
        employee=cast.employee,
        assessment=assessment,
        score=score,
        completed_at=at or timezone.now() - timedelta(hours=1),
        recorded_by=by if by is not None else cast.hc,
    )


# --- Closing by a pass ---------------------------------------------------------------------


def test_pass_recorded_in_the_admin_closes_the_item_as_verified(client, cast, exam):
    assessment, competency = exam
    item = _item(cast, exam)
    client.force_login(cast.hc)

    response = client.post(
        reverse("admin:assessments_assessmentresult_add"),
        {
            "employee": cast.employee.pk,
            "assessment": assessment.pk,
            "score": "85",
            "completed_at_0": "2026-03-01",
            "completed_at_1": "09:00:00",
        },
        follow=True,
    )

    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED
    # The pass raised the level to 3 (above the item's target 2); the item records that, and
    # nothing else touched the level.
    assert item.verified_level == 3
    assert CompetencyLevel.objects.get(employee=cast.employee, competency=competency).level == 3
    assert CompetencyLevelHistory.objects.count() == 1
    step = IdpItemTransition.objects.get(item=item)
    assert (step.from_status, step.to_status, step.by) == (ItemStatus.IN_PROGRESS, ItemStatus.VERIFIED, cast.hc)
    assert "Safety Exam (IHT), 85 %, 2026-03-01" in step.comment


def test_the_closed_item_shows_the_result_in_its_timeline(client, cast, exam):
    item = _item(cast, exam)
    _record(cast, exam[0], 90, by=cast.hc)
    client.force_login(cast.employee)

    html = client.get(item.get_absolute_url()).content.decode()

    assert "In progress → Verified" in html
    assert "Closed by a passed assessment: Safety Exam (IHT), 90 %" in html
    assert "3 · Advanced" in html  # the verified level
    assert 'action="' + reverse("idp:item_action", args=[item.pk, "cancel"]) not in html  # finished


def test_online_pass_closes_the_item_with_no_recorder(cast, exam):
    item = _item(cast, exam, status=ItemStatus.APPROVED)

    recorded = result_record(employee=cast.employee, assessment=exam[0], score=Decimal(75), recorded_by=None)

    item.refresh_from_db()
    assert recorded.created and item.status == ItemStatus.VERIFIED
    step = item.transitions.get()
    assert step.by is None and step.to_status == ItemStatus.VERIFIED


@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_every_active_item_naming_the_assessment_closes(cast, exam, status):
    item = _item(cast, exam, status=status)
    _record(cast, exam[0], 80)
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED
    assert item.transitions.get().from_status == status


def test_failed_result_closes_nothing(cast, exam):
    item = _item(cast, exam)
    recorded = _record(cast, exam[0], 69)
    assert recorded.created and not recorded.result.passed
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.verified_level is None
    assert not IdpItemTransition.objects.exists()
    assert not Notification.objects.filter(subject__icontains="closed").exists()


def test_pass_of_another_assessment_closes_nothing(cast, exam):
    item = _item(cast, exam)
    other = AssessmentFactory(title="Other Exam", category="IHT", is_published=True)
    # It even grants the same competency: still not the assessment the item names.
    CompetencyMappingFactory(competency=exam[1], assessment=other, category="", level_granted=3)
    _record(cast, other, 95)
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    assert CompetencyLevel.objects.get(employee=cast.employee, competency=exam[1]).level == 3


def test_another_employees_pass_closes_nothing(cast, exam):
    item = _item(cast, exam)
    result_record(employee=cast.colleague, assessment=exam[0], score=90, recorded_by=cast.hc)
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS


def test_items_without_the_assessment_are_untouched(cast, exam):
    unnamed = _item(cast, exam, assessment=None)
    training = IdpItemFactory(employee=cast.employee, competency=exam[1], status=ItemStatus.IN_PROGRESS)
    _record(cast, exam[0], 90)
    for item in (unnamed, training):
        item.refresh_from_db()
        assert item.status == ItemStatus.IN_PROGRESS


@pytest.mark.parametrize("status", [ItemStatus.CANCELLED, ItemStatus.VERIFIED])
def test_finished_items_are_untouched(cast, exam, status):
    item = _item(cast, exam, status=status, verified_level=1 if status == ItemStatus.VERIFIED else None)
    _record(cast, exam[0], 90)
    item.refresh_from_db()
    assert item.status == status
    assert item.verified_level == (1 if status == ItemStatus.VERIFIED else None)
    assert not IdpItemTransition.objects.exists()


def test_recording_the_same_pass_twice_closes_once(cast, exam):
    item = _item(cast, exam)
    at = timezone.now() - timedelta(days=1)
    first = _record(cast, exam[0], 88, at=at)
    again = _record(cast, exam[0], 88, at=at)
    assert first.created and not again.created
    assert IdpItemTransition.objects.filter(item=item).count() == 1
    assert Notification.objects.filter(recipient=cast.employee, url=item.get_absolute_url()).count() == 1


def test_a_later_second_pass_finds_nothing_left_to_close(cast, exam):
    item = _item(cast, exam)
    _record(cast, exam[0], 80, at=timezone.now() - timedelta(days=2))
    _record(cast, exam[0], 95, at=timezone.now() - timedelta(days=1))
    assert IdpItemTransition.objects.filter(item=item).count() == 1


def test_several_items_naming_the_assessment_all_close_with_their_own_level(cast, exam):
    assessment, competency = exam
    second = CompetencyFactory(code="DOC", name="Documentation")
    CompetencyMappingFactory(competency=second, assessment=assessment, category="", level_granted=2)
    give_level(cast.employee, second, 4)
    one = _item(cast, exam)
    two = _item(cast, exam, competency=second, status=ItemStatus.SUBMITTED)
    _record(cast, assessment, 90)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.verified_level) == (ItemStatus.VERIFIED, 3)
    # The pass grants 2, but the employee is at 4 already: the level they have now.
    assert (two.status, two.verified_level) == (ItemStatus.VERIFIED, 4)


def test_pass_that_grants_nothing_in_the_items_competency_keeps_no_verified_level(cast, exam):
    unmapped = CompetencyFactory(code="UNM")
    item = _item(cast, exam, competency=unmapped)
    _record(cast, exam[0], 90)
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED and item.verified_level is None


def test_a_voided_pass_closes_nothing(cast, exam):
    from idp.services import idp_items_close_by_result

    result = _record(cast, exam[0], 90).result
    item = _item(cast, exam)  # named after the pass, which HC then voids
    result.voided_at, result.voided_by, result.void_reason = timezone.now(), cast.hc, "Notes on the desk."

    assert idp_items_close_by_result(result=result) == []
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS


def test_the_employee_and_their_supervisor_are_told(cast, exam, django_capture_on_commit_callbacks, mailoutbox):
    item = _item(cast, exam)
    IdpItemTransition.objects.create(item=item, from_status=ItemStatus.DRAFT, to_status=ItemStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        _record(cast, exam[0], 90)

    mine = Notification.objects.get(recipient=cast.employee, url=item.get_absolute_url())
    assert "closed by your passed assessment" in mine.subject
    assert "Safety Exam (IHT), 90 %" in mine.body and "3 · Advanced" in mine.body
    theirs = Notification.objects.get(recipient=cast.supervisor, url=item.get_absolute_url())
    assert cast.employee.display_name in theirs.subject
    assert {m.to[0] for m in mailoutbox} >= {cast.employee.email, cast.supervisor.email}


def test_a_draft_the_supervisor_never_saw_tells_only_the_employee(cast, exam):
    item = _item(cast, exam, status=ItemStatus.DRAFT)
    _record(cast, exam[0], 90)
    assert Notification.objects.filter(url=item.get_absolute_url()).get().recipient == cast.employee


# --- The workflow: a system transition, never a person's ---------------------------------------


def test_the_closing_is_a_system_transition_of_the_one_table():
    close = ALL_TRANSITIONS["close_by_pass"]
    assert close.actor == Actor.SYSTEM and close.target == ItemStatus.VERIFIED
    assert close.sources == frozenset(ACTIVE_STATUSES)
    assert set(SYSTEM_TRANSITIONS) == {"close_by_pass", "reopen_by_void", "escalate"}
    # People's actions and the system's split the table: the role × action matrix
    # (tests/idp/test_workflow.py) walks every person's action, this file every system one.
    assert set(TRANSITIONS) | set(SYSTEM_TRANSITIONS) == set(ALL_TRANSITIONS)
    assert not set(TRANSITIONS) & set(SYSTEM_TRANSITIONS)


def _system_matrix():
    for action, transition in SYSTEM_TRANSITIONS.items():
        for role in ROLES:
            yield action, role, sorted(transition.sources)[0]


@pytest.mark.parametrize(("action", "role", "status"), list(_system_matrix()))
def test_no_role_takes_a_system_transition(client, cast, exam, action, role, status):
    item = _item(cast, exam, status=status)
    user = getattr(cast, role)
    client.force_login(user)

    assert action not in {t.action for t in available_transitions(user, item)}
    response = client.post(reverse("idp:item_action", args=[item.pk, action]))

    assert response.status_code == 404  # not an action of any page
    item.refresh_from_db()
    assert item.status == status
    assert not IdpItemTransition.objects.exists()


def test_item_page_offers_no_button_for_the_system_transition(client, cast, exam):
    item = _item(cast, exam)
    for role in ("employee", "supervisor", "hc"):
        client.force_login(getattr(cast, role))
        html = client.get(item.get_absolute_url()).content.decode()
        assert "close_by_pass" not in html and "Close by a passed assessment" not in html


# --- Naming the assessment on the item form -----------------------------------------------------


def _form_data(competency, **fields):
    return {
        "competency": competency.pk,
        "activity_type": ActivityType.ASSESSMENT,
        "target_level": "2",
        "target_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "description": "Pass the safety exam.",
        **fields,
    }


def test_employee_names_the_assessment_to_pass_on_a_new_item(client, cast, exam):
    assessment, competency = exam
    client.force_login(cast.employee)

    response = client.post(reverse("idp:item_new"), _form_data(competency, assessment=assessment.pk))

    item = IdpItem.objects.get()
    assert response.status_code == 302 and item.assessment == assessment
    html = client.get(item.get_absolute_url()).content.decode()
    assert "Assessment to pass" in html
    assert reverse("assessments:detail", args=[assessment.pk]) in html


def test_the_form_offers_only_published_assessments_open_to_the_employee(client, cast, exam):
    unpublished = AssessmentFactory(title="Unpublished Exam", is_published=False)
    listed = AssessmentFactory(title="Supervisors Only", is_published=True, audience=Audience.LISTED)
    listed.eligible_positions.add(cast.supervisor.position)
    for_them = AssessmentFactory(title="Named Exam", is_published=True, audience=Audience.LISTED)
    for_them.eligible_employees.add(cast.employee)
    client.force_login(cast.employee)

    choices = client.get(reverse("idp:item_new")).context["form"].fields["assessment"].queryset

    assert set(choices) == {exam[0], for_them}
    for refused in (unpublished, listed):
        response = client.post(reverse("idp:item_new"), _form_data(exam[1], assessment=refused.pk))
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not IdpItem.objects.exists()


def test_only_an_assessment_item_names_an_assessment(client, cast, exam):
    client.force_login(cast.employee)
    data = _form_data(exam[1], assessment=exam[0].pk, activity_type=ActivityType.TRAINING)

    response = client.post(reverse("idp:item_new"), data)

    assert response.status_code == 200
    assert "Only an item of type Assessment names an assessment to pass" in response.content.decode()
    assert not IdpItem.objects.exists()


def test_an_assessment_item_may_leave_the_assessment_blank(client, cast, exam):
    client.force_login(cast.employee)
    assert client.post(reverse("idp:item_new"), _form_data(exam[1], assessment="")).status_code == 302
    assert IdpItem.objects.get().assessment is None


def test_editing_keeps_an_assessment_unpublished_since(client, cast, exam):
    assessment, competency = exam
    item = _item(cast, exam, status=ItemStatus.DRAFT)
    assessment.is_published = False
    assessment.save()
    client.force_login(cast.employee)

    response = client.post(
        reverse("idp:item_edit", args=[item.pk]), _form_data(competency, assessment=assessment.pk, target_level="3")
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.assessment == assessment and item.target_level == 3


def test_the_service_refuses_an_assessment_on_another_type(cast, exam):
    from django.core.exceptions import ValidationError

    from idp.services import idp_item_create

    with pytest.raises(ValidationError, match="Only an item of type Assessment"):
        idp_item_create(
            employee=cast.employee,
            competency=exam[1],
            activity_type=ActivityType.MENTORING,
            description="Shadow a colleague.",
            target_date=timezone.localdate() + timedelta(days=30),
            assessment=exam[0],
            by=cast.employee,
        )
    unpublished = AssessmentFactory(is_published=False)
    with pytest.raises(ValidationError, match="not published or not open to you"):
        idp_item_create(
            employee=cast.employee,
            competency=exam[1],
            activity_type=ActivityType.ASSESSMENT,
            description="Pass it.",
            target_date=timezone.localdate() + timedelta(days=30),
            assessment=unpublished,
            by=cast.employee,
        )


def test_passing_online_closes_the_item(cast, exam):
    from assessments.models import FinishReason
    from assessments.services.attempts import attempt_answers_save, attempt_finalise, attempt_start
    from tests.assessments.factories import QuestionFactory

    assessment, competency = exam
    for number in (1, 2):
        QuestionFactory(assessment=assessment, number=number)
    item = _item(cast, exam)

    attempt = attempt_start(assessment=assessment, by=cast.employee)
    answers = {question.position: question.correct_keys for question in attempt.questions.all()}
    attempt_answers_save(attempt_id=attempt.pk, by=cast.employee, answers=answers)
    finished = attempt_finalise(attempt=attempt, reason=FinishReason.SUBMITTED)

    assert finished.passed and finished.result is not None
    item.refresh_from_db()
    assert (item.status, item.verified_level) == (ItemStatus.VERIFIED, 3)
    step = item.transitions.get()
    assert step.by is None and finished.result.evidence_note in step.comment
