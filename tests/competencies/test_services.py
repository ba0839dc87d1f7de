import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from competencies.models import (
    CompetencyLevel,
    CompetencyLevelHistory,
    LevelSource,
    PositionTarget,
    PositionTargetHistory,
)
from competencies.services import level_override, target_set
from tests.competencies.factories import CompetencyFactory, give_level
from tests.hrportal.factories import HcUserFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_hc_override_lowers_a_level_with_reason_in_history():
    employee, hc, competency = UserFactory(), HcUserFactory(), CompetencyFactory()
    give_level(employee, competency, 4, note="course")

    change = level_override(employee=employee, competency=competency, level=2, reason="Licence withdrawn", by=hc)

    assert (change.old_level, change.new_level) == (4, 2)
    level = CompetencyLevel.objects.get(employee=employee, competency=competency)
    assert (level.level, level.source, level.updated_by) == (2, LevelSource.MANUAL, hc)
    latest = CompetencyLevelHistory.objects.filter(employee=employee).first()
    assert (latest.old_level, latest.new_level, latest.changed_by) == (4, 2, hc)
    assert "Licence withdrawn" in latest.evidence_note


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_without_reason_is_refused_and_changes_nothing(reason):
    employee, competency = UserFactory(), CompetencyFactory()
    with pytest.raises(ValidationError) as error:
        level_override(employee=employee, competency=competency, level=3, reason=reason, by=HcUserFactory())
    assert "reason" in error.value.message_dict
    assert not CompetencyLevel.objects.exists()


def test_only_hc_may_override():
    employee = UserFactory()
    with pytest.raises(PermissionDenied):
        level_override(employee=employee, competency=CompetencyFactory(), level=5, reason="I am great", by=employee)
    assert not CompetencyLevel.objects.exists()


@pytest.mark.parametrize("level", [7, -1, 2.5])
def test_level_outside_scale_is_refused_with_a_message(level):
    with pytest.raises(ValidationError, match="0 to 5"):
        level_override(
            employee=UserFactory(), competency=CompetencyFactory(), level=level, reason="x", by=HcUserFactory()
        )


def test_level_raise_never_lowers():
    employee, competency = UserFactory(), CompetencyFactory()
    give_level(employee, competency, 3, note="")
    assert give_level(employee, competency, 2, note="") is None
    assert give_level(employee, competency, 3, note="") is None
    assert CompetencyLevel.objects.get().level == 3
    assert CompetencyLevelHistory.objects.count() == 1


def test_target_changes_are_kept_with_their_dates():
    position, competency, hc = PositionFactory(), CompetencyFactory(), HcUserFactory()
    assert target_set(position=position, competency=competency, level=2, by=hc)
    assert target_set(position=position, competency=competency, level=4, by=hc)
    assert not target_set(position=position, competency=competency, level=4, by=hc)
    assert target_set(position=position, competency=competency, level=None, by=hc)

    assert not PositionTarget.objects.exists()
    history = list(PositionTargetHistory.objects.order_by("pk").values_list("old_level", "new_level", "changed_by"))
    assert history == [(None, 2, hc.pk), (2, 4, hc.pk), (4, None, hc.pk)]
    assert all(row.changed_at for row in PositionTargetHistory.objects.all())


def test_target_0_is_not_the_same_as_not_applicable():
    position, competency = PositionFactory(), CompetencyFactory()
    target_set(position=position, competency=competency, level=0, by=None)
    assert PositionTarget.objects.get().target_level == 0


def test_hc_cannot_override_their_own_level():
    hc = HcUserFactory()
    with pytest.raises(PermissionDenied):
        level_override(employee=hc, competency=CompetencyFactory(), level=5, reason="I deserve it", by=hc)
    assert not CompetencyLevel.objects.exists()
