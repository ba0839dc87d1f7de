"""HC's maturity pages through the browser's door: the overview with its history, the questionnaire."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from maturity.models import MaturityAssessment
from tests.maturity.factories import answers_scoring, questionnaire, record

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("maturity:overview")
ANSWER = reverse("maturity:answer")


def _post(questions, *scores) -> dict[str, str]:
    return {f"question_{question}": str(option) for question, option in answers_scoring(questions, *scores).items()}


@pytest.mark.parametrize("role", ["employee", "supervisor", "colleague"])
def test_only_hc_open_the_maturity_pages(client, cast, role):
    questions = questionnaire(1)
    client.force_login(getattr(cast, role))

    assert client.get(OVERVIEW).status_code == 403
    assert client.get(ANSWER).status_code == 403
    assert client.post(ANSWER, _post(questions, 4)).status_code == 403
    assert not MaturityAssessment.objects.exists()


def test_overview_before_any_assessment_says_so_and_links_to_the_questionnaire(client, cast):
    client.force_login(cast.hc)

    page = client.get(OVERVIEW).content.decode()

    assert "Nobody has answered the maturity questionnaire yet." in page
    assert f'href="{ANSWER}"' in page


def test_answering_records_the_score_and_the_overview_shows_it_with_its_history(client, cast):
    questions = questionnaire(3)
    record(questions, cast.hc, 0, 1, 1, answered_at=timezone.now() - timedelta(days=90))
    client.force_login(cast.hc)

    response = client.post(ANSWER, _post(questions, 4, 4, 2), follow=True)

    assert response.redirect_chain == [(OVERVIEW, 302)]
    page = response.content.decode()
    assert "Maturity recorded: 83.33%, band 5 · Optimising." in page
    assert '<div class="display-6" id="latest-percent">83.33%</div>' in page
    assert "10 of 12 points" in page
    history = page.split('id="maturity-history"')[1].split("</table>")[0]
    assert history.index("83.33%") < history.index("16.67%")  # newest first
    assert "1 · Initial" in history
    chart = json.loads(page.split('id="maturity-chart-data" type="application/json">')[1].split("</script>")[0])
    assert [point["percent"] for point in chart] == [16.67, 83.33]  # oldest first


def test_an_unanswered_question_is_named_and_the_other_answers_are_kept(client, cast):
    questions = questionnaire(3)
    data = _post(questions, 4, 4, 2)
    del data[f"question_{questions[1].pk}"]
    client.force_login(cast.hc)

    response = client.post(ANSWER, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Answer “{questions[1].text}”." in page
    assert f"Answer “{questions[0].text}”." not in page
    assert page.count(" checked>") == 2  # the two answers given are still chosen
    assert not MaturityAssessment.objects.exists()


def test_the_form_is_a_group_of_radios_per_question_with_a_legend(client, cast):
    questions = questionnaire(2)
    client.force_login(cast.hc)

    page = client.get(ANSWER).content.decode()

    assert page.count("<fieldset") == 2 and page.count("<legend") == 2
    assert page.count('type="radio"') == 10
    assert questions[0].text in page


def test_a_question_added_while_answering_is_asked_before_anything_is_recorded(client, cast):
    questions = questionnaire(2)
    data = _post(questions, 1, 1)
    added = questionnaire(1)[0]
    client.force_login(cast.hc)

    response = client.post(ANSWER, data)

    assert response.status_code == 200
    assert f"Answer “{added.text}”." in response.content.decode()
    assert not MaturityAssessment.objects.exists()


def test_a_question_retired_while_answering_no_longer_counts(client, cast):
    questions = questionnaire(2)
    data = _post(questions, 4, 0)
    questions[1].is_active = False
    questions[1].save()
    client.force_login(cast.hc)

    assert client.post(ANSWER, data).status_code == 302
    recorded = MaturityAssessment.objects.get()
    assert (recorded.score, recorded.max_score) == (4, 4)


def test_questions_and_answers_read_in_the_readers_language(client, cast):
    questions = questionnaire(1)
    questions[0].text_ind = "Apakah kerangka kompetensi ada?"
    questions[0].save()
    option = questions[0].options.get(score=4)
    option.text_ind = "Ya, untuk seluruh organisasi."
    option.save()
    cast.hc.language = "id"
    cast.hc.save(update_fields=["language"])
    client.force_login(cast.hc)

    page = client.get(ANSWER).content.decode()

    assert "Apakah kerangka kompetensi ada?" in page and "Ya, untuk seluruh organisasi." in page
    assert "Kuesioner kematangan" in page
    with translation.override("id"):
        assert questions[0].options.get(score=3).text in page  # no Indonesian text: the English one


@pytest.mark.parametrize("size", [3, 30])
def test_the_overview_costs_the_same_queries_at_two_sizes(client, cast, django_assert_max_num_queries, size):
    questions = questionnaire(9)
    start = timezone.now() - timedelta(days=30 * size)
    for i in range(size):
        record(questions, cast.hc, *[(i + q) % 5 for q in range(9)], answered_at=start + timedelta(days=30 * i))
    client.force_login(cast.hc)
    # 1 session, 2 viewer, 3 viewer's HC group (require_hc), 4 every assessment with who answered
    # it, 5 navbar's direct reports, 6 navbar's unread count:
    with django_assert_max_num_queries(6):
        response = client.get(OVERVIEW)
    assert len(response.context["history"]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_the_questionnaire_costs_the_same_queries_at_two_sizes(client, cast, django_assert_max_num_queries, size):
    questionnaire(size)
    client.force_login(cast.hc)
    # 1 session, 2 viewer, 3 viewer's HC group, 4 the active questions, 5 their options,
    # 6 navbar's direct reports, 7 navbar's unread count:
    with django_assert_max_num_queries(7):
        response = client.get(ANSWER)
    assert response.content.decode().count("<fieldset") == size
