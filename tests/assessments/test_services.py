import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from assessments.models import AssessmentResult
from assessments.services import result_record
from competencies.models import CompetencyLevel, CompetencyLevelHistory, LevelSource
from competencies.services import level_override
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import HcUserFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = timezone.make_aware(timezone.datetime(2026, 3, 1, 9, 0))


def _level(employee, competency):
    row = CompetencyLevel.objects.filter(employee=employee, competency=competency).first()
    return row.level if row else None


@pytest.fixture
def employee():
    return UserFactory()


@pytest.fixture
def hc():
    return HcUserFactory()


@pytest.fixture
def gsh():
    return CompetencyFactory(code="GSH", name="General safety")


def test_passed_result_raises_level_with_history_naming_the_result(employee, hc, gsh):
    assessment = AssessmentFactory(title="GSH Basic", category="Assessment OJ", pass_percentage=70)
    CompetencyMappingFactory(competency=gsh, category="Assessment OJ", title_pattern="GSH", level_granted=2)

    recorded = result_record(employee=employee, assessment=assessment, score=85, completed_at=DAY, recorded_by=hc)

    assert recorded.result.passed
    level = CompetencyLevel.objects.get(employee=employee, competency=gsh)
    assert (level.level, level.source, level.evidence, level.updated_by) == (
        2,
        LevelSource.ASSESSMENT,
        recorded.result,
        hc,
    )
    assert level.evidence_note == "GSH Basic (Assessment OJ), 85 %, 2026-03-01"
    history = CompetencyLevelHistory.objects.get(employee=employee, competency=gsh)
    assert (history.old_level, history.new_level, history.evidence, history.changed_by) == (
        None,
        2,
        recorded.result,
        hc,
    )
    assert history.changed_at == DAY  # effective when the assessment was completed, not when recorded


def test_failed_result_changes_no_level(employee, hc, gsh):
    assessment = AssessmentFactory(pass_percentage=70)
    CompetencyMappingFactory(competency=gsh, category=assessment.category, level_granted=2)

    recorded = result_record(employee=employee, assessment=assessment, score=69.99, completed_at=DAY, recorded_by=hc)

    assert not recorded.result.passed
    assert recorded.level_changes == []
    assert not CompetencyLevel.objects.exists()
    assert not CompetencyLevelHistory.objects.exists()


def test_score_equal_to_pass_percentage_passes(employee, hc, gsh):
    assessment = AssessmentFactory(pass_percentage=70)
    CompetencyMappingFactory(competency=gsh, category=assessment.category, level_granted=1)
    assert result_record(
        employee=employee, assessment=assessment, score=70, completed_at=DAY, recorded_by=hc
    ).result.passed
    assert _level(employee, gsh) == 1


def test_category_is_compared_case_insensitively_and_pattern_must_be_in_title(employee, hc, gsh):
    other = CompetencyFactory()
    CompetencyMappingFactory(competency=gsh, category="assessment oj", title_pattern="gsh", level_granted=2)
    CompetencyMappingFactory(competency=other, category="Assessment OJ", title_pattern="Welding", level_granted=3)
    assessment = AssessmentFactory(title="GSH Basic", category="ASSESSMENT OJ")

    result_record(employee=employee, assessment=assessment, score=90, completed_at=DAY, recorded_by=hc)

    assert _level(employee, gsh) == 2
    assert _level(employee, other) is None


def test_mapping_of_another_category_does_not_match(employee, hc, gsh):
    CompetencyMappingFactory(competency=gsh, category="IHT", level_granted=2)
    assessment = AssessmentFactory(category="Licencor")
    result_record(employee=employee, assessment=assessment, score=100, completed_at=DAY, recorded_by=hc)
    assert _level(employee, gsh) is None


