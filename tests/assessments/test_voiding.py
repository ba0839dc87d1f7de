"""Voiding a result: the level falls back to what the remaining evidence grants, audited."""

import threading
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from assessments.models import AssessmentResult, ReviewStatus
from assessments.services import result_record
from assessments.services.voiding import ResultAlreadyVoided, result_void
from competencies.models import CompetencyLevel, CompetencyLevelHistory, LevelSource
from competencies.services import level_fall_back, level_override
from hrportal.models import AuditEntry, Notification
from idp.models import ItemStatus
from idp.services import idp_item_verify
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory, published_assessment
from tests.assessments.test_integrity import finish_attempt, make_attempt
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import HcUserFactory, UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gsh():
    return CompetencyFactory(code="GSH", name="General safety")


def _level(employee, competency) -> CompetencyLevel | None:
    return CompetencyLevel.objects.filter(employee=employee, competency=competency).first()


def _exam(competency, level, title=None, **mapping):
    """An assessment whose pass grants `level` in `competency`."""
    assessment = AssessmentFactory(title=title or f"{competency.code} exam {level}")
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=level, **mapping)
    return assessment


def _pass(employee, assessment, *, days_ago=0, score=90, by=None):
    return result_record(
        employee=employee,
        assessment=assessment,
        score=score,
        completed_at=timezone.now() - timedelta(days=days_ago, minutes=1),
        recorded_by=by,
    ).result


def test_with_no_other_evidence_the_level_falls_to_0_with_a_history_row_naming_the_result(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, title="GSH Basic"), by=cast.hc)
    assert _level(cast.employee, gsh).level == 2

    outcome = result_void(result=result, reason="Answers shared in a group chat", by=cast.hc)

    level = _level(cast.employee, gsh)
    assert (level.level, level.source, level.evidence, level.updated_by) == (0, LevelSource.VOIDED, None, cast.hc)
    assert [(c.competency, c.old_level, c.new_level) for c in outcome.level_changes] == [(gsh, 2, 0)]
    row = CompetencyLevelHistory.objects.filter(employee=cast.employee).order_by("-pk").first()
    assert (row.old_level, row.new_level, row.source, row.evidence, row.changed_by) == (
        2,
        0,
        LevelSource.VOIDED,
        result,
        cast.hc,
    )
    assert row.evidence_note == f"Voided: {result.evidence_note} — Answers shared in a group chat"
    assert level.evidence_note == row.evidence_note  # at 0 the record says why
    result.refresh_from_db()
    assert result.is_voided and result.voided_by == cast.hc and result.void_reason == "Answers shared in a group chat"


def test_the_employee_is_notified_of_the_void_and_the_fallen_levels(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, title="GSH Basic"))
    result_void(result=result, reason="Answers shared", by=cast.hc)

    note = Notification.objects.get(recipient=cast.employee, subject__contains="voided")
    assert note.subject == "Your result in GSH Basic was voided"
    assert "Reason: Answers shared" in note.body
    assert "GSH General safety: 2 · Intermediate → 0 · None" in note.body


def test_level_falls_back_to_the_previous_grant_whose_result_now_supports_it(cast, gsh):
    basic = _pass(cast.employee, _exam(gsh, 2), days_ago=20)
    advanced = _pass(cast.employee, _exam(gsh, 3), days_ago=5)
    assert _level(cast.employee, gsh).level == 3

    result_void(result=advanced, reason="Impersonation", by=cast.hc)

    level = _level(cast.employee, gsh)
    assert (level.level, level.source, level.evidence) == (2, LevelSource.VOIDED, basic)
    assert level.evidence_note == basic.evidence_note
    assert level.achieved_at == basic.completed_at
    history = CompetencyLevelHistory.objects.filter(employee=cast.employee).order_by("pk")
    assert [(h.old_level, h.new_level, h.source) for h in history] == [
        (None, 2, LevelSource.ASSESSMENT),
        (2, 3, LevelSource.ASSESSMENT),
        (3, 2, LevelSource.VOIDED),
    ]


