"""Taking an assessment online, through its pages: start, autosave, deadlines, submit, result."""

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    AnswerOption,
    AssessmentResult,
    Attempt,
    AttemptQuestion,
    Audience,
    FinishReason,
    QuestionKind,
    ReviewPolicy,
)
from assessments.scoring import mark
from assessments.services.attempts import attempt_finalise, attempt_start, attempts_finalise_overdue
from assessments.services.voiding import result_void
from competencies.models import CompetencyLevel
from tests.assessments.factories import CompetencyMappingFactory, QuestionFactory, published_assessment
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import HcUserFactory, PositionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _start(client, assessment):
    response = client.post(reverse("assessments:start", args=[assessment.pk]))
    assert response.status_code == 302, response.content.decode()[:500]
    return Attempt.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _right_key(question: AttemptQuestion) -> str:
    return question.correct_keys[0]


def _wrong_key(question: AttemptQuestion) -> str:
    return next(o["key"] for o in question.options if o["key"] not in question.correct_keys)


def _answer_all(client, attempt, *, right: bool = True, url_name: str = "assessments:answer", **extra):
    data: dict[str, list[str]] = {"shown": []}
    for question in attempt.questions.all():
        data["shown"].append(str(question.position))
        data[f"q{question.position}"] = [_right_key(question) if right else _wrong_key(question)]
    return client.post(reverse(url_name, args=[attempt.pk]), data, **extra)


# --- Marking each question type --------------------------------------------------------------


def _frozen(kind, *, correct, response, points="2", partial=False, options=("a", "b", "c", "d"), accepted=()):
    return AttemptQuestion(
        kind=kind,
        points=Decimal(points),
        partial_credit=partial,
        options=[{"key": key, "text": key.upper()} for key in options],
        correct_keys=list(correct),
        accepted_answers=list(accepted),
        response=response,
    )


@pytest.mark.parametrize(
    ("question", "earned"),
    [
        (_frozen(QuestionKind.SINGLE, correct="a", response=["a"]), "2"),
        (_frozen(QuestionKind.SINGLE, correct="a", response=["b"]), "0"),
        (_frozen(QuestionKind.SINGLE, correct="a", response=None), "0"),
        (_frozen(QuestionKind.TRUE_FALSE, correct="a", response=["a"], options=("a", "b")), "2"),
        (_frozen(QuestionKind.TRUE_FALSE, correct="a", response=["b"], options=("a", "b")), "0"),
        # All or nothing: exactly the right options.
        (_frozen(QuestionKind.MULTIPLE, correct="ab", response=["a", "b"]), "2"),
        (_frozen(QuestionKind.MULTIPLE, correct="ab", response=["a"]), "0"),
        (_frozen(QuestionKind.MULTIPLE, correct="ab", response=["a", "b", "c"]), "0"),
        # Partial credit: a share per right option, a share off per wrong one, never below 0.
        (_frozen(QuestionKind.MULTIPLE, correct="ab", response=["a"], partial=True), "1"),
        (_frozen(QuestionKind.MULTIPLE, correct="ab", response=["a", "b"], partial=True), "2"),
        (_frozen(QuestionKind.MULTIPLE, correct="ab", response=["a", "c"], partial=True), "0"),
        (_frozen(QuestionKind.MULTIPLE, correct="abc", response=["a", "b"], partial=True, points="3"), "2"),
        (_frozen(QuestionKind.MULTIPLE, correct="ab", response=["c", "d"], partial=True), "0"),
        # Short answer: ignoring case and surrounding spaces, nothing more.
        (_frozen(QuestionKind.SHORT_ANSWER, correct="", response="  Lockout ", options=(), accepted=["lockout"]), "2"),
        (_frozen(QuestionKind.SHORT_ANSWER, correct="", response="lock out", options=(), accepted=["lockout"]), "0"),
        (
            _frozen(QuestionKind.SHORT_ANSWER, correct="", response="LOTO", options=(), accepted=["lockout", "loto"]),
            "2",
        ),
    ],
)
def test_each_question_type_is_marked_by_its_rule(question, earned):
    assert mark(question) == Decimal(earned)


# --- Starting: frozen questions, deadline, resuming -----------------------------------------


