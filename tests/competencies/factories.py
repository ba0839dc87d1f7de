import factory

from competencies.models import Competency, LevelDescriptor, LevelSource, PositionTarget, SkillGroup
from competencies.services import level_raise
from tests.hrportal.factories import PositionFactory


class SkillGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkillGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill group {n}")


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"Competency {n}")
    definition = "What this competency means."
    group = factory.SubFactory(SkillGroupFactory)


class LevelDescriptorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LevelDescriptor

    competency = factory.SubFactory(CompetencyFactory)
    level = 1
    behaviour_indicators = "Does the thing."
    syllabus = "Course on the thing."
    deliverable = "A report on the thing."


class PositionTargetFactory(factory.django.DjangoModelFactory):
    """Direct creation, for test set-up only; the application writes targets via target_set."""

    class Meta:
        model = PositionTarget

    position = factory.SubFactory(PositionFactory)
    competency = factory.SubFactory(CompetencyFactory)
    target_level = 3


def give_level(employee, competency, level: int, note: str = "Course"):
    """Raise a level through the service (source training), as an HC-verified course would."""
    return level_raise(
        employee=employee,
        competency=competency,
        level=level,
        source=LevelSource.TRAINING,
        evidence=None,
        evidence_note=note,
        by=None,
    )