def test_another_passed_result_granting_the_same_level_keeps_it(cast, gsh):
    first = _pass(cast.employee, _exam(gsh, 2, title="Exam A"), days_ago=10)
    second = _pass(cast.employee, _exam(gsh, 2, title="Exam B"), days_ago=2)  # raised nothing: already 2
    rows_before = CompetencyLevelHistory.objects.count()

    outcome = result_void(result=first, reason="Proxy taker", by=cast.hc)

    assert outcome.level_changes == []
    level = _level(cast.employee, gsh)
    assert (level.level, level.evidence) == (2, first)  # untouched: nothing fell
    assert CompetencyLevelHistory.objects.count() == rows_before
    assert second.voided_at is None
    note = Notification.objects.get(recipient=cast.employee, subject__contains="voided")
    assert "None of your levels changed" in note.body


def test_a_later_override_up_stands_after_the_void(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 3))
    level_override(employee=cast.employee, competency=gsh, level=4, reason="Assessed on the job", by=cast.hc)

    assert result_void(result=result, reason="Cheated", by=cast.hc).level_changes == []
    assert _level(cast.employee, gsh).level == 4


def test_an_override_down_between_results_is_where_the_level_falls_back_to(cast, gsh):
    _pass(cast.employee, _exam(gsh, 3, title="Old"), days_ago=20)
    level_override(employee=cast.employee, competency=gsh, level=1, reason="Licence withdrawn", by=cast.hc)
    retake = _pass(cast.employee, _exam(gsh, 2, title="Retake"), days_ago=0)
    assert _level(cast.employee, gsh).level == 2

    result_void(result=retake, reason="Retake taken by a colleague", by=HcUserFactory())

    level = _level(cast.employee, gsh)
    # The override set 1 after the old result's 3: the old result does not come back.
    assert (level.level, level.evidence) == (1, None)
    assert level.evidence_note == "Override: Licence withdrawn"


def test_a_verified_idp_item_supports_the_level_it_granted(cast, gsh):
    item = IdpItemFactory(employee=cast.employee, competency=gsh, target_level=2, status=ItemStatus.COMPLETED)
    idp_item_verify(item=item, by=cast.hc)
    assert _level(cast.employee, gsh).level == 2
    result = _pass(cast.employee, _exam(gsh, 4))
    assert _level(cast.employee, gsh).level == 4

    result_void(result=result, reason="Exam leaked", by=cast.hc)

    level = _level(cast.employee, gsh)
    assert (level.level, level.source, level.evidence) == (2, LevelSource.VOIDED, item)


def test_only_the_competencies_the_result_raised_move(cast, gsh):
    fire = CompetencyFactory(code="FIRE", name="Fire fighting")
    induction = AssessmentFactory(title="HSE induction")
    CompetencyMappingFactory(competency=gsh, assessment=induction, category="", level_granted=2)
    CompetencyMappingFactory(competency=fire, assessment=induction, category="", level_granted=3)
    _pass(cast.employee, _exam(gsh, 2, title="GSH Basic"), days_ago=10)
    result = _pass(cast.employee, induction, days_ago=1)  # raises FIRE only; GSH was already 2

    outcome = result_void(result=result, reason="Wrong person", by=cast.hc)

    assert [(c.competency.code, c.new_level) for c in outcome.level_changes] == [("FIRE", 0)]
    assert (_level(cast.employee, gsh).level, _level(cast.employee, fire).level) == (2, 0)
    note = Notification.objects.get(recipient=cast.employee, subject__contains="voided")
    assert "FIRE Fire fighting: 3 · Advanced → 0 · None" in note.body
    assert "GSH" not in note.body


