"""HC authors online assessments in the admin: question banks, publishing, previewing; and
reads attempts, which only the attempt services write."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import AnswerOption, Assessment, Attempt, AttemptStatus, QuestionKind
from tests.assessments.factories import AssessmentFactory, QuestionFactory, published_assessment
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGE = "admin:assessments_assessment_change"


def change_url(assessment: Assessment) -> str:
    return reverse(CHANGE, args=[assessment.pk])


def _inline_management(response) -> dict[str, str]:
    """The management forms (and existing rows' ids) of the change page's inlines, as a browser posts them."""
    data: dict[str, str] = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            value = management[name].value()
            data[f"{formset.prefix}-{name}"] = "" if value is None else str(value)
        for form in formset.initial_forms:
            data[f"{form.prefix}-id"] = str(form.instance.pk)
            data[f"{form.prefix}-assessment"] = str(form.instance.assessment_id)
    return data


def assessment_form(client: Client, assessment: Assessment, **changes) -> dict[str, str]:
    """What the change form posts for `assessment` as it is, with `changes` (None leaves a field out)."""
    response = client.get(change_url(assessment))
    assert response.status_code == 200
    data = {
        "title": assessment.title,
        "category": assessment.category,
        "pass_percentage": str(assessment.pass_percentage),
        "instructions": assessment.instructions,
        "time_limit_minutes": str(assessment.time_limit_minutes),
        "questions_per_attempt": str(assessment.questions_per_attempt or ""),
        "shuffle_questions": "on" if assessment.shuffle_questions else None,
        "shuffle_options": "on" if assessment.shuffle_options else None,
        "draw_per_competency": "on" if assessment.draw_per_competency else None,
        "max_attempts": str(assessment.max_attempts or ""),
        "cooldown_minutes": str(assessment.cooldown_minutes),
        "opens_at_0": "",
        "opens_at_1": "",
        "closes_at_0": "",
        "closes_at_1": "",
        "review_policy": assessment.review_policy,
        "flag_threshold": str(assessment.flag_threshold or ""),
        "audience": assessment.audience,
        "is_published": "on" if assessment.is_published else None,
        "requires_fullscreen": "on" if assessment.requires_fullscreen else None,
        **_inline_management(response),
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def publish(client: Client, assessment: Assessment, **changes):
    return client.post(change_url(assessment), assessment_form(client, assessment, is_published="on", **changes))


def errors_of(response) -> str:
    return html.unescape(response.content.decode())


# Publishing is refused, with a message naming the problem, until the bank is ready.


def _draft(**fields) -> Assessment:
    return AssessmentFactory(is_published=False, **fields)


def _no_questions() -> Assessment:
    return _draft()


def _single_with_one_option() -> Assessment:
    assessment = _draft()
    QuestionFactory(assessment=assessment, number=1, options=[("Only one", True)])
    return assessment


def _single_with_two_correct() -> Assessment:
    assessment = _draft()
    QuestionFactory(assessment=assessment, number=1, options=[("A", True), ("B", True), ("C", False)])
    return assessment


def _multiple_with_none_correct() -> Assessment:
    assessment = _draft()
    QuestionFactory(assessment=assessment, number=1, kind=QuestionKind.MULTIPLE, options=[("A", False), ("B", False)])
    return assessment


def _true_false_without_answer() -> Assessment:
    assessment = _draft()
    QuestionFactory(assessment=assessment, number=1, kind=QuestionKind.TRUE_FALSE, true_false_answer=None)
    return assessment


def _true_false_with_options() -> Assessment:
    assessment = _draft()
    question = QuestionFactory(assessment=assessment, number=1, kind=QuestionKind.TRUE_FALSE, true_false_answer=True)
    AnswerOption.objects.create(question=question, text="Yes", is_correct=True)
    return assessment


def _short_answer_without_answers() -> Assessment:
    assessment = _draft()
    QuestionFactory(assessment=assessment, number=1, kind=QuestionKind.SHORT_ANSWER, accepted_answers="")
    return assessment


def _short_answer_with_options() -> Assessment:
    assessment = _draft()
    question = QuestionFactory(assessment=assessment, number=1, kind=QuestionKind.SHORT_ANSWER, accepted_answers="PTW")
    AnswerOption.objects.create(question=question, text="PTW", is_correct=True)
    return assessment


def _partial_credit_on_single_choice() -> Assessment:
    assessment = _draft()
    QuestionFactory(assessment=assessment, number=1, partial_credit=True)
    return assessment


def _draws_more_than_the_bank() -> Assessment:
    assessment = _draft(questions_per_attempt=5)
    for number in (1, 2, 3):
        QuestionFactory(assessment=assessment, number=number)
    return assessment


def _draws_more_than_a_tag_has() -> Assessment:
    assessment = _draft(questions_per_attempt=2, draw_per_competency=True)
    safety, welding = CompetencyFactory(code="SAF"), CompetencyFactory(code="WLD")
    for number, competency in enumerate([safety, safety, welding], start=1):
        QuestionFactory(assessment=assessment, number=number, competency=competency)
    return assessment


def _closed_window() -> Assessment:
    assessment = _draft()
    QuestionFactory(assessment=assessment, number=1)
    return assessment


PUBLISH_PROBLEMS = [
    (_no_questions, {}, "It has no questions"),
    (_single_with_one_option, {}, "Question 1: A choice question needs at least two options (it has 1)."),
    (_single_with_two_correct, {}, "Question 1: A single-choice question needs exactly one correct option (it has 2)."),
    (_multiple_with_none_correct, {}, "Question 1: A multiple-choice question needs at least one correct option."),
    (_true_false_without_answer, {}, "Question 1: A true-or-false question needs its answer"),
    (_true_false_with_options, {}, "Question 1: A true-or-false question has no answer options: remove them."),
    (_short_answer_without_answers, {}, "Question 1: A short-answer question needs at least one accepted answer."),
    (_short_answer_with_options, {}, "Question 1: A short-answer question has no answer options: remove them."),
    (_partial_credit_on_single_choice, {}, "Question 1: Partial credit is for multiple-choice questions only."),
    (_draws_more_than_the_bank, {}, "It draws 5 questions per attempt, but its bank has only 3 questions."),
    (_draws_more_than_a_tag_has, {}, "It draws 2 questions per competency tag, but WLD tags only 1 question."),
    (_closed_window, {"closes_at_0": "2020-01-01", "closes_at_1": "09:00:00"}, "Its window closed on"),
]


@pytest.mark.parametrize(
    ("make", "changes", "message"), PUBLISH_PROBLEMS, ids=[p[0].__name__ for p in PUBLISH_PROBLEMS]
)
def test_publishing_is_refused_while_the_assessment_is_not_ready(client, cast, make, changes, message):
    assessment = make()
    client.force_login(cast.hc)
    response = publish(client, assessment, **changes)
    assert response.status_code == 200
    page = errors_of(response)
    assert "It cannot be published yet:" in page
    assert message in page
    assessment.refresh_from_db()
    assert not assessment.is_published


def test_a_draft_may_be_saved_in_any_state(client, cast):
    assessment = _single_with_two_correct()
    client.force_login(cast.hc)
    response = client.post(change_url(assessment), assessment_form(client, assessment, title="Draft, renamed"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.title, assessment.is_published) == ("Draft, renamed", False)
    # The page says what is still missing before it can be published.
    page = errors_of(client.get(change_url(assessment)))
    assert "A single-choice question needs exactly one correct option (it has 2)." in page


def test_a_published_assessment_cannot_be_changed_into_one_that_is_not_ready(client, cast):
    assessment = published_assessment(questions=3)
    client.force_login(cast.hc)
    response = client.post(change_url(assessment), assessment_form(client, assessment, questions_per_attempt="4"))
    assert "It draws 4 questions per attempt, but its bank has only 3 questions." in errors_of(response)
    assessment.refresh_from_db()
    assert assessment.questions_per_attempt is None


def test_a_new_assessment_cannot_be_published_before_it_has_questions(client, cast):
    client.force_login(cast.hc)
    data = {
        "title": "Permit to work",
        "category": "Assessment OJ",
        "pass_percentage": "70",
        "time_limit_minutes": "30",
        "cooldown_minutes": "0",
        "review_policy": "answers",
        "audience": "everyone",
        "is_published": "on",
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "mappings-TOTAL_FORMS": "0",
        "mappings-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:assessments_assessment_add"), data)
    assert "It has no questions" in errors_of(response)
    assert not Assessment.objects.exists()
    del data["is_published"]
    assert client.post(reverse("admin:assessments_assessment_add"), data).status_code == 302
    assert Assessment.objects.get().is_published is False


# HC builds a bank in the admin and publishes it.


def _question_form(assessment: Assessment, number: int, kind: str, text: str, options=(), **fields) -> dict[str, str]:
    data = {
        "assessment": str(assessment.pk),
        "number": str(number),
        "kind": kind,
        "text": text,
        "points": "1",
        "competency": "",
        "accepted_answers": "",
        "explanation": "",
        "true_false_answer": "unknown",
        "options-TOTAL_FORMS": str(len(options)),
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "8",
        **fields,
    }
    for index, (option_text, correct) in enumerate(options):
        data[f"options-{index}-order"] = str(index)
        data[f"options-{index}-text"] = option_text
        if correct:
            data[f"options-{index}-is_correct"] = "on"
    return data


def test_hc_builds_a_bank_in_the_admin_and_publishes_it(client, cast):
    assessment = _draft(title="Permit to work")
    competency = CompetencyFactory(code="PTW")
    client.force_login(cast.hc)
    page = client.get(change_url(assessment)).content.decode()
    add_url = reverse("admin:assessments_question_add") + f"?assessment={assessment.pk}"
    assert f'href="{html.escape(add_url)}"' in page

    # The add page starts at the next free number of that assessment.
    form = client.get(add_url).context["adminform"].form
    assert form.initial["number"] == 1

    add = reverse("admin:assessments_question_add")
    single = _question_form(
        assessment,
        1,
        "single",
        "Who signs a permit?",
        [("The area authority", True), ("Anyone", False)],
        competency=str(competency.pk),
        _addanother="1",
    )
    response = client.post(add, single)
    assert response.status_code == 302
    assert response["Location"] == add_url  # "Save and add another" stays on this assessment
    response = client.post(
        add, _question_form(assessment, 2, "true_false", "A permit lasts forever.", true_false_answer="false")
    )
    assert response["Location"] == change_url(assessment)
    response = client.post(
        add,
        _question_form(assessment, 3, "short_answer", "What does PTW stand for?", accepted_answers="Permit to work"),
    )
    assert response.status_code == 302

    assert [q.kind for q in assessment.questions.all()] == ["single", "true_false", "short_answer"]
    assert list(assessment.questions.get(number=1).options.values_list("text", "is_correct")) == [
        ("The area authority", True),
        ("Anyone", False),
    ]
    page = client.get(change_url(assessment)).content.decode()
    assert "Who signs a permit?" in page and "Edit question 3" in page

    response = publish(client, assessment)
    assert response.status_code == 302, errors_of(response)
    assessment.refresh_from_db()
    assert assessment.is_published


def test_saving_a_draft_question_that_is_not_ready_warns(client, cast):
    assessment = _draft()
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:assessments_question_add"),
        _question_form(assessment, 1, "single", "Pick one", [("A", False), ("B", False)]),
        follow=True,
    )
    assert "Saved, but question 1 is not ready to publish" in errors_of(response)
    assert assessment.questions.count() == 1


def test_a_question_of_a_published_assessment_must_stay_ready(client, cast):
    assessment = published_assessment(questions=2)
    question = assessment.questions.get(number=1)
    client.force_login(cast.hc)
    url = reverse("admin:assessments_question_change", args=[question.pk])
    data = _question_form(assessment, 1, "single", question.text)
    options = list(question.options.all())
    data.update({"options-TOTAL_FORMS": str(len(options)), "options-INITIAL_FORMS": str(len(options))})
    for index, option in enumerate(options):
        data.update(
            {
                f"options-{index}-id": str(option.pk),
                f"options-{index}-question": str(question.pk),
                f"options-{index}-order": str(option.order),
                f"options-{index}-text": option.text,
            }
        )  # every "correct" box left unticked
    response = client.post(url, data)
    page = errors_of(response)
    assert "The assessment is published, so this question must stay ready to take:" in page
    assert "A single-choice question needs exactly one correct option (it has 0)." in page
    assert question.options.filter(is_correct=True).count() == 1

    # Nor can it be deleted: the bank of a published assessment shrinks only through an import.
    assert client.get(reverse("admin:assessments_question_delete", args=[question.pk])).status_code == 403
    draft_question = QuestionFactory(assessment=_draft())
    assert client.get(reverse("admin:assessments_question_delete", args=[draft_question.pk])).status_code == 200


def test_questions_are_listed_and_filtered_by_assessment_kind_and_competency(client, cast):
    safety = CompetencyFactory(code="SAF")
    first, second = _draft(title="First"), _draft(title="Second")
    QuestionFactory(assessment=first, number=1, text="About permits", competency=safety)
    QuestionFactory(
        assessment=second, number=1, text="About welding", kind=QuestionKind.TRUE_FALSE, true_false_answer=True
    )
    client.force_login(cast.hc)
    changelist = reverse("admin:assessments_question_changelist")
    page = client.get(changelist, {"assessment__id__exact": first.pk}).content.decode()
    assert "About permits" in page and "About welding" not in page
    page = client.get(changelist, {"kind__exact": "true_false"}).content.decode()
    assert "About welding" in page and "About permits" not in page
    page = client.get(changelist, {"competency__id__exact": safety.pk}).content.decode()
    assert "About permits" in page and "About welding" not in page


def test_the_competency_tag_and_the_eligible_people_use_autocomplete(client, cast):
    client.force_login(cast.hc)
    form = client.get(reverse("admin:assessments_question_add")).context["adminform"].form
    assert type(form.fields["competency"].widget.widget).__name__ == "AutocompleteSelect"
    form = client.get(reverse("admin:assessments_assessment_add")).context["adminform"].form
    for name in ("eligible_positions", "eligible_sections", "eligible_employees"):
        assert type(form.fields[name].widget.widget).__name__ == "AutocompleteSelectMultiple"


# Previewing as a taker


def test_the_change_page_has_a_preview_button_that_posts_to_the_preview(client, cast):
    assessment = published_assessment(questions=1)
    client.force_login(cast.hc)
    page = client.get(change_url(assessment)).content.decode()
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    preview = [body for action, body in forms if action == reverse("assessments:preview", args=[assessment.pk])]
    assert len(preview) == 1
    assert 'name="csrfmiddlewaretoken"' in preview[0]
    assert "Preview as a taker" in preview[0]
    # Not on the add page: there is nothing to preview yet.
    assert "Preview as a taker" not in client.get(reverse("admin:assessments_assessment_add")).content.decode()


# Attempts: read-only in the admin


def _attempt(assessment: Assessment, employee, **fields) -> Attempt:
    started = timezone.now() - timedelta(minutes=20)
    return Attempt.objects.create(
        assessment=assessment, employee=employee, started_at=started, deadline=started + timedelta(minutes=30), **fields
    )


def test_attempts_are_read_only_in_the_admin(client, cast):
    assessment = published_assessment(questions=1)
    attempt = _attempt(
        assessment,
        cast.employee,
        status=AttemptStatus.FINISHED,
        finished_at=timezone.now(),
        score=Decimal(80),
        passed=True,
        integrity_points=7,
        review_status="flagged",
    )
    client.force_login(cast.hc)
    page = errors_of(client.get(reverse("admin:assessments_attempt_changelist")))
    assert str(cast.employee) in page and assessment.title in page and "Flagged for review" in page
    assert reverse("admin:assessments_attempt_add") not in page

    assert client.get(reverse("admin:assessments_attempt_add")).status_code == 403
    detail = client.get(reverse("admin:assessments_attempt_change", args=[attempt.pk]))
    assert detail.status_code == 200
    assert 'name="score"' not in detail.content.decode()
    assert reverse("assessments:review_attempt", args=[attempt.pk]) in detail.content.decode()
    client.post(
        reverse("admin:assessments_attempt_change", args=[attempt.pk]), {"score": "10", "integrity_points": "0"}
    )
    assert client.get(reverse("admin:assessments_attempt_delete", args=[attempt.pk])).status_code == 403
    assert (
        client.post(reverse("admin:assessments_attempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code == 403
    )
    attempt.refresh_from_db()
    assert (attempt.score, attempt.integrity_points) == (Decimal(80), 7)


# The assessment list: clear columns, a fixed number of queries


@pytest.mark.parametrize("size", [3, 30])
def test_the_assessment_list_costs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, size):
    takers = UserFactory.create_batch(3)
    for index in range(size):
        assessment = published_assessment(questions=2, title=f"Exam {index:02d}", time_limit_minutes=45)
        for taker in takers:
            _attempt(assessment, taker, status=AttemptStatus.IN_PROGRESS)
        _attempt(assessment, cast.hc, is_preview=True)
    client.force_login(cast.hc)
    # 1 session, 2 the HC user, 3 their own permissions, 4 their groups' permissions,
    # 5 the count of the filtered assessments, 6 the count of all of them, 7 the page of
    # assessments with their question, attempt and result counts (one subquery each, in the
    # same query), 8 whether the viewer is in the HC group (the admin's header), 9 the
    # category filter's choices. As many for 30 assessments as for 3.
    with django_assert_num_queries(9):
        response = client.get(reverse("admin:assessments_assessment_changelist"))
    page = errors_of(response)
    assert "Exam 00" in page
    row = re.search(r"<tr>.*?Exam 00.*?</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="field-([a-z_]+)[^"]*">(.*?)</td>', row.group(0), re.S)
    values = {name: re.sub(r"<[^>]+>", "", value).strip() for name, value in cells}
    assert values["question_count"] == "2"
    assert values["attempt_count"] == "3"  # the HC member's preview does not count
    assert values["time_limit"] == "45 min"
    assert values["window"] == "always"


def test_the_attempt_list_tells_hc_previews_from_employees_attempts(client, cast):
    assessment = published_assessment(questions=1, title="Permit to work")
    _attempt(assessment, cast.employee)
    _attempt(assessment, cast.hc, is_preview=True)
    client.force_login(cast.hc)
    changelist = reverse("admin:assessments_attempt_changelist")
    assert "In progress (HC preview)" in client.get(changelist).content.decode()
    counted = client.get(changelist, {"preview": "no"}).content.decode()
    assert str(cast.employee) in counted and "(HC preview)" not in counted
    previews = client.get(changelist, {"preview": "yes"}).content.decode()
    assert "In progress (HC preview)" in previews and str(cast.employee) not in previews


def _sized_bank(size: int) -> Assessment:
    assessment = published_assessment(questions=size, title="Permit to work")
    safety = CompetencyFactory(code="SAF")
    assessment.questions.filter(number__lte=size // 2).update(competency=safety)
    return assessment


@pytest.mark.parametrize("size", [3, 30])
def test_the_assessment_page_costs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, size):
    assessment = _sized_bank(size)
    client.force_login(cast.hc)
    # 1 session, 2 the HC user, 3 their own permissions, 4 their groups' permissions, 5 the
    # assessment, 6-8 its eligible positions, sections and people, 9 the bank with its tags,
    # 10 the bank's options, 11 the mappings naming it, 12 whether the viewer is in the HC
    # group, 13 the category mappings that match it, 14-15 the bank and its options again,
    # for "ready to publish?". As many for 30 questions as for 3.
    with django_assert_num_queries(15):
        response = client.get(change_url(assessment))
    assert response.status_code == 200
    assert f"Question bank ({size} questions)" in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_the_question_list_costs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, size):
    _sized_bank(size)
    client.force_login(cast.hc)
    # 1 session, 2 the HC user, 3-4 their permissions (own, groups'), 5 the assessment filter's
    # choices, 6 the competency filter's (tags in use), 7 the filtered count, 8 the full count,
    # 9 the page of questions with their assessment, tag and option count, 10 the HC group.
    with django_assert_num_queries(10):
        response = client.get(reverse("admin:assessments_question_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count('class="field-option_count"') == size


@pytest.mark.parametrize("size", [3, 30])
def test_the_attempt_list_costs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, size):
    assessment = _sized_bank(2)
    for taker in UserFactory.create_batch(size):
        _attempt(assessment, taker)
    client.force_login(cast.hc)
    # 1 session, 2 the HC user, 3-4 their permissions, 5 the assessment filter's choices,
    # 6 the filtered count, 7 the full count, 8 the page of attempts with employee and
    # assessment, 9 the HC group, 10-11 the date hierarchy (first and last start, their days).
    with django_assert_num_queries(11):
        response = client.get(reverse("admin:assessments_attempt_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count('class="field-taker"') == size


def test_an_assessment_whose_window_has_closed_may_still_be_edited(client, cast):
    assessment = published_assessment(
        questions=1, opens_at=timezone.now() - timedelta(days=10), closes_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(cast.hc)
    data = assessment_form(client, assessment, title="Renamed after closing")
    closes = timezone.localtime(assessment.closes_at)
    opens = timezone.localtime(assessment.opens_at)
    data.update(
        {
            "opens_at_0": f"{opens:%Y-%m-%d}",
            "opens_at_1": f"{opens:%H:%M:%S}",
            "closes_at_0": f"{closes:%Y-%m-%d}",
            "closes_at_1": f"{closes:%H:%M:%S}",
        }
    )
    response = client.post(change_url(assessment), data)
    assert response.status_code == 302, errors_of(response)
    assessment.refresh_from_db()
    assert assessment.title == "Renamed after closing" and assessment.is_published

    # Moving the closing time to another moment in the past is publishing it closed: refused.
    data["closes_at_0"] = f"{closes - timedelta(hours=2):%Y-%m-%d}"
    data["closes_at_1"] = f"{closes - timedelta(hours=2):%H:%M:%S}"
    assert "Its window closed on" in errors_of(client.post(change_url(assessment), data))
