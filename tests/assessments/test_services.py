import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from assessments.models import AssessmentResult
from assessments.services import result_record
from competencies.models import CompetencyLevel, CompetencyLevelHistory, LevelSource
from competencies.services import level_override, level_raise
from hrportal.models import AuditEntry, Notification
from idp.models import ItemStatus
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import HcUserFactory, UserFactory
from tests.idp.factories import IdpItemFactory

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

    monkeypatch.setattr("assessments.services.results.levels_grant", explode)
    with pytest.raises(RuntimeError):
        result_record(employee=employee, assessment=assessment, score=90, completed_at=DAY, recorded_by=hc)
    assert not AssessmentResult.objects.exists()
    assert not CompetencyLevel.objects.exists()


def _record_at_once(employee, hc, assessments) -> list[Exception]:
    """Record a pass of each assessment for the employee, one thread each, all released at
    once; the errors they raised."""
    barrier = threading.Barrier(len(assessments))
    errors: list[Exception] = []

    def record(assessment):
        try:
            barrier.wait()
            result_record(employee=employee, assessment=assessment, score=90, completed_at=DAY, recorded_by=hc)
        except Exception as exc:  # noqa: BLE001 - collected and returned
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(assessment,)) for assessment in assessments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


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
    assert _record_at_once(employee, hc, [exam_a, exam_b, exam_a, exam_b]) == []
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


# --- What recording costs -----------------------------------------------------------------------


def _banded_exam(competencies):
    """An assessment granting each competency 2 from 60 % and 3 (valid 24 months) from 80 %."""
    exam = AssessmentFactory(title="Plant safety", pass_percentage=60)
    for competency in competencies:
        CompetencyMappingFactory(competency=competency, assessment=exam, category="", level_granted=2, minimum_score=60)
        CompetencyMappingFactory(
            competency=competency, assessment=exam, category="", level_granted=3, minimum_score=80, validity_months=24
        )
    return exam


def _held(employee, competency, level, expires_at=None):
    level_raise(
        employee=employee,
        competency=competency,
        level=level,
        source=LevelSource.TRAINING,
        evidence=None,
        evidence_note="Course",
        achieved_at=DAY - timedelta(days=100),
        expires_at=expires_at,
        by=None,
    )


@pytest.mark.parametrize("existing", [1, 30])
def test_a_pass_raising_ten_competencies_costs_at_most_twelve_queries(
    employee, hc, existing, django_assert_max_num_queries
):
    """Ten competencies, each in two score bands: one pass raises, renews or leaves each level
    in a flat number of queries, however many levels, items and results the person has."""
    mapped = CompetencyFactory.create_batch(10)
    exam = _banded_exam(mapped)
    _held(employee, mapped[0], 1)  # raised
    if existing > 1:
        _held(employee, mapped[1], 3, expires_at=DAY + timedelta(days=30))  # renewed: lapses sooner
        _held(employee, mapped[2], 4)  # left: higher
        others = CompetencyFactory.create_batch(existing - 3)
        for competency in others:
            _held(employee, competency, 2)
        other_exam = AssessmentFactory()
        for day, competency in enumerate(others):
            IdpItemFactory(employee=employee, competency=competency, status=ItemStatus.APPROVED)
            result_record(
                employee=employee,
                assessment=other_exam,
                score=50,
                completed_at=DAY - timedelta(days=day + 1),
                recorded_by=hc,
            )
    # Looked up once per process, like the lock's people and levels here are not.
    for model in (AssessmentResult, CompetencyLevel):
        ContentType.objects.get_for_model(model)
    history_before, notified_before = CompetencyLevelHistory.objects.count(), Notification.objects.count()

    # savepoint (the test's transaction), the employee's lock, the same attempt recorded
    # already?, the result, the mappings, the levels in the ten competencies (locked, with
    # each one's last history date), their one upsert, their history rows, the one
    # notification, the IDP items naming the assessment, every audit entry at once, release.
    with django_assert_max_num_queries(12):
        recorded = result_record(employee=employee, assessment=exam, score=85, completed_at=DAY, recorded_by=hc)

    levels = dict(
        CompetencyLevel.objects.filter(employee=employee, competency__in=mapped).values_list("competency", "level")
    )
    expected = {competency.pk: 3 for competency in mapped}
    if existing > 1:
        expected[mapped[2].pk] = 4
    assert levels == expected
    raised = 10 if existing == 1 else 8  # not the renewed one nor the higher one
    assert len(recorded.level_changes) == raised
    assert CompetencyLevelHistory.objects.count() - history_before == raised
    if existing > 1:
        renewed = CompetencyLevel.objects.get(employee=employee, competency=mapped[1])
        assert (renewed.expires_at, renewed.evidence) == (DAY + relativedelta(months=24), recorded.result)
    assert Notification.objects.count() - notified_before == 1
    # One entry for the result and one per level written, as save() would have made them.
    audited = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(CompetencyLevel))
    assert audited.filter(object_id__in=CompetencyLevel.objects.filter(competency__in=mapped).values("pk")).filter(
        timestamp__gte=recorded.result.recorded_at
    ).count() == (10 if existing == 1 else 9)


