import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from competencies.models import CompetencyLevel, CompetencyLevelHistory, LevelSource
from hrportal.models import Notification
from idp import services
from idp.models import IdpItemTransition, ItemStatus
from tests.competencies.factories import CompetencyFactory, give_level
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


def _level(employee, competency):
    return (
        CompetencyLevel.objects.filter(employee=employee, competency=competency).values_list("level", flat=True).first()
    )


def test_new_item_targets_current_level_plus_one_by_default(cast):
    competency = CompetencyFactory()
    give_level(cast.employee, competency, 2)
    item = services.idp_item_create(
        employee=cast.employee,
        competency=competency,
        activity_type="mentoring",
        description="Shadow a senior",
        target_date="2026-12-31",
        by=cast.employee,
    )
    assert (item.status, item.target_level) == (ItemStatus.DRAFT, 3)
    assert IdpItemTransition.objects.get(item=item).to_status == ItemStatus.DRAFT


def test_verification_raises_the_level_with_the_item_as_evidence(cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED, target_level=3)
    give_level(cast.employee, item.competency, 1)

    services.idp_item_verify(item=item, by=cast.hc)

    level = CompetencyLevel.objects.get(employee=cast.employee, competency=item.competency)
    assert (level.level, level.source, level.evidence, level.updated_by) == (3, LevelSource.TRAINING, item, cast.hc)
    history = CompetencyLevelHistory.objects.filter(employee=cast.employee).first()
    assert (history.old_level, history.new_level, history.evidence) == (1, 3, item)


def test_verification_at_a_lower_level_than_targeted(cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED, target_level=4)
    services.idp_item_verify(item=item, by=cast.hc, level=2)
    item.refresh_from_db()
    assert (item.status, item.verified_level) == (ItemStatus.VERIFIED, 2)
    assert _level(cast.employee, item.competency) == 2


def test_verification_above_the_target_is_refused(cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED, target_level=2)
    with pytest.raises(ValidationError):
        services.idp_item_verify(item=item, by=cast.hc, level=3)
    item.refresh_from_db()
    assert item.status == ItemStatus.COMPLETED


def test_verification_never_lowers_a_level(cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED, target_level=2)
    give_level(cast.employee, item.competency, 4)
    services.idp_item_verify(item=item, by=cast.hc)
    assert _level(cast.employee, item.competency) == 4
    assert item.__class__.objects.get(pk=item.pk).status == ItemStatus.VERIFIED


def test_editing_a_rejected_item_reopens_it_as_a_draft(cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.REJECTED)
    services.idp_item_update(item=item, by=cast.employee, description="A shorter course")
    item.refresh_from_db()
    assert (item.status, item.description) == (ItemStatus.DRAFT, "A shorter course")
    assert IdpItemTransition.objects.get(item=item).from_status == ItemStatus.REJECTED


def test_submitted_item_cannot_be_edited(cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    with pytest.raises(services.TransitionNotAllowed):
        services.idp_item_update(item=item, by=cast.employee, description="Sneaky change")


def test_complete_needs_evidence(cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.idp_item_complete(item=item, by=cast.employee, evidence_note="  ")


# Notifications and emails, per event -------------------------------------------------------


def _notified(user):
    return list(Notification.objects.filter(recipient=user).values_list("subject", flat=True))


def test_submit_notifies_the_supervisor(cast, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://hc.example.com"
    item = IdpItemFactory(employee=cast.employee)
    with django_capture_on_commit_callbacks(execute=True):
        services.idp_item_submit(item=item, by=cast.employee)
    assert _notified(cast.supervisor) == [f"IDP item to approve: {cast.employee.display_name}"]
    assert [m.to for m in mail.outbox] == [[cast.supervisor.email]]
    assert f"https://hc.example.com/idp/{item.pk}/" in mail.outbox[0].body


def test_submit_without_supervisor_notifies_hc(cast, django_capture_on_commit_callbacks):
    cast.employee.supervisor = None
    cast.employee.save()
    item = IdpItemFactory(employee=cast.employee)
    with django_capture_on_commit_callbacks(execute=True):
        services.idp_item_submit(item=item, by=cast.employee)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.hc.email, cast.hc_employee.email])


@pytest.mark.parametrize(
    ("action", "subject"), [("approve", "Your IDP item was approved"), ("reject", "Your IDP item needs revision")]
)
def test_decision_notifies_the_employee(cast, django_capture_on_commit_callbacks, action, subject):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    decide = getattr(services, f"idp_item_{action}")
    with django_capture_on_commit_callbacks(execute=True):
        decide(item=item, by=cast.supervisor, comment="Looks sensible")
    assert _notified(cast.employee) == [subject]
    assert [m.to for m in mail.outbox] == [[cast.employee.email]]
    assert "Looks sensible" in mail.outbox[0].body


def test_completion_notifies_every_active_hc_member_but_the_owner(cast, django_capture_on_commit_callbacks):
    item = IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        services.idp_item_complete(item=item, by=cast.hc_employee, evidence_note="Done")
    assert [m.to for m in mail.outbox] == [[cast.hc.email]]
    assert _notified(cast.hc_employee) == []


def test_verification_notifies_the_employee_once_with_the_new_level(cast, django_capture_on_commit_callbacks):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED, target_level=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.idp_item_verify(item=item, by=cast.hc)
    assert _notified(cast.employee) == ["Your IDP item was verified"]
    assert "3 · Advanced" in mail.outbox[0].body


def test_failed_transition_sends_nothing(cast, django_capture_on_commit_callbacks):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.APPROVED)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.TransitionNotAllowed):
        services.idp_item_approve(item=item, by=cast.supervisor)
    assert mail.outbox == [] and not Notification.objects.exists()
