from datetime import timedelta

import factory
from django.utils import timezone

from competencies.models import PositionTarget
from surveys.models import SurveyRound
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory
from tests.hrportal.factories import HcUserFactory


def position_competencies(position, count: int = 3, target: int = 3) -> list:
    """`count` competencies with a target of `target` for `position` (what may be rated)."""
    return [
        PositionTargetFactory(position=position, competency=CompetencyFactory(), target_level=target).competency
        for _ in range(count)
    ]


def target_of(position, competency) -> PositionTarget:
    return PositionTarget.objects.get(position=position, competency=competency)


class SurveyRoundFactory(factory.django.DjangoModelFactory):
    """Direct creation, for test set-up only: nobody is told (the application saves rounds
    through surveys.rounds.survey_round_save). `sections=[...]`, `positions=[...]` choose the scope."""

    class Meta:
        model = SurveyRound
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Round {n}")
    opens_on = factory.LazyFunction(timezone.localdate)
    deadline = factory.LazyAttribute(lambda round_: round_.opens_on + timedelta(days=14))
    created_by = factory.SubFactory(HcUserFactory)

    @factory.post_generation
    def sections(self, create, extracted, **kwargs):
        if create and extracted:
            self.sections.set(extracted)

    @factory.post_generation
    def positions(self, create, extracted, **kwargs):
        if create and extracted:
            self.positions.set(extracted)
