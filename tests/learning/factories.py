from datetime import timedelta

import factory
from django.utils import timezone

from idp.models import ActivityType
from learning.models import LearningObjective, LearningPhase, LearningPlan
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import UserFactory


class LearningPlanFactory(factory.django.DjangoModelFactory):
    """Direct creation, for test set-up; the application drafts plans through learning.services."""

    class Meta:
        model = LearningPlan

    employee = factory.SubFactory(UserFactory)
    drafted_by = factory.SelfAttribute("employee")


class LearningPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPhase

    plan = factory.SubFactory(LearningPlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda phase: f"Phase {phase.order}")
    weeks = 13


class LearningObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningObjective

    phase = factory.SubFactory(LearningPhaseFactory)
    plan = factory.SelfAttribute("phase.plan")
    competency = factory.SubFactory(CompetencyFactory)
    from_level = 1
    to_level = factory.LazyAttribute(lambda objective: objective.from_level + 1)
    activity_type = ActivityType.TRAINING
    specific = "Reach the level."
    measurable = "Pass the check."
    achievable = "One level."
    relevant = "The position needs it."
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(weeks=13))
    order = factory.Sequence(lambda n: n + 1)
