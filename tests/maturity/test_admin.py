"""HC keep the questionnaire in the admin; recorded assessments are history there: read-only."""

import pytest
from django.urls import reverse

from maturity.models import MaturityAssessment, MaturityOption, MaturityQuestion
from tests.maturity.factories import questionnaire, record

pytestmark = pytest.mark.django_db


def _question_form(options: list[tuple[str, str, int]], **fields) -> dict[str, str]:
    data = {
        "order": "5",
        "area_en": "Learning",
        "area_ind": "Pembelajaran",
        "text_en": "Is training chosen from gaps?",
        "text_ind": "Apakah pelatihan dipilih dari kesenjangan?",
        "help_text_en": "",
        "help_text_ind": "",
        "is_active": "on",
        "options-TOTAL_FORMS": str(len(options)),
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, (english, indonesian, score) in enumerate(options):
        data |= {
            f"options-{index}-order": str(index),
            f"options-{index}-text_en": english,
            f"options-{index}-text_ind": indonesian,
            f"options-{index}-score": str(score),
        }
    return data


def test_hc_add_a_question_with_its_scored_answers_in_both_languages(client, cast):
    client.force_login(cast.hc)

    response = client.post(
        reverse("admin:maturity_maturityquestion_add"),
        _question_form([("Never.", "Tidak pernah.", 0), ("Always.", "Selalu.", 4)]),
    )

    assert response.status_code == 302
    question = MaturityQuestion.objects.get()
    assert (question.text_en, question.text_ind) == (
        "Is training chosen from gaps?",
        "Apakah pelatihan dipilih dari kesenjangan?",
    )
    assert [(option.text_ind, option.score) for option in question.options.order_by("order")] == [
        ("Tidak pernah.", 0),
        ("Selalu.", 4),
    ]


def test_an_active_question_needs_two_answers(client, cast):
    client.force_login(cast.hc)

    response = client.post(reverse("admin:maturity_maturityquestion_add"), _question_form([("Never.", "", 0)]))

    assert response.status_code == 200
    assert "An active question needs at least two answers to choose from." in response.content.decode()
    assert not MaturityQuestion.objects.exists()


def test_a_question_that_history_refers_to_is_not_deleted(client, cast):
    questions = questionnaire(1)
    record(questions, cast.hc, 2)
    client.force_login(cast.hc)

    client.post(reverse("admin:maturity_maturityquestion_delete", args=[questions[0].pk]), {"post": "yes"})

    assert MaturityQuestion.objects.filter(pk=questions[0].pk).exists()
    assert MaturityOption.objects.filter(question=questions[0]).count() == 5


def test_recorded_assessments_are_read_only_for_everyone(client, cast, django_user_model):
    assessment = record(questionnaire(2), cast.hc, 2, 3)
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw", employee_number=None)
    for person in (cast.hc, superuser):
        client.force_login(person)

        page = client.get(reverse("admin:maturity_maturityassessment_change", args=[assessment.pk]))
        changed = client.post(
            reverse("admin:maturity_maturityassessment_change", args=[assessment.pk]), {"score": "8", "percent": "100"}
        )
        deleted = client.post(
            reverse("admin:maturity_maturityassessment_delete", args=[assessment.pk]), {"post": "yes"}
        )

        assert page.status_code == 200 and "Question" in page.content.decode()
        assert changed.status_code == 403 and deleted.status_code == 403
        assert client.get(reverse("admin:maturity_maturityassessment_add")).status_code == 403
    assessment.refresh_from_db()
    assert (assessment.score, assessment.answers.count()) == (5, 2)
    assert MaturityAssessment.objects.count() == 1