def test_starting_freezes_the_drawn_questions_with_keys_that_say_nothing(client):
    employee = UserFactory()
    assessment = published_assessment(questions=5, questions_per_attempt=3, shuffle_options=True)
    client.force_login(employee)
    attempt = _start(client, assessment)

    frozen = list(attempt.questions.all())
    assert len(frozen) == 3
    bank_option_ids = {str(pk) for pk in AnswerOption.objects.values_list("pk", flat=True)}
    for question in frozen:
        keys = [o["key"] for o in question.options]
        assert len(set(keys)) == 3 and not set(keys) & bank_option_ids
        assert len(question.correct_keys) == 1
    # Editing the bank afterwards changes nothing in the started attempt.
    assessment.questions.update(text="Edited")
    assert not attempt.questions.filter(text="Edited").exists()


def test_the_deadline_is_the_time_limit_or_the_window_close_if_earlier(client):
    employee = UserFactory()
    client.force_login(employee)
    with time_machine.travel("2026-05-04 08:00 +0000", tick=False):
        short = published_assessment(time_limit_minutes=20)
        closing = published_assessment(time_limit_minutes=60, closes_at=timezone.now() + timedelta(minutes=15))
        assert _start(client, short).deadline == timezone.now() + timedelta(minutes=20)
        assert _start(client, closing).deadline == timezone.now() + timedelta(minutes=15)


def test_a_second_start_resumes_the_open_attempt(client):
    employee = UserFactory()
    assessment = published_assessment()
    client.force_login(employee)
    first = _start(client, assessment)
    second = _start(client, assessment)
    assert first.pk == second.pk
    assert Attempt.objects.count() == 1


def test_answers_survive_a_reload_and_a_second_tab(client):
    employee = UserFactory()
    assessment = published_assessment(questions=2)
    client.force_login(employee)
    attempt = _start(client, assessment)
    first, second = attempt.questions.order_by("position")

    # Tab one autosaves question 1; tab two (same session) autosaves question 2.
    for question in (first, second):
        response = client.post(
            reverse("assessments:answer", args=[attempt.pk]),
            {"shown": [question.position], f"q{question.position}": [_right_key(question)]},
            headers={"accept": "application/json"},
        )
        assert response.status_code == 200 and response.json()["saved"] == 1

    page = client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()
    for question in (first, second):
        assert f'value="{_right_key(question)}" checked' in page
        assert f'value="{_wrong_key(question)}" checked' not in page


def test_an_answer_after_the_deadline_and_grace_is_refused_and_not_counted(client, settings):
    settings.ASSESSMENT_GRACE_SECONDS = 5
    employee = UserFactory()
    client.force_login(employee)
    with time_machine.travel("2026-05-04 08:00 +0000", tick=False) as traveller:
        assessment = published_assessment(questions=1, time_limit_minutes=10)
        attempt = _start(client, assessment)
        question = attempt.questions.get()
        traveller.shift(timedelta(minutes=10, seconds=4))  # within the grace: counted
        response = client.post(
            reverse("assessments:answer", args=[attempt.pk]),
            {"shown": ["1"], "q1": [_wrong_key(question)]},
            headers={"accept": "application/json"},
        )
        assert response.status_code == 200
        traveller.shift(timedelta(seconds=2))  # 6 s late: refused
        response = client.post(
            reverse("assessments:answer", args=[attempt.pk]),
            {"shown": ["1"], "q1": [_right_key(question)]},
            headers={"accept": "application/json"},
        )
        assert response.status_code == 409
    question.refresh_from_db()
    assert question.response == [_wrong_key(question)]
    attempt.refresh_from_db()
    assert not attempt.is_open and attempt.finish_reason == FinishReason.TIME_UP
    assert attempt.score == 0


# --- Finishing: the result, levels, exactly once ---------------------------------------------


def test_submitting_a_pass_records_the_result_and_raises_the_mapped_level_at_once(client):
    employee = UserFactory()
    safety = CompetencyFactory(code="GSH", name="General safety")
    assessment = published_assessment(questions=4, pass_percentage=Decimal(75))
    CompetencyMappingFactory(competency=safety, assessment=assessment, category="", level_granted=3)
    client.force_login(employee)
    attempt = _start(client, assessment)

    response = _answer_all(client, attempt, url_name="assessments:submit")
    assert response.status_code == 302 and response["Location"] == reverse("assessments:result", args=[attempt.pk])

    result = AssessmentResult.objects.get(employee=employee)
    assert result.score == 100 and result.passed and result.recorded_by is None
    assert CompetencyLevel.objects.get(employee=employee, competency=safety).level == 3
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page and "Passed" in page
    assert "GSH General safety" in page and "3 · Advanced" in page


