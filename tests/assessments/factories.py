from decimal import Decimal

import factory

from assessments.models import Assessment, CompetencyMapping
from tests.competencies.factories import CompetencyFactory


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    title = factory.Sequence(lambda n: f"Assessment {n}")
    category = "Assessment OJ"
    pass_percentage = Decimal(70)


class CompetencyMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyMapping

    competency = factory.SubFactory(CompetencyFactory)
    level_granted = 2
    assessment = None
    category = "Assessment OJ"
    title_pattern = ""
    minimum_score = None
