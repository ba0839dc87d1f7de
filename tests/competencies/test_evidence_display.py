"""A level's evidence in the reader's language and formats: a level raised by an assessment
result shows that result's title, category, score and date as the reader writes them (the
stored note, written in English at the time, stays the record); other evidence keeps its note."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from assessments.services.results import result_record
from assessments.services.voiding import result_void
from competencies.models import CompetencyLevel
from competencies.services import level_override
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory
from tests.hrportal.factories import HcUserFactory, PositionFactory, UserFactory

NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture
def passed(db):
    """An employee whose POP-04 level 2 comes from an 86 % pass of "OJ POP-04 level 2"
    (Assessment OJ) on 8 May 2024, and whose target is POP-04 3."""
    position = PositionFactory()
    competency = CompetencyFactory(code="POP-04", name="Pump operation")
    PositionTargetFactory(position=position, competency=competency, target_level=3)
    employee = UserFactory(position=position, language="id")
    hc = HcUserFactory(position=None, employee_number=None)
    assessment = AssessmentFactory(title="OJ POP-04 level 2", category="Assessment OJ")
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=2)
    completed_at = datetime(2024, 5, 8, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
    recorded = result_record(
        employee=employee, assessment=assessment, score=86, completed_at=completed_at, recorded_by=hc
    )
    return {"employee": employee, "competency": competency, "hc": hc, "result": recorded.result}


def _as(client, employee, language):
    employee.language = language
    employee.save(update_fields=["language"])
    client.force_login(employee)


def _page(client, name):
    return client.get(reverse(name)).content.decode()


@pytest.mark.parametrize("name", ["competencies:my_gaps", "competencies:my_history"])
def test_an_indonesian_reader_sees_the_result_in_indonesian_formats(client, passed, name):
    _as(client, passed["employee"], "id")
    html = _page(client, name)
    assert f"OJ POP-04 level 2 (Assessment OJ), 86{NBSP}%, 8 Mei 2024" in html
    assert "86 %, 2024-05-08" not in html  # the stored note's ISO date


@pytest.mark.parametrize("name", ["competencies:my_gaps", "competencies:my_history"])
def test_an_english_reader_sees_the_result_in_english_formats(client, passed, name):
    _as(client, passed["employee"], "en-gb")
    html = _page(client, name)
    assert "OJ POP-04 level 2 (Assessment OJ), 86%, 8 May 2024" in html
    assert "86 %, 2024-05-08" not in html  # the stored note's ISO date


def test_the_stored_note_stays_the_record(passed):
    level = CompetencyLevel.objects.get(employee=passed["employee"], competency=passed["competency"])
    assert level.evidence_note == "OJ POP-04 level 2 (Assessment OJ), 86 %, 2024-05-08"


def test_an_override_still_shows_its_reason(client, passed):
    level_override(
        employee=passed["employee"],
        competency=passed["competency"],
        level=3,
        reason="Assessed on site by the plant manager",
        by=passed["hc"],
    )
    _as(client, passed["employee"], "en-gb")
    gaps = _page(client, "competencies:my_gaps")
    assert "Override: Assessed on site by the plant manager" in gaps
    assert "OJ POP-04 level 2 (Assessment OJ), 86%" not in gaps
    # The history keeps both: the override's reason, and the pass before it in the reader's formats.
    history = _page(client, "competencies:my_history")
    assert "Override: Assessed on site by the plant manager" in history
    assert "OJ POP-04 level 2 (Assessment OJ), 86%, 8 May 2024" in history


def test_a_voiding_keeps_its_note_what_was_voided_and_why(client, passed):
    result_void(result=passed["result"], reason="Answers shared in a group chat", by=passed["hc"])
    _as(client, passed["employee"], "en-gb")
    history = _page(client, "competencies:my_history")
    assert "Voided: OJ POP-04 level 2 (Assessment OJ), 86 %, 2024-05-08 — Answers shared in a group chat" in history