def test_a_failed_attempt_records_the_result_and_changes_no_level(client):
    employee = UserFactory()
    safety = CompetencyFactory()
    assessment = published_assessment(questions=2)
    CompetencyMappingFactory(competency=safety, assessment=assessment, category="", level_granted=3)
    client.force_login(employee)
    attempt = _start(client, assessment)
    _answer_all(client, attempt, right=False, url_name="assessments:submit")

    assert AssessmentResult.objects.get(employee=employee).passed is False
    assert not CompetencyLevel.objects.filter(employee=employee).exists()
    assert "No level changed" in client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()


def test_a_double_submit_or_replayed_post_records_one_result(client):
    employee = UserFactory()
    assessment = published_assessment()
    client.force_login(employee)
    attempt = _start(client, assessment)
    _answer_all(client, attempt, url_name="assessments:submit")
    replay = _answer_all(client, attempt, right=False, url_name="assessments:submit")

    assert replay.status_code == 302
    assert AssessmentResult.objects.filter(employee=employee).count() == 1
    assert AssessmentResult.objects.get(employee=employee).score == 100


def test_the_result_page_shows_sub_scores_per_competency_tag(client):
    employee = UserFactory()
    safety, permits = CompetencyFactory(code="GSH", name="Safety"), CompetencyFactory(code="PTW", name="Permits")
    assessment = published_assessment(questions=0)
    for number, tag in enumerate([safety, safety, permits], start=1):
        QuestionFactory(assessment=assessment, number=number, competency=tag)
    client.force_login(employee)
    attempt = _start(client, assessment)
    ptw_question = attempt.questions.get(competency=permits)
    data: dict[str, list[str]] = {"shown": []}
    for question in attempt.questions.all():
        data["shown"].append(str(question.position))
        data[f"q{question.position}"] = [_wrong_key(question) if question == ptw_question else _right_key(question)]
    client.post(reverse("assessments:submit", args=[attempt.pk]), data)

    page = client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    rows = re.findall(
        r"<tr><th scope=\"row\">(.*?)</th>\s*<td class=\"num\">(.*?)</td><td class=\"num\">(.*?)</td>", page
    )
    assert [(name.strip(), score) for name, _points, score in rows] == [("GSH Safety", "100%"), ("PTW Permits", "0%")]


@pytest.mark.parametrize(
    ("policy", "shows_right_answer", "shows_explanation"),
    [(ReviewPolicy.SCORE, False, False), (ReviewPolicy.ANSWERS, True, False), (ReviewPolicy.EXPLANATIONS, True, True)],
)
def test_the_result_page_shows_what_the_review_policy_allows(client, policy, shows_right_answer, shows_explanation):
    employee = UserFactory()
    assessment = published_assessment(questions=0, review_policy=policy)
    QuestionFactory(
        assessment=assessment,
        number=1,
        explanation="Isolation comes before the permit.",
        options=[("Isolate the energy", True), ("Sign the permit", False)],
    )
    client.force_login(employee)
    attempt = _start(client, assessment)
    _answer_all(client, attempt, right=False, url_name="assessments:submit")

    page = client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert ("Right answer:</span> Isolate the energy" in page) is shows_right_answer
    assert ("Isolation comes before the permit." in page) is shows_explanation


# --- The answer key stays on the server until the attempt is final --------------------------


