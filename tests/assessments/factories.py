from decimal import Decimal

import factory

from assessments.models import AnswerOption, Assessment, CompetencyMapping, Question, QuestionKind
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


class QuestionFactory(factory.django.DjangoModelFactory):
    """A single-choice question with three options, the first one right (`options__correct`)."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    assessment = factory.SubFactory(AssessmentFactory, is_published=True)
    number = factory.Sequence(lambda n: n + 1)
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"Question {n}?")
    points = Decimal(1)

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        """`options=[("Right", True), ("Wrong", False)]`; by default three, the first right.
        Not for true/false or short-answer questions, which have no options."""
        if not create or self.kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            return
        specs = (
            extracted if extracted is not None else [("Right answer", True), ("Wrong one", False), ("Wrong two", False)]
        )
        for order, (text, correct) in enumerate(specs):
            AnswerOption.objects.create(question=self, order=order, text=text, is_correct=correct)


def published_assessment(*, questions: int = 3, **fields) -> Assessment:
    """A published online assessment with `questions` single-choice questions."""
    fields.setdefault("shuffle_questions", False)
    fields.setdefault("shuffle_options", False)
    assessment = AssessmentFactory(is_published=True, **fields)
    for number in range(1, questions + 1):
        QuestionFactory(assessment=assessment, number=number, text=f"Question {number}?")
    return assessment