def test_levels_written_set_based_are_audited_as_a_save_would_audit_them(employee, hc, gsh):
    """The upsert's entries: a creation with every value, an update with the changed values only."""
    other = CompetencyFactory()
    exam = _banded_exam([gsh, other])
    _held(employee, gsh, 1)
    level = CompetencyLevel.objects.get(employee=employee, competency=gsh)

    result_record(employee=employee, assessment=exam, score=85, completed_at=DAY, recorded_by=hc)

    update = AuditEntry.objects.get_for_object(level).order_by("-timestamp", "-pk").first()
    assert update.action == AuditEntry.Action.UPDATE
    assert update.changes_dict["level"] == ["1", "3"]
    assert update.changes_dict["source"] == [LevelSource.TRAINING, LevelSource.ASSESSMENT]
    assert "employee" not in update.changes_dict and "competency" not in update.changes_dict
    created = CompetencyLevel.objects.get(employee=employee, competency=other)
    (creation,) = AuditEntry.objects.get_for_object(created)
    assert creation.action == AuditEntry.Action.CREATE
    assert creation.changes_dict["level"] == ["None", "3"]
    assert creation.object_repr == str(created)
    result_entry = AuditEntry.objects.get_for_object(AssessmentResult.objects.get()).get()
    assert result_entry.changes_dict["score"] == ["None", "85.00"]


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_recordings_leave_exact_levels_and_history():
    """Twenty threads record twenty passes for one employee at once, each granting 1 to 5 in
    overlapping competencies: on PostgreSQL every competency ends at its highest grant, its
    history is one unbroken rising chain, and every result and notification is there once."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; this test runs on PostgreSQL")
    employee, hc = UserFactory(), HcUserFactory()
    competencies = CompetencyFactory.create_batch(4)
    exams = []
    for n in range(20):
        exam = AssessmentFactory(title=f"Exam {n}")
        for offset, competency in enumerate(competencies):
            CompetencyMappingFactory(
                competency=competency, assessment=exam, category="", level_granted=(n + offset) % 5 + 1
            )
        exams.append(exam)
    assert _record_at_once(employee, hc, exams) == []
    assert AssessmentResult.objects.filter(employee=employee).count() == 20
    for competency in competencies:
        assert _level(employee, competency) == 5
        chain = list(
            CompetencyLevelHistory.objects.filter(employee=employee, competency=competency)
            .order_by("pk")
            .values_list("old_level", "new_level")
        )
        assert chain[0][0] is None
        assert all(old < new for old, new in chain[1:]) and all(
            chain[i][1] == chain[i + 1][0] for i in range(len(chain) - 1)
        )
        assert chain[-1][1] == 5
    notified = Notification.objects.filter(recipient=employee).count()
    assert notified == len(
        {h for h in CompetencyLevelHistory.objects.filter(employee=employee).values_list("evidence_id", flat=True)}
    )