def test_a_result_voided_earlier_is_no_support_later(cast, gsh):
    basic = _pass(cast.employee, _exam(gsh, 2), days_ago=20)
    advanced = _pass(cast.employee, _exam(gsh, 3), days_ago=5)
    result_void(result=advanced, reason="Cheated", by=cast.hc)
    result_void(result=basic, reason="Cheated here too", by=cast.hc)
    assert _level(cast.employee, gsh).level == 0


def test_voiding_never_raises_a_level(cast, gsh):
    """A mapping added since grants more for the remaining result than the level is: it stays."""
    first = _pass(cast.employee, _exam(gsh, 2, title="A"), days_ago=10)
    other_exam = AssessmentFactory(title="B")
    _pass(cast.employee, other_exam, days_ago=5)  # granted nothing when recorded
    CompetencyMappingFactory(competency=gsh, assessment=other_exam, category="", level_granted=4)

    assert result_void(result=first, reason="Cheated", by=cast.hc).level_changes == []
    assert _level(cast.employee, gsh).level == 2


def test_a_failed_remaining_result_supports_nothing(cast, gsh):
    exam = _exam(gsh, 2)
    _pass(cast.employee, exam, days_ago=10, score=40)
    passed = _pass(cast.employee, exam, days_ago=1, score=95)
    result_void(result=passed, reason="Cheated", by=cast.hc)
    assert _level(cast.employee, gsh).level == 0


def test_online_attempt_behind_the_result_is_marked_voided(cast, gsh):
    assessment = published_assessment(title="GSH online")
    CompetencyMappingFactory(competency=gsh, assessment=assessment, category="", level_granted=2)
    attempt = finish_attempt(make_attempt(employee=cast.employee, assessment=assessment))
    assert _level(cast.employee, gsh).level == 2

    result_void(result=attempt.result, reason="Second person in the room", by=cast.hc)

    attempt.refresh_from_db()
    assert (attempt.review_status, attempt.reviewed_by, attempt.review_note) == (
        ReviewStatus.VOIDED,
        cast.hc,
        "Second person in the room",
    )
    assert _level(cast.employee, gsh).level == 0


def test_a_second_void_is_refused_and_changes_nothing(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2))
    result_void(result=result, reason="First", by=cast.hc)
    rows = CompetencyLevelHistory.objects.count()

    stale = AssessmentResult.objects.get(pk=result.pk)
    stale.voided_at = None  # a copy read before the first void
    with pytest.raises(ResultAlreadyVoided, match="already voided"):
        result_void(result=stale, reason="Second", by=HcUserFactory())

    result.refresh_from_db()
    assert result.void_reason == "First"
    assert CompetencyLevelHistory.objects.count() == rows
    assert Notification.objects.filter(recipient=cast.employee, subject__contains="voided").count() == 1


def test_hc_never_voids_their_own_result(cast, gsh):
    result = _pass(cast.hc_employee, _exam(gsh, 2), by=cast.hc)
    with pytest.raises(PermissionDenied):
        result_void(result=result, reason="Mine", by=cast.hc_employee)
    result.refresh_from_db()
    assert result.voided_at is None
    assert _level(cast.hc_employee, gsh).level == 2


@pytest.mark.parametrize("who", ["employee", "supervisor", "colleague"])
def test_only_hc_voids(cast, gsh, who):
    result = _pass(cast.employee, _exam(gsh, 2))
    with pytest.raises(PermissionDenied):
        result_void(result=result, reason="No", by=getattr(cast, who))
    assert AssessmentResult.objects.get(pk=result.pk).voided_at is None


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_reason_is_required(cast, gsh, reason):
    result = _pass(cast.employee, _exam(gsh, 2))
    with pytest.raises(ValidationError) as error:
        result_void(result=result, reason=reason, by=cast.hc)
    assert "reason" in error.value.message_dict
    assert AssessmentResult.objects.get(pk=result.pk).voided_at is None