def test_mapping_naming_a_specific_assessment_matches_only_it(employee, hc, gsh):
    named = AssessmentFactory(title="Exam A")
    sibling = AssessmentFactory(title="Exam B", category=named.category)
    CompetencyMappingFactory(competency=gsh, assessment=named, category="", level_granted=3)

    result_record(employee=employee, assessment=sibling, score=100, completed_at=DAY, recorded_by=hc)
    assert _level(employee, gsh) is None
    result_record(employee=employee, assessment=named, score=100, completed_at=DAY, recorded_by=hc)
    assert _level(employee, gsh) == 3


@pytest.mark.parametrize(
    ("score", "expected_level"),
    [(59, None), (60, 2), (74.99, 2), (75, 3), (89, 3), (90, 4), (100, 4)],
)
def test_score_bands_grant_the_highest_level_reached(employee, hc, gsh, score, expected_level):
    assessment = AssessmentFactory(pass_percentage=70)
    for minimum, level in [(60, 2), (75, 3), (90, 4)]:
        CompetencyMappingFactory(
            competency=gsh, assessment=assessment, category="", minimum_score=minimum, level_granted=level
        )

    recorded = result_record(employee=employee, assessment=assessment, score=score, completed_at=DAY, recorded_by=hc)

    assert _level(employee, gsh) == expected_level
    # One history row per competency per result, whatever the number of bands reached.
    assert CompetencyLevelHistory.objects.filter(employee=employee).count() == (0 if expected_level is None else 1)
    # The minimum score replaces the pass percentage: 60 grants although the pass mark is 70.
    assert recorded.result.passed == (score >= 70)


def test_one_assessment_validates_several_competencies(employee, hc, gsh):
    fire = CompetencyFactory(code="FIRE")
    assessment = AssessmentFactory(title="HSE induction", category="IHT")
    CompetencyMappingFactory(competency=gsh, category="IHT", title_pattern="HSE", level_granted=1)
    CompetencyMappingFactory(competency=fire, assessment=assessment, category="", level_granted=2)

    recorded = result_record(employee=employee, assessment=assessment, score=80, completed_at=DAY, recorded_by=hc)

    assert {(c.competency.code, c.new_level) for c in recorded.level_changes} == {("GSH", 1), ("FIRE", 2)}


def test_result_never_lowers_a_level(employee, hc, gsh):
    level_override(employee=employee, competency=gsh, level=4, reason="Certified elsewhere", by=hc)
    assessment = AssessmentFactory()
    CompetencyMappingFactory(competency=gsh, category=assessment.category, level_granted=2)

    recorded = result_record(employee=employee, assessment=assessment, score=95, completed_at=DAY, recorded_by=hc)

    assert recorded.level_changes == []
    assert _level(employee, gsh) == 4
    assert CompetencyLevelHistory.objects.filter(employee=employee).count() == 1


def test_recording_the_same_result_twice_grants_nothing_twice(employee, hc, gsh):
    assessment = AssessmentFactory()
    CompetencyMappingFactory(competency=gsh, category=assessment.category, level_granted=2)

    first = result_record(employee=employee, assessment=assessment, score=80, completed_at=DAY, recorded_by=hc)
    again = result_record(employee=employee, assessment=assessment, score=80, completed_at=DAY, recorded_by=hc)

    assert first.created and not again.created
    assert again.result == first.result and again.level_changes == []
    assert AssessmentResult.objects.count() == 1
    assert CompetencyLevelHistory.objects.count() == 1


def test_recording_the_same_attempt_with_another_score_is_refused(employee, hc, gsh):
    assessment = AssessmentFactory()
    result_record(employee=employee, assessment=assessment, score=80, completed_at=DAY, recorded_by=hc)
    with pytest.raises(ValidationError, match="already recorded"):
        result_record(employee=employee, assessment=assessment, score=60, completed_at=DAY, recorded_by=hc)
    assert AssessmentResult.objects.get().score == Decimal(80)


def test_a_later_attempt_is_a_new_result(employee, hc, gsh):
    assessment = AssessmentFactory()
    CompetencyMappingFactory(competency=gsh, category=assessment.category, level_granted=2)
    result_record(employee=employee, assessment=assessment, score=50, completed_at=DAY, recorded_by=hc)
    result_record(
        employee=employee, assessment=assessment, score=80, completed_at=DAY + timedelta(days=30), recorded_by=hc
    )
    assert AssessmentResult.objects.count() == 2
    assert _level(employee, gsh) == 2


