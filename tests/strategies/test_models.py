import pytest
from django.db import IntegrityError, transaction

from strategies.models import Strategy
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import PositionFactory
from tests.strategies.factories import StrategyFactory, StrategyTargetFactory

pytestmark = pytest.mark.django_db


def _refused(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StrategyTargetFactory(**fields)


def test_a_row_names_exactly_one_of_a_competency_and_a_skill_group():
    competency = CompetencyFactory()
    strategy = StrategyFactory()
    _refused(strategy=strategy)
    _refused(strategy=strategy, competency=competency, skill_group=competency.group)
    StrategyTargetFactory(strategy=strategy, competency=competency)
    StrategyTargetFactory(strategy=strategy, skill_group=competency.group)


def test_the_database_refuses_a_level_above_5():
    _refused(competency=CompetencyFactory(), target_level=6)


def test_one_row_per_competency_or_group_and_position_every_position_included():
    competency, position = CompetencyFactory(), PositionFactory()
    strategy = StrategyFactory()
    StrategyTargetFactory(strategy=strategy, competency=competency)
    StrategyTargetFactory(strategy=strategy, competency=competency, position=position)
    _refused(strategy=strategy, competency=competency)
    _refused(strategy=strategy, competency=competency, position=position)
    StrategyTargetFactory(strategy=strategy, skill_group=competency.group)
    _refused(strategy=strategy, skill_group=competency.group)


@pytest.mark.parametrize(("low", "high"), [(50, 40), (0, 101)])
def test_the_database_refuses_a_maturity_band_that_is_reversed_or_beyond_100(low, high):
    with pytest.raises(IntegrityError), transaction.atomic():
        StrategyFactory(maturity_min=low, maturity_max=high)


@pytest.mark.parametrize(
    ("percent", "suggested"), [(None, False), (39.99, False), (40, True), (75, True), (75.5, False)]
)
def test_a_strategy_is_suggested_for_scores_within_its_band_both_ends_included(percent, suggested):
    assert Strategy(maturity_min=40, maturity_max=75).suggested_for(percent) is suggested
