"""The learning plan in a real browser: drafted from the page, printed through its own script
(no inline handler, so the CSP lets it run) and laid out for paper by the print stylesheet."""

import re

import pytest

from tests.browser.pages import log_in
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Stands in for the browser's print dialog, which a headless browser cannot show.
RECORD_PRINT = "window.print = () => { window.printed = (window.printed || 0) + 1; };"


def _employee_with_gaps():
    employee = UserFactory(username="learner")
    for code, target, current in (("PTW", 3, 1), ("HAZ", 2, 1), ("MOC", 1, 0)):
        competency = CompetencyFactory(code=code, name=f"Competency {code}")
        PositionTargetFactory(position=employee.position, competency=competency, target_level=target)
        if current:
            give_level(employee, competency, current)
    return employee


def test_the_plan_is_drafted_printed_and_laid_out_for_paper(new_page):
    employee = _employee_with_gaps()
    page, watch = new_page()
    page.add_init_script(RECORD_PRINT)
    log_in(page, employee.username, PASSWORD)

    page.goto("/learning/")
    page.get_by_role("button", name="Draft my learning plan").click()
    page.wait_for_url("**/learning/")
    assert page.locator(".learning-phase").count() == 2  # PTW's second step is phase 2
    assert page.locator(".learning-objective").count() == 4

    page.click("#print-plan")
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")
    for hidden in (".navbar", "#print-plan", ".learning-objective form", ".learning-objective .btn"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator(".smart-objective").first.is_visible()
    second_phase_break = page.evaluate("getComputedStyle(document.querySelectorAll('.learning-phase')[1]).breakBefore")
    assert second_phase_break == "page"
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2  # a phase a page

    assert watch.console_errors == []
    assert watch.outside_requests == []
