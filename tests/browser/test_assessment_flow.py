"""An employee takes an online assessment in Chromium: answers are autosaved across a reload,
a tab switch is recorded, submitting raises the level the gap dashboard shows."""

import time
from decimal import Decimal

import pytest

from assessments.models import AssessmentResult, Attempt, IntegrityEvent, QuestionKind
from competencies.models import CompetencyLevel, PositionTarget
from tests.assessments.factories import CompetencyMappingFactory, QuestionFactory, published_assessment
from tests.browser.pages import DEMO_PASSWORD, log_in
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import PositionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.1)


def _switch_tab_away_and_back(page) -> None:
    """What the page sees when its tab is hidden and shown again."""
    page.evaluate(
        """() => {
          const set = (state) => {
            Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
            Object.defineProperty(document, 'hidden', {value: state === 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
          };
          set('hidden');
          return new Promise((resolve) => setTimeout(() => { set('visible'); resolve(); }, 1200));
        }"""
    )


def test_employee_takes_an_assessment_and_sees_the_level_rise(new_page):
    position = PositionFactory(name="Operator")
    employee = UserFactory(username="taker", position=position)
    employee.set_password(DEMO_PASSWORD)
    employee.save()
    safety = CompetencyFactory(code="GSH", name="General safety")
    PositionTarget.objects.create(position=position, competency=safety, target_level=3)
    assessment = published_assessment(questions=0, title="Permit to work basics", pass_percentage=Decimal(60))
    QuestionFactory(
        assessment=assessment,
        number=1,
        text="Who signs the permit before work starts?",
        options=[("The area authority", True), ("The contractor", False)],
    )
    QuestionFactory(
        assessment=assessment,
        number=2,
        kind=QuestionKind.MULTIPLE,
        text="Which are energy sources to isolate?",
        options=[("Electrical", True), ("Pneumatic", True), ("Paperwork", False)],
    )
    QuestionFactory(
        assessment=assessment,
        number=3,
        kind=QuestionKind.SHORT_ANSWER,
        text="What do you attach to an isolation point?",
        accepted_answers="lock\npadlock",
    )
    CompetencyMappingFactory(competency=safety, assessment=assessment, category="", level_granted=3)

    page, watch = new_page()
    log_in(page, "taker")
    assert page.locator("span.status-not_started").first.inner_text() == "Not started"
    page.goto("/assessments/")
    page.get_by_role("link", name="Start Permit to work basics").click()
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url("**/assessments/attempt/*/")
    assert page.locator("#attempt-timer").inner_text().count(":") == 1

    page.get_by_label("The area authority").check()
    page.locator("#autosave-status", has_text="Saved").wait_for()
    # One answer saved at a time: the live server's in-memory SQLite is one connection shared by
    # its threads, and two autosaves at once made the second fail ("cannot start a transaction
    # within a transaction"), so Pneumatic was not saved (a flake in CI, not the portal's fault).
    for option in ("Electrical", "Pneumatic"):
        with page.expect_response(lambda response: response.url.endswith("/answer/")):
            page.get_by_label(option).check()
    page.get_by_label("Your answer to question 3").fill("  Padlock ")
    attempt = Attempt.objects.get(employee=employee)
    _wait_until(lambda: attempt.questions.filter(response__isnull=False).count() == 3)

    page.reload()
    assert page.get_by_label("The area authority").is_checked()
    assert page.get_by_label("Electrical").is_checked() and page.get_by_label("Pneumatic").is_checked()
    assert page.get_by_label("Your answer to question 3").input_value() == "Padlock"

    _switch_tab_away_and_back(page)
    _wait_until(lambda: IntegrityEvent.objects.filter(attempt=attempt, kind="tab_hidden").exists(), timeout=15)

    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_url("**/result/")
    assert page.locator("#result-score").inner_text() == "100%"
    assert "GSH General safety" in page.locator("#level-changes").inner_text()
    assert AssessmentResult.objects.get(employee=employee).passed
    assert CompetencyLevel.objects.get(employee=employee, competency=safety).level == 3

    page.goto("/gap/")
    assert page.locator("span.status-met").first.inner_text() == "Met"
    assert page.locator("span.status-not_started").count() == 0
    assert watch.console_errors == []
    assert watch.outside_requests == []
