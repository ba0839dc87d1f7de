import pytest
from django.db import IntegrityError, transaction

from competencies.models import CompetencyLevel, LevelSource, PositionTarget
from tests.competencies.factories import CompetencyFactory, LevelDescriptorFactory
from tests.hrportal.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _create_level(**overrides):
    values = {"employee": UserFactory(), "competency": CompetencyFactory(), "level": 3, "source": LevelSource.MANUAL}
    values.update(overrides)
    return CompetencyLevel.objects.create(**values)


@pytest.mark.parametrize("level", [-1, 6, 7])
def test_database_rejects_level_outside_0_to_5(level):
    with pytest.raises(IntegrityError), transaction.atomic():
        _create_level(level=level)


def test_database_accepts_levels_0_and_5():
    _create_level(level=0)
    _create_level(level=5)
    assert CompetencyLevel.objects.count() == 2


def test_database_keeps_one_level_per_employee_and_competency():
    level = _create_level()
    with pytest.raises(IntegrityError), transaction.atomic():
        _create_level(employee=level.employee, competency=level.competency, level=4)


def test_database_rejects_unknown_level_source():
    with pytest.raises(IntegrityError), transaction.atomic():
        _create_level(source="self-rating")


@pytest.mark.parametrize("target", [-1, 6])
def test_database_rejects_target_outside_0_to_5(target):
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionTarget.objects.create(position=PositionFactory(), competency=CompetencyFactory(), target_level=target)


def test_database_keeps_one_target_per_position_and_competency():
    position, competency = PositionFactory(), CompetencyFactory()
    PositionTarget.objects.create(position=position, competency=competency, target_level=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionTarget.objects.create(position=position, competency=competency, target_level=3)


def test_database_rejects_descriptor_level_0():
    with pytest.raises(IntegrityError), transaction.atomic():
        LevelDescriptorFactory(level=0)


def test_deleting_a_competency_with_levels_is_refused():
    level = _create_level()
    with pytest.raises(IntegrityError), transaction.atomic():
        level.competency.delete()
