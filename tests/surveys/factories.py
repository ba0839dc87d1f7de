from competencies.models import PositionTarget
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory


def position_competencies(position, count: int = 3, target: int = 3) -> list:
    """`count` competencies with a target of `target` for `position` (what may be rated)."""
    return [
        PositionTargetFactory(position=position, competency=CompetencyFactory(), target_level=target).competency
        for _ in range(count)
    ]


def target_of(position, competency) -> PositionTarget:
    return PositionTarget.objects.get(position=position, competency=competency)
