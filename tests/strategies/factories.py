import factory

from strategies.models import Strategy, StrategyTarget


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    name = factory.Sequence(lambda n: f"Strategy {n}")
    description = "What the strategy aims for."
    maturity_min = 0
    maturity_max = 100


class StrategyTargetFactory(factory.django.DjangoModelFactory):
    """A row for a competency or (skill_group=...) a skill group; position None: every position."""

    class Meta:
        model = StrategyTarget

    strategy = factory.SubFactory(StrategyFactory)
    competency = None
    skill_group = None
    position = None
    target_level = 3
