"""Writes: recording a maturity assessment. Every door (page, seed, other apps) calls this."""

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrportal.access import require_hc
from hrportal.models import User
from hrportal.translated import LANGUAGES, column
from maturity.bands import maturity_band
from maturity.models import MaturityAnswer, MaturityAssessment, MaturityOption, MaturityQuestion

CENT = Decimal("0.01")


def percent_of(score: int, max_score: int) -> Decimal:
    """`score` as a percentage of `max_score`, to two places (87.5 % is a real score)."""
    return (Decimal(score) * 100 / Decimal(max_score)).quantize(CENT, rounding=ROUND_HALF_UP)


def maturity_assessment_record(
    *, answers: Mapping[int, int], by: User, answered_at: datetime | None = None
) -> MaturityAssessment:
    """Record HC's answers to the questionnaire as it stands: `answers` maps each active
    question's id to the id of the option chosen for it.

    Every active question must be answered, with one of its own options, and nothing else; the
    score is the sum of the chosen options' scores, out of the sum of each question's highest
    score. A ValidationError lists every problem, naming the questions; nothing is written then.
    The questions are locked while the answers are checked and copied, so an edit in the admin
    at the same moment waits rather than mixing two versions of the questionnaire.
    """
    require_hc(by, _("The maturity questionnaire is answered by HC staff."))
    when = answered_at or timezone.now()
    if when > timezone.now():
        raise ValidationError(_("A maturity assessment cannot be dated in the future."))
    with transaction.atomic():
        questions = list(MaturityQuestion.objects.select_for_update().filter(is_active=True).order_by("order", "pk"))
        options_by_question: dict[int, dict[int, MaturityOption]] = {question.pk: {} for question in questions}
        for option in MaturityOption.objects.filter(question__in=questions):
            options_by_question[option.question_id][option.pk] = option
        errors = _answer_problems(questions, options_by_question, answers)
        if errors:
            raise ValidationError(errors)
        max_score = sum(max(option.score for option in options_by_question[q.pk].values()) for q in questions)
        if max_score == 0:
            raise ValidationError(_("No answer of the questionnaire scores anything: HC must set the scores first."))
        chosen = [(question, options_by_question[question.pk][answers[question.pk]]) for question in questions]
        score = sum(option.score for _question, option in chosen)
        percent = percent_of(score, max_score)
        assessment = MaturityAssessment.objects.create(
            answered_at=when,
            answered_by=by,
            score=score,
            max_score=max_score,
            percent=percent,
            band=maturity_band(percent),
        )
        MaturityAnswer.objects.bulk_create(
            [
                _answer_copy(assessment, question, option, options_by_question[question.pk])
                for question, option in chosen
            ]
        )
    return assessment


def _answer_problems(
    questions: list[MaturityQuestion],
    options_by_question: dict[int, dict[int, MaturityOption]],
    answers: Mapping[int, int],
) -> list[str]:
    problems = []
    for question in questions:
        options = options_by_question[question.pk]
        if not options:
            problems.append(_("“%(question)s” has no answers to choose from yet.") % {"question": question.text})
        elif question.pk not in answers:
            problems.append(_("Answer “%(question)s”.") % {"question": question.text})
        elif answers[question.pk] not in options:
            problems.append(_("Choose one of the answers to “%(question)s”.") % {"question": question.text})
    if set(answers) - set(options_by_question):
        problems.append(_("The questionnaire changed while you answered it: look at it again and send it anew."))
    return problems


def _answer_copy(
    assessment: MaturityAssessment,
    question: MaturityQuestion,
    option: MaturityOption,
    options: dict[int, MaturityOption],
) -> MaturityAnswer:
    answer = MaturityAnswer(
        assessment=assessment,
        question=question,
        option=option,
        score=option.score,
        max_score=max(other.score for other in options.values()),
    )
    # Both languages as they are now (the original columns get the active language's, unread).
    for language in LANGUAGES:
        setattr(answer, column("question_text", language), getattr(question, column("text", language)))
        setattr(answer, column("option_text", language), getattr(option, column("text", language)))
    return answer
