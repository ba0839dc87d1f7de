"""Recording a maturity assessment: the score, the band, the rules on answers, and history kept."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from hrportal.models import AuditEntry
from maturity.bands import MaturityBand, maturity_band
from maturity.models import MaturityAnswer, MaturityAssessment, MaturityOption, MaturityQuestion
from maturity.selectors import maturity_history, maturity_latest
from maturity.services import maturity_assessment_record
from tests.maturity.factories import MaturityOptionFactory, answers_scoring, questionnaire, record

pytestmark = pytest.mark.django_db


def test_score_is_the_sum_of_the_chosen_options_out_of_each_questions_best(cast):
    questions = questionnaire(3)

    assessment = record(questions, cast.hc, 4, 2, 1)

    assert (assessment.score, assessment.max_score, assessment.percent) == (7, 12, Decimal("58.33"))
    assert assessment.band == MaturityBand.DEFINED
    assert assessment.answered_by == cast.hc
    assert assessment.answers.count() == 3


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        ("0", MaturityBand.INITIAL),
        ("19.99", MaturityBand.INITIAL),
        ("20", MaturityBand.MANAGED),
        ("39.99", MaturityBand.MANAGED),
        ("40", MaturityBand.DEFINED),
        ("60", MaturityBand.MEASURED),
        ("79.99", MaturityBand.MEASURED),
        ("80", MaturityBand.OPTIMISING),
        ("100", MaturityBand.OPTIMISING),
    ],
)
def test_band_by_percent(percent, band):
    assert maturity_band(Decimal(percent)) == band


def test_an_unanswered_question_is_named_and_nothing_is_recorded(cast):
    questions = questionnaire(3)
    answers = answers_scoring(questions, 1, 1, 1)
    del answers[questions[1].pk]

    with pytest.raises(ValidationError) as refused:
        maturity_assessment_record(answers=answers, by=cast.hc)

    assert refused.value.messages == [f"Answer “{questions[1].text}”."]
    assert not MaturityAssessment.objects.exists()


def test_an_option_of_another_question_is_refused(cast):
    first, second = questionnaire(2)
    answers = {first.pk: second.options.first().pk, second.pk: second.options.first().pk}

    with pytest.raises(ValidationError) as refused:
        maturity_assessment_record(answers=answers, by=cast.hc)

    assert refused.value.messages == [f"Choose one of the answers to “{first.text}”."]
    assert not MaturityAssessment.objects.exists()


def test_an_answer_to_a_retired_question_is_refused(cast):
    questions = questionnaire(2)
    answers = answers_scoring(questions, 1, 1)
    MaturityQuestion.objects.filter(pk=questions[1].pk).update(is_active=False)

    with pytest.raises(ValidationError) as refused:
        maturity_assessment_record(answers=answers, by=cast.hc)

    assert "The questionnaire changed" in refused.value.messages[0]
    assert not MaturityAssessment.objects.exists()


def test_retired_questions_are_not_asked_and_do_not_count(cast):
    active, retired = questionnaire(2)
    retired.is_active = False
    retired.save()

    assessment = record([active], cast.hc, 2)

    assert (assessment.score, assessment.max_score, assessment.percent) == (2, 4, Decimal("50.00"))


def test_a_question_without_options_cannot_be_answered(cast):
    questions = questionnaire(1)
    empty = MaturityQuestion.objects.create(text="Is anything measured?", order=99)

    with pytest.raises(ValidationError) as refused:
        record(questions, cast.hc, 3)

    assert refused.value.messages == [f"“{empty.text}” has no answers to choose from yet."]


def test_a_questionnaire_that_scores_nothing_is_refused(cast):
    questions = questionnaire(2, scores=(0,))

    with pytest.raises(ValidationError):
        record(questions, cast.hc, 0, 0)
    assert not MaturityAssessment.objects.exists()


def test_only_hc_answer_the_questionnaire(cast):
    questions = questionnaire(1)

    for person in (cast.employee, cast.supervisor):
        with pytest.raises(PermissionDenied):
            record(questions, person, 2)
    assert not MaturityAssessment.objects.exists()


def test_an_assessment_cannot_be_dated_in_the_future(cast):
    questions = questionnaire(1)

    with pytest.raises(ValidationError):
        record(questions, cast.hc, 2, answered_at=timezone.now() + timedelta(days=1))


def test_history_keeps_its_scores_and_texts_when_the_questionnaire_changes(cast):
    questions = questionnaire(2)
    questions[0].text_ind = "Pertanyaan pertama?"
    questions[0].save()
    first = record(questions, cast.hc, 4, 4)
    # HC later rewrite a question, rescore its best option and add a question.
    question = MaturityQuestion.objects.get(pk=questions[0].pk)
    question.text_en = "Rewritten?"
    question.save()
    MaturityOption.objects.filter(question=question, score=4).update(score=10)
    MaturityOptionFactory(question=MaturityQuestion.objects.create(text="New?", order=50), score=4)

    first.refresh_from_db()
    answer = MaturityAnswer.objects.get(assessment=first, question=question)
    assert (first.score, first.max_score, first.percent, first.band) == (
        8,
        8,
        Decimal("100.00"),
        MaturityBand.OPTIMISING,
    )
    assert (answer.question_text_en, answer.question_text_ind, answer.score) == (
        questions[0].text,
        "Pertanyaan pertama?",
        4,
    )
    with translation.override("id"):
        assert MaturityAnswer.objects.get(pk=answer.pk).question_text == "Pertanyaan pertama?"


def test_selectors_give_the_latest_and_the_history_newest_first(cast, django_assert_num_queries):
    questions = questionnaire(2)
    assert maturity_latest() is None
    older = record(questions, cast.hc, 1, 1, answered_at=timezone.now() - timedelta(days=60))
    newer = record(questions, cast.hc, 4, 3)

    with django_assert_num_queries(1):  # the latest assessment with its author
        latest = maturity_latest()
    with django_assert_num_queries(1):  # every assessment with its author
        history = maturity_history()

    assert latest is not None
    assert (latest.id, latest.percent, latest.band, latest.answered_by) == (
        newer.pk,
        Decimal("87.50"),
        MaturityBand.OPTIMISING,
        cast.hc.get_full_name(),
    )
    assert [score.id for score in history] == [newer.pk, older.pk]
    assert history[1].band_label == "2 · Managed"  # 2 of 8


def test_assessments_are_in_the_audit_trail(cast):
    assessment = record(questionnaire(1), cast.hc, 3)

    assert AuditEntry.objects.get_for_object(assessment).exists()


def test_default_questionnaire_loads_from_its_fixture_in_both_languages(cast):
    call_command("loaddata", "maturity_default", verbosity=0)

    questions = list(MaturityQuestion.objects.filter(is_active=True).prefetch_related("options"))
    assert 8 <= len(questions) <= 10
    for question in questions:
        assert question.text_en and question.text_ind and question.text_en != question.text_ind
        assert sorted(option.score for option in question.options.all()) == [0, 1, 2, 3, 4]
        assert all(option.text_en and option.text_ind for option in question.options.all())
    best = {question.pk: max(question.options.all(), key=lambda option: option.score).pk for question in questions}
    assert maturity_assessment_record(answers=best, by=cast.hc).percent == Decimal("100.00")
