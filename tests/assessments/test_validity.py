"""A pass whose mapping (or assessment) has a validity grants a level that lapses; a new pass renews it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from assessments.services.results import result_record
from competencies.models import CompetencyLevel, CompetencyLevelHistory
from competencies.rules import GapStatus
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def licence(cast):
    competency = CompetencyFactory(code="FORK")
    PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=2)
    assessment = AssessmentFactory(title="Forklift licence", category="Licencor", validity_months=24)
    CompetencyMappingFactory(competency=competency, level_granted=2, category="", assessment=assessment)
    return competency, assessment


def _level(employee, competency):
    return CompetencyLevel.objects.get(employee=employee, competency=competency)


def test_the_level_expires_validity_months_after_the_pass_and_counts_as_a_gap_then(client, cast, licence):
    competency, assessment = licence
    passed_at = datetime(2024, 3, 31, 9, 0, tzinfo=JAKARTA)
    result_record(employee=cast.employee, assessment=assessment, score=90, completed_at=passed_at, recorded_by=cast.hc)
    assert _level(cast.employee, competency).expires_at == datetime(2026, 3, 31, 9, 0, tzinfo=JAKARTA)
    client.force_login(cast.employee)
    row = next(r for r in client.get(reverse("competencies:my_gaps")).context["report"].rows if r.code == "FORK")
    assert row.status == GapStatus.EXPIRED  # today (2026-12) is past March 2026


def test_a_mappings_own_validity_wins_over_the_assessments(cast, licence):
    competency, assessment = licence
    mapping = assessment.mappings.get()
    mapping.validity_months = 6
    mapping.save()
    passed_at = datetime(2026, 10, 1, tzinfo=JAKARTA)
    result_record(employee=cast.employee, assessment=assessment, score=90, completed_at=passed_at, recorded_by=cast.hc)
    assert _level(cast.employee, competency).expires_at == datetime(2027, 4, 1, tzinfo=JAKARTA)


def test_a_new_pass_at_the_same_level_renews_it_without_a_history_row(cast, licence):
    competency, assessment = licence
    first = datetime(2024, 3, 1, tzinfo=JAKARTA)
    result_record(employee=cast.employee, assessment=assessment, score=90, completed_at=first, recorded_by=cast.hc)
    renewal = result_record(
        employee=cast.employee,
        assessment=assessment,
        score=80,
        completed_at=first + timedelta(days=700),
        recorded_by=cast.hc,
    )
    level = _level(cast.employee, competency)
    assert level.expires_at == datetime(2028, 1, 30, tzinfo=JAKARTA)
    assert (level.level, level.evidence_id) == (2, renewal.result.pk)
    assert CompetencyLevelHistory.objects.filter(employee=cast.employee, competency=competency).count() == 1
    # An older pass recorded late does not shorten it.
    result_record(
        employee=cast.employee,
        assessment=assessment,
        score=95,
        completed_at=first + timedelta(days=1),
        recorded_by=cast.hc,
    )
    assert _level(cast.employee, competency).expires_at == datetime(2028, 1, 30, tzinfo=JAKARTA)


def test_a_level_raised_by_evidence_that_never_lapses_does_not_expire(cast, licence):
    competency, assessment = licence
    result_record(
        employee=cast.employee,
        assessment=assessment,
        score=90,
        completed_at=datetime(2026, 1, 5, tzinfo=JAKARTA),
        recorded_by=cast.hc,
    )
    lasting = AssessmentFactory(title="Warehouse safety", category="Licencor")
    CompetencyMappingFactory(competency=competency, level_granted=3, category="", assessment=lasting)
    result_record(employee=cast.employee, assessment=lasting, score=90, recorded_by=cast.hc)
    level = _level(cast.employee, competency)
    assert (level.level, level.expires_at) == (3, None)


def test_voiding_falls_back_to_an_earlier_pass_and_its_expiry(cast, licence):
    from assessments.services.voiding import result_void

    competency, assessment = licence
    first = datetime(2025, 6, 1, tzinfo=JAKARTA)
    result_record(employee=cast.employee, assessment=assessment, score=90, completed_at=first, recorded_by=cast.hc)
    expert = AssessmentFactory(title="Forklift instructor", category="Licencor")
    CompetencyMappingFactory(competency=competency, level_granted=3, category="", assessment=expert)
    wrong = result_record(employee=cast.employee, assessment=expert, score=90, recorded_by=cast.hc)
    assert _level(cast.employee, competency).expires_at is None
    result_void(result=wrong.result, reason="Wrong person", by=cast.hc)
    level = _level(cast.employee, competency)
    assert (level.level, level.expires_at) == (2, datetime(2027, 6, 1, tzinfo=JAKARTA))