def test_no_response_before_the_end_gives_the_answer_key_away(client):
    employee = UserFactory()
    assessment = published_assessment(questions=0, shuffle_options=True, review_policy=ReviewPolicy.EXPLANATIONS)
    QuestionFactory(
        assessment=assessment,
        number=1,
        options=[("Stop", True), ("Carry on", False), ("Ask later", False)],
        explanation="SECRET-EXPLANATION-1",
    )
    QuestionFactory(
        assessment=assessment,
        number=2,
        kind=QuestionKind.MULTIPLE,
        options=[("Helmet", True), ("Gloves", True), ("Sandals", False)],
        explanation="SECRET-EXPLANATION-2",
    )
    QuestionFactory(assessment=assessment, number=3, kind=QuestionKind.TRUE_FALSE, true_false_answer=False)
    QuestionFactory(
        assessment=assessment, number=4, kind=QuestionKind.SHORT_ANSWER, accepted_answers="zero-energy-state"
    )
    client.force_login(employee)
    attempt = _start(client, assessment)
    frozen = list(attempt.questions.order_by("position"))

    bodies = [
        client.get(reverse("assessments:list")),
        client.get(reverse("assessments:detail", args=[assessment.pk])),
        client.get(reverse("assessments:attempt", args=[attempt.pk])),
        client.post(
            reverse("assessments:answer", args=[attempt.pk]),
            {"shown": ["1"], "q1": [frozen[0].options[0]["key"]]},
            headers={"accept": "application/json"},
        ),
        client.post(
            reverse("assessments:answer", args=[attempt.pk]),
            {"shown": ["1"], "q1": ["not-a-key"]},
            headers={"accept": "application/json"},
        ),
        client.get(reverse("assessments:result", args=[attempt.pk])),  # redirects while open
    ]
    text = "\n".join(b.content.decode() for b in bodies)
    assert "zero-energy-state" not in text
    assert "SECRET-EXPLANATION" not in text
    assert "correct" not in text.lower()
    attempt_page = bodies[2].content.decode()
    for question in frozen:
        if not question.options:
            continue
        # Each option's markup, with its key and text taken out, is the same for right and wrong ones.
        shapes = set()
        for option in question.options:
            key = re.escape(option["key"])
            block = re.search(
                rf'<div class="form-check">\s*<input[^>]*value="{key}"[^>]*>\s*<label[^>]*>[^<]*</label>', attempt_page
            )
            assert block, option
            shapes.add(block.group(0).replace(option["key"], "KEY").replace(option["text"], "TEXT"))
        assert len(shapes) == 1, shapes


# --- Refusals ---------------------------------------------------------------------------------


def _refusal(client, assessment):
    response = client.post(reverse("assessments:start", args=[assessment.pk]))
    return response.status_code, response.content.decode()


def test_outside_the_window_is_refused_with_the_dates(client):
    client.force_login(UserFactory())
    now = timezone.now()
    later = published_assessment(opens_at=now + timedelta(days=2))
    closed = published_assessment(opens_at=now - timedelta(days=5), closes_at=now - timedelta(days=1))
    status, body = _refusal(client, later)
    assert status == 403 and "This assessment opens on" in body
    status, body = _refusal(client, closed)
    assert status == 403 and "This assessment closed on" in body
    assert not Attempt.objects.exists()


def test_no_attempts_left_is_refused(client):
    employee = UserFactory()
    assessment = published_assessment(max_attempts=1)
    client.force_login(employee)
    _answer_all(client, _start(client, assessment), url_name="assessments:submit")
    status, body = _refusal(client, assessment)
    assert status == 403 and "You have used your 1 attempt" in body


def test_the_cooldown_is_refused_until_it_ends(client):
    employee = UserFactory()
    client.force_login(employee)
    with time_machine.travel("2026-05-04 08:00 +0000", tick=False) as traveller:
        assessment = published_assessment(cooldown_minutes=60)
        _answer_all(client, _start(client, assessment), url_name="assessments:submit")
        status, body = _refusal(client, assessment)
        assert status == 403 and "You may try again from" in body
        traveller.shift(timedelta(minutes=61))
        assert client.post(reverse("assessments:start", args=[assessment.pk])).status_code == 302


def test_someone_outside_the_audience_is_refused_and_the_listed_may_start(client):
    section, position = SectionFactory(name="Utilities"), PositionFactory(name="Boiler operator")
    outsider = UserFactory()
    by_section, by_position, by_name = UserFactory(section=section), UserFactory(position=position), UserFactory()
    assessment = published_assessment(audience=Audience.LISTED)
    assessment.eligible_sections.add(section)
    assessment.eligible_positions.add(position)
    assessment.eligible_employees.add(by_name)

    client.force_login(outsider)
    status, body = _refusal(client, assessment)
    assert status == 403 and "not open to your position, your section or you by name" in body
    assert client.get(reverse("assessments:detail", args=[assessment.pk])).status_code == 403
    assert assessment.title not in client.get(reverse("assessments:list")).content.decode()
    for person in (by_section, by_position, by_name):
        client.force_login(person)
        assert client.post(reverse("assessments:start", args=[assessment.pk])).status_code == 302


