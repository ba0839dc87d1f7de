import factory

from maturity.models import MaturityOption, MaturityQuestion
from maturity.services import maturity_assessment_record


class MaturityQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaturityQuestion

    area = "Framework"
    text = factory.Sequence(lambda n: f"Question {n}?")
    order = factory.Sequence(lambda n: n)


class MaturityOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaturityOption

    question = factory.SubFactory(MaturityQuestionFactory)
    text = factory.Sequence(lambda n: f"Answer {n}")
    score = 0
    order = factory.Sequence(lambda n: n)


def questionnaire(questions: int = 3, scores: tuple[int, ...] = (0, 1, 2, 3, 4)) -> list[MaturityQuestion]:
    """`questions` active questions, each with one option per score in `scores`."""
    made = []
    for _ in range(questions):
        question = MaturityQuestionFactory()
        for score in scores:
            MaturityOptionFactory(question=question, score=score, text=f"{question.text} scores {score}")
        made.append(question)
    return made


def answers_scoring(questions: list[MaturityQuestion], *scores: int) -> dict[int, int]:
    """The answers choosing, for each question in turn, its option of that score."""
    return {
        question.pk: question.options.get(score=score).pk for question, score in zip(questions, scores, strict=True)
    }


def record(questions: list[MaturityQuestion], by, *scores: int, **kwargs):
    return maturity_assessment_record(answers=answers_scoring(questions, *scores), by=by, **kwargs)