@pytest.mark.parametrize("score", [-1, 100.01, "abc", "NaN"])
def test_score_outside_0_to_100_is_refused_with_a_message(employee, hc, score):
    with pytest.raises(ValidationError) as error:
        result_record(employee=employee, assessment=AssessmentFactory(), score=score, completed_at=DAY, recorded_by=hc)
    assert "score" in error.value.message_dict
    assert not AssessmentResult.objects.exists()


def test_future_completion_is_refused(employee, hc):
    with pytest.raises(ValidationError):
        result_record(
            employee=employee,
            assessment=AssessmentFactory(),
            score=80,
            completed_at=timezone.now() + timedelta(days=1),
            recorded_by=hc,
        )


def test_recording_is_atomic_a_failing_grant_leaves_no_result(employee, hc, gsh, monkeypatch):
    assessment = AssessmentFactory()
    CompetencyMappingFactory(competency=gsh, category=assessment.category, level_granted=2)

    def explode(**kwargs):
        raise RuntimeError("history write failed")

    monkeypatch.setattr("assessments.services.results.level_raise", explode)
    with pytest.raises(RuntimeError):
        result_record(employee=employee, assessment=assessment, score=90, completed_at=DAY, recorded_by=hc)
    assert not AssessmentResult.objects.exists()
    assert not CompetencyLevel.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_recordings_cannot_corrupt_a_level():
    """Two threads record different passing results for one employee at once: on PostgreSQL the
    row locks serialise them, so the level ends at the higher grant with one history row per raise."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; this test runs on PostgreSQL")
    employee, hc, gsh = UserFactory(), HcUserFactory(), CompetencyFactory()
    exam_a, exam_b = AssessmentFactory(title="A"), AssessmentFactory(title="B")
    CompetencyMappingFactory(competency=gsh, assessment=exam_a, category="", level_granted=2)
    CompetencyMappingFactory(competency=gsh, assessment=exam_b, category="", level_granted=3)
    barrier = threading.Barrier(4)
    errors = []

    def record(assessment):
        try:
            barrier.wait()
            result_record(employee=employee, assessment=assessment, score=90, completed_at=DAY, recorded_by=hc)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(a,)) for a in (exam_a, exam_b, exam_a, exam_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AssessmentResult.objects.count() == 2
    assert _level(employee, gsh) == 3
    history = list(
        CompetencyLevelHistory.objects.filter(employee=employee).order_by("pk").values_list("old_level", "new_level")
    )
    # Either A then B (None→2, 2→3) or B first (None→3, and A grants nothing).
    assert history in ([(None, 2), (2, 3)], [(None, 3)])


def test_back_dated_result_is_dated_after_the_change_it_follows(employee, hc, gsh):
    """A result recorded late keeps the history in order, so the level over time ends at the current level."""
    recent, old = AssessmentFactory(title="Recent"), AssessmentFactory(title="Old licence")
    CompetencyMappingFactory(competency=gsh, assessment=recent, category="", level_granted=3)
    CompetencyMappingFactory(competency=gsh, assessment=old, category="", level_granted=4)
    result_record(employee=employee, assessment=recent, score=90, completed_at=DAY, recorded_by=hc)
    result_record(employee=employee, assessment=old, score=90, completed_at=DAY - timedelta(days=400), recorded_by=hc)

    timeline = list(CompetencyLevelHistory.objects.filter(employee=employee).order_by("changed_at", "pk"))
    assert [(h.old_level, h.new_level) for h in timeline] == [(None, 3), (3, 4)]
    assert timeline[1].changed_at >= timeline[0].changed_at


def test_nobody_records_their_own_result(hc, gsh):
    with pytest.raises(PermissionDenied):
        result_record(employee=hc, assessment=AssessmentFactory(), score=100, completed_at=DAY, recorded_by=hc)
    assert not AssessmentResult.objects.exists()
