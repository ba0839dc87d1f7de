import pytest

from competencies.selectors.gaps import employee_gaps
from idp.models import ActivityType, ItemStatus
from idp.selectors import active_items_by_competency, idp_suggestions
from idp.services import suggestion_dismiss
from tests.competencies.factories import CompetencyFactory, LevelDescriptorFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PositionFactory, UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def employee_with_gaps():
    """Gaps: G4 (target 4, level 0), G3 (3, 0), G2 (3, 1), G1b (2, 1), G1a (1, 0), G1c (2, 1); M met; Z0 target 0."""
    position = PositionFactory()
    employee = UserFactory(position=position)
    spec = {
        "G4": (4, 0),
        "G3": (3, 0),
        "G2": (3, 1),
        "G1a": (1, 0),
        "G1b": (2, 1),
        "G1c": (2, 1),
        "M": (2, 3),
        "Z0": (0, 0),
    }
    competencies = {}
    for code, (target, level) in spec.items():
        competencies[code] = CompetencyFactory(code=code)
        PositionTargetFactory(position=position, competency=competencies[code], target_level=target)
        if level:
            give_level(employee, competencies[code], level)
    CompetencyFactory(code="NA")  # not applicable: no target
    return employee, competencies


def _suggest(employee):
    report = employee_gaps(employee=employee)
    return idp_suggestions(employee=employee, report=report, active_items=active_items_by_competency(employee=employee))


def test_suggests_the_five_largest_gaps_never_met_ones(employee_with_gaps):
    employee, _ = employee_with_gaps
    codes = [s.row.code for s in _suggest(employee)]
    # Gap desc, then target desc, then code: G1b and G1c (target 2) before G1a (target 1).
    assert codes == ["G4", "G3", "G2", "G1b", "G1c"]


def test_competency_with_an_active_item_is_not_suggested(employee_with_gaps):
    employee, comps = employee_with_gaps
    IdpItemFactory(employee=employee, competency=comps["G4"], status=ItemStatus.IN_PROGRESS)
    IdpItemFactory(employee=employee, competency=comps["G3"], status=ItemStatus.CANCELLED)  # finished: not active
    assert [s.row.code for s in _suggest(employee)] == ["G3", "G2", "G1b", "G1c", "G1a"]


def test_dismissed_suggestion_stays_hidden_until_the_gap_changes(employee_with_gaps):
    employee, comps = employee_with_gaps
    suggestion_dismiss(employee=employee, competency=comps["G2"], gap=2)
    assert "G2" not in [s.row.code for s in _suggest(employee)]
    give_level(employee, comps["G2"], 2)  # gap 2 → 1
    assert "G2" in [s.row.code for s in _suggest(employee)]


def test_suggestion_text_comes_from_the_next_level_descriptor(employee_with_gaps):
    employee, comps = employee_with_gaps
    LevelDescriptorFactory(competency=comps["G2"], level=2, syllabus="Valve types", deliverable="Valve line-up report")
    suggestion = next(s for s in _suggest(employee) if s.row.code == "G2")
    assert suggestion.target_level == 2
    assert (
        "Syllabus: Valve types" in suggestion.description
        and "Deliverable: Valve line-up report" in suggestion.description
    )


@pytest.mark.parametrize(
    ("code", "activity"),
    [
        ("G4", ActivityType.TRAINING),
        ("G3", ActivityType.TRAINING),
        ("G2", ActivityType.ON_THE_JOB),
        ("G1b", ActivityType.ASSESSMENT),
    ],
)
def test_default_activity_follows_the_gap_size(employee_with_gaps, code, activity):
    employee, _ = employee_with_gaps
    suggestion = next(s for s in _suggest(employee) if s.row.code == code)
    assert suggestion.activity_type == activity