def test_the_void_and_the_fall_back_are_in_the_audit_trail(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2))
    result_void(result=result, reason="Cheated", by=cast.hc)

    result_changes = AuditEntry.objects.get_for_object(result).filter(action=AuditEntry.Action.UPDATE)
    assert any("void_reason" in (entry.changes or {}) for entry in result_changes)
    level_changes = AuditEntry.objects.get_for_object(_level(cast.employee, gsh)).filter(
        action=AuditEntry.Action.UPDATE
    )
    assert any("level" in (entry.changes or {}) for entry in level_changes)


def test_level_fall_back_refuses_to_raise(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2))
    with pytest.raises(ValidationError):
        level_fall_back(
            employee=cast.employee,
            competency=gsh,
            level=3,
            cause=result,
            cause_note="x",
            support=None,
            support_note="",
            supported_since=None,
            by=cast.hc,
        )
    assert _level(cast.employee, gsh).level == 2


def test_level_fall_back_to_the_same_level_writes_nothing(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2))
    rows = CompetencyLevelHistory.objects.count()
    change = level_fall_back(
        employee=cast.employee,
        competency=gsh,
        level=2,
        cause=result,
        cause_note="x",
        support=None,
        support_note="",
        supported_since=None,
        by=cast.hc,
    )
    assert change is None
    assert CompetencyLevelHistory.objects.count() == rows


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_voids_one_wins():
    """Two HC members void the same result at once: on PostgreSQL the locks serialise them, so
    one void and one refusal, one fall-back row, one notification."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; this test runs on PostgreSQL")
    employee, gsh = UserFactory(), CompetencyFactory()
    deciders = [HcUserFactory(), HcUserFactory()]
    result = _pass(employee, _exam(gsh, 2))
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def void(by):
        try:
            barrier.wait()
            outcomes.append(result_void(result=AssessmentResult.objects.get(pk=result.pk), reason="Race", by=by))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=void, args=(by,)) for by in deciders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refused = [o for o in outcomes if isinstance(o, ResultAlreadyVoided)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    result_type = ContentType.objects.get_for_model(AssessmentResult)
    fall_backs = CompetencyLevelHistory.objects.filter(
        source=LevelSource.VOIDED, evidence_type=result_type, evidence_id=result.pk
    )
    assert fall_backs.count() == 1
    assert _level(employee, gsh).level == 0
    assert Notification.objects.filter(recipient=employee, subject__contains="voided").count() == 1


def test_voiding_a_result_that_raised_nothing_says_so(cast, gsh):
    failed = _pass(cast.employee, _exam(gsh, 2), score=30)
    outcome = result_void(result=failed, reason="Taken by someone else", by=cast.hc)
    assert (outcome.level_changes, outcome.had_raised) == ([], False)
    note = Notification.objects.get(recipient=cast.employee, subject__contains="voided")
    assert "It had raised none of your levels" in note.body


def test_void_listeners_hear_the_void_inside_its_transaction(cast, gsh, monkeypatch):
    from assessments.services import voiding

    heard = []
    monkeypatch.setattr(voiding, "_void_listeners", [])
    voiding.on_result_voided(
        lambda result: heard.append((result.pk, result.is_voided, _level(cast.employee, gsh).level))
    )
    result = _pass(cast.employee, _exam(gsh, 2))

    result_void(result=result, reason="Cheated", by=cast.hc)

    assert heard == [(result.pk, True, 0)]  # after the fall-back, once


def test_a_failing_listener_undoes_the_whole_void(cast, gsh, monkeypatch):
    from assessments.services import voiding

    def explode(result):
        raise RuntimeError("listener failed")

    monkeypatch.setattr(voiding, "_void_listeners", [explode])
    result = _pass(cast.employee, _exam(gsh, 2))
    with pytest.raises(RuntimeError):
        result_void(result=result, reason="Cheated", by=cast.hc)
    assert AssessmentResult.objects.get(pk=result.pk).voided_at is None
    assert _level(cast.employee, gsh).level == 2