def test_an_unpublished_assessment_cannot_be_started(client):
    client.force_login(UserFactory())
    assessment = published_assessment()
    assessment.is_published = False
    assessment.save()
    assert client.post(reverse("assessments:start", args=[assessment.pk])).status_code == 404
    assert client.get(reverse("assessments:detail", args=[assessment.pk])).status_code == 404


def test_another_persons_attempt_is_404_for_everyone_hc_included(client, cast):
    assessment = published_assessment()
    client.force_login(cast.employee)
    attempt = _start(client, assessment)
    for intruder in (cast.colleague, cast.supervisor, cast.hc):
        client.force_login(intruder)
        for name in ("assessments:attempt", "assessments:result"):
            assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
        for name in ("assessments:answer", "assessments:submit"):
            assert client.post(reverse(name, args=[attempt.pk]), {"shown": ["1"]}).status_code == 404
    assert Attempt.objects.get().is_open


def test_hc_starting_an_assessment_takes_it_themselves_never_for_someone_else(client, cast):
    assessment = published_assessment()
    client.force_login(cast.hc)
    attempt = _start(client, assessment)
    assert attempt.employee == cast.hc
    _answer_all(client, attempt, url_name="assessments:submit")
    assert list(AssessmentResult.objects.values_list("employee", flat=True)) == [cast.hc.pk]


def test_hc_preview_records_no_result_and_uses_no_attempt(client, cast):
    safety = CompetencyFactory()
    assessment = published_assessment(max_attempts=1)
    CompetencyMappingFactory(competency=safety, assessment=assessment, category="", level_granted=2)
    assessment.is_published = False
    assessment.save()
    client.force_login(cast.hc_employee)
    response = client.post(reverse("assessments:preview", args=[assessment.pk]))
    attempt = Attempt.objects.get()
    assert response.status_code == 302 and attempt.is_preview
    _answer_all(client, attempt, url_name="assessments:submit")
    assert "This was a preview" in client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert not AssessmentResult.objects.exists() and not CompetencyLevel.objects.exists()

    client.force_login(cast.employee)
    assert client.post(reverse("assessments:preview", args=[assessment.pk])).status_code == 404


# --- Overdue attempts: finalised on the next request and by the command ---------------------


def test_an_overdue_attempt_is_finalised_on_the_employees_next_request(client):
    employee = UserFactory()
    client.force_login(employee)
    with time_machine.travel("2026-05-04 08:00 +0000", tick=False) as traveller:
        assessment = published_assessment(time_limit_minutes=10)
        attempt = _start(client, assessment)
        _answer_all(client, attempt, headers={"accept": "application/json"})
        traveller.shift(timedelta(minutes=11))
        client.get(reverse("competencies:my_gaps"))
    attempt.refresh_from_db()
    assert not attempt.is_open and attempt.finish_reason == FinishReason.TIME_UP
    assert attempt.result.score == 100
    assert attempt.finished_at == attempt.deadline


def test_the_overdue_command_finalises_every_attempt_whose_time_ran_out(capsys):
    employees = UserFactory.create_batch(3)
    with time_machine.travel("2026-05-04 08:00 +0000", tick=False) as traveller:
        assessment = published_assessment(time_limit_minutes=10)
        running = published_assessment(time_limit_minutes=60)
        for employee in employees:
            attempt_start(assessment=assessment, by=employee)
        still_running = attempt_start(assessment=running, by=employees[0])
        traveller.shift(timedelta(minutes=11))
        call_command("finalise_overdue_attempts")
        call_command("finalise_overdue_attempts")
    assert "Finalised 3 overdue attempts." in capsys.readouterr().out
    assert AssessmentResult.objects.count() == 3
    assert Attempt.objects.open().get() == still_running


@pytest.mark.django_db(transaction=True)
def test_the_command_racing_the_employee_finalises_once():
    """Real threads on PostgreSQL: the employee's submit, a second tab and the cron command
    finalise one attempt at the same moment; one result, one level change."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; this test runs on PostgreSQL")
    employee = UserFactory()
    safety = CompetencyFactory()
    assessment = published_assessment(questions=2)
    CompetencyMappingFactory(competency=safety, assessment=assessment, category="", level_granted=2)
    attempt = attempt_start(assessment=assessment, by=employee)
    for question in attempt.questions.all():
        question.response = [_right_key(question)]
        question.save()
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def finalise(reason):
        try:
            barrier.wait()
            attempt_finalise(attempt=attempt, reason=reason)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    reasons = [FinishReason.SUBMITTED, FinishReason.SUBMITTED, FinishReason.TIME_UP, FinishReason.SUBMITTED]
    threads = [threading.Thread(target=finalise, args=(reason,)) for reason in reasons]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AssessmentResult.objects.filter(employee=employee).count() == 1
    assert CompetencyLevel.objects.get(employee=employee, competency=safety).level == 2


@pytest.mark.django_db(transaction=True)
def test_two_tabs_starting_at_once_share_one_attempt():
    """Real threads on PostgreSQL: four simultaneous starts give one attempt, the others resume it."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; this test runs on PostgreSQL")
    employee = UserFactory()
    assessment = published_assessment(max_attempts=1)
    barrier = threading.Barrier(4)
    started: list[int] = []
    errors: list[Exception] = []

    def start():
        try:
            barrier.wait()
            started.append(attempt_start(assessment=assessment, by=employee).pk)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(started)) == 1 and Attempt.objects.count() == 1


# --- The list from the page cache (hrportal/page_cache.py) -----------------------------------
# The list comes from the cache until something on it changes, through any door or by time,
# and then shows the change at once. Each test first shows that the list IS served from the
# cache, so that a door that forgot to bump the taker's stamp would fail it.

LIST = reverse("assessments:list")


def _list_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _cached_list(client) -> str:
    miss, _ = _list_queries(client)
    hit, html = _list_queries(client)
    assert hit < miss, f"the list is not served from the cache ({hit} queries, then {miss})"
    return html


def test_an_attempt_started_and_submitted_shows_on_the_list_at_once(client):
    employee = UserFactory()
    assessment = published_assessment(questions=2, max_attempts=2)
    client.force_login(employee)
    assert "2 attempts left." in _cached_list(client)
    attempt = _start(client, assessment)
    html = _cached_list(client)
    assert "In progress" in html and reverse("assessments:attempt", args=[attempt.pk]) in html
    _answer_all(client, attempt, url_name="assessments:submit")
    client.get(reverse("assessments:result", args=[attempt.pk]))  # any message shown there
    html = _cached_list(client)
    assert "In progress" not in html and "1 attempt left." in html and "Passed" in html


def test_an_attempt_the_overdue_task_finalises_shows_on_the_list_at_once(client):
    employee = UserFactory()
    assessment = published_assessment(questions=1, time_limit_minutes=10)
    attempt = attempt_start(assessment=assessment, by=employee)
    client.force_login(employee)
    assert "In progress" in _cached_list(client)
    # What the periodic task runs, as if it ran past the deadline (its cutoff), now.
    assert attempts_finalise_overdue(now=attempt.deadline + timedelta(minutes=5)) == 1
    html = client.get(LIST).content.decode()
    assert "In progress" not in html and "Not passed" in html


def test_an_attempt_running_out_is_finalised_on_the_list_when_its_moment_passes(client, settings):
    settings.ASSESSMENT_GRACE_SECONDS = 5
    employee = UserFactory()
    client.force_login(employee)
    with time_machine.travel("2026-05-04 08:00 +0000", tick=False) as traveller:
        assessment = published_assessment(questions=1, time_limit_minutes=10)
        attempt_start(assessment=assessment, by=employee)
        assert "In progress" in _cached_list(client)
        traveller.shift(timedelta(minutes=10, seconds=6))
        html = client.get(LIST).content.decode()
    assert "In progress" not in html and "Not passed" in html
    assert not Attempt.objects.open().exists()


def test_a_voided_result_shows_on_the_list_at_once(client):
    employee = UserFactory()
    assessment = published_assessment(questions=1)
    attempt = attempt_finalise(attempt=attempt_start(assessment=assessment, by=employee), reason=FinishReason.SUBMITTED)
    client.force_login(employee)
    assert "Voided" not in _cached_list(client)
    result_void(result=attempt.result, reason="Answers were shared", by=HcUserFactory())
    assert "Voided" in client.get(LIST).content.decode()


def test_windows_and_cooldowns_show_on_the_list_when_their_moment_passes(client):
    employee = UserFactory()
    client.force_login(employee)
    with time_machine.travel("2026-05-04 08:00 +0000", tick=False) as traveller:
        later = published_assessment(title="Later", opens_at=timezone.now() + timedelta(hours=2))
        closing = published_assessment(title="Closing", closes_at=timezone.now() + timedelta(hours=1))
        again = published_assessment(title="Again", cooldown_minutes=30)
        attempt_finalise(attempt=attempt_start(assessment=again, by=employee), reason=FinishReason.SUBMITTED)

        def can_start(html: str) -> set[str]:
            return {
                a.title
                for a in (later, closing, again)
                if reverse("assessments:detail", args=[a.pk]) in html
                and f'Start<span class="visually-hidden"> {a.title}<' in html
            }

        assert can_start(_cached_list(client)) == {"Closing"}
        traveller.shift(timedelta(minutes=31))  # the cooldown is over
        assert can_start(_cached_list(client)) == {"Closing", "Again"}
        traveller.shift(timedelta(minutes=30))  # the window closed
        assert can_start(_cached_list(client)) == {"Again"}
        traveller.shift(timedelta(hours=1))  # the other one opened
        assert can_start(client.get(LIST).content.decode()) == {"Later", "Again"}


# --- Query budgets ------------------------------------------------------------------------------


@pytest.mark.parametrize("questions", [10, 100])
def test_an_autosave_costs_a_fixed_number_of_queries(client, django_assert_num_queries, questions):
    employee = UserFactory()
    assessment = published_assessment(questions=questions)
    client.force_login(employee)
    client.post(reverse("assessments:start", args=[assessment.pk]))  # notes the deadline in the session
    attempt = Attempt.objects.get()
    shown = list(attempt.questions.order_by("position")[:5])
    data = {"shown": [str(q.position) for q in shown], **{f"q{q.position}": [_right_key(q)] for q in shown}}
    # session, user, savepoint, the taker's attempt locked (read no other way), the five
    # questions posted, their one update, release. Nothing else: the overdue check reads the session.
    with django_assert_num_queries(7):
        response = client.post(
            reverse("assessments:answer", args=[attempt.pk]), data, headers={"accept": "application/json"}
        )
    assert response.status_code == 200 and response.json()["saved"] == 5
    assert attempt.questions.filter(response__isnull=False).count() == 5


@pytest.mark.parametrize(("assessments", "questions"), [(2, 10), (8, 100)])
def test_the_list_costs_a_fixed_number_of_queries(client, django_assert_num_queries, assessments, questions):
    employee = UserFactory()
    for _ in range(assessments):
        assessment = published_assessment(questions=questions)
        finished = attempt_start(assessment=assessment, by=employee)
        attempt_finalise(attempt=finished, reason=FinishReason.SUBMITTED)
    client.force_login(employee)
    # session, user, the page stamps with the navbar's unread count (hrportal/page_cache.py),
    # the assessments open to me with their question counts, my attempts at them with their
    # results, the navbar's reports.
    with django_assert_num_queries(6):
        response = client.get(reverse("assessments:list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="card h-100 assessment-card"') == assessments
    # Then the whole page from the cache: session, user, stamps.
    with django_assert_num_queries(3):
        again = client.get(reverse("assessments:list"))
    assert again.content.decode().count('class="card h-100 assessment-card"') == assessments


@pytest.mark.parametrize("questions", [10, 100])
def test_the_attempt_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries, questions):
    employee = UserFactory()
    assessment = published_assessment(questions=questions)
    attempt = attempt_start(assessment=assessment, by=employee)
    client.force_login(employee)
    # session, user, the attempt with its assessment and result, its frozen questions, the
    # navbar's reports and unread count.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("assessments:attempt", args=[attempt.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('name="shown"') == questions
