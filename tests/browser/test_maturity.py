"""HC answer the maturity questionnaire in a real browser: what is missing is said first, then the score is drawn."""

import pytest
from django.core.management import call_command

from tests.browser.pages import drawn_pixels, wait_for_chart
from tests.hrportal.factories import PASSWORD, HcUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in_as_hc(page) -> None:
    HcUserFactory(username="hc.browser", position=None, section=None, employee_number=None)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "hc.browser")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**/gap/")


def test_an_incomplete_questionnaire_focuses_the_summary_and_a_complete_one_is_charted(new_page):
    call_command("loaddata", "maturity_default", verbosity=0)
    page, watch = new_page()
    _log_in_as_hc(page)

    page.goto("/maturity/")
    page.get_by_role("link", name="Answer the questionnaire").click()
    first = page.get_by_role("group", name="Is there a defined competency framework")
    first.get_by_label("One framework with definitions and levels covers the whole organisation.").check()
    page.get_by_role("button", name="Record the score").click()

    summary = page.locator("#form-errors")
    assert page.evaluate("() => document.activeElement.id") == "form-errors"
    assert summary.locator("li").count() == 8  # the eight questions left unanswered, each named
    summary.get_by_role("link", name="Answer “How is training chosen?”.").click()
    assert (
        page.evaluate("() => document.activeElement.closest('fieldset').innerText").find("How is training chosen?") >= 0
    )
    assert first.get_by_label("One framework with definitions and levels covers the whole organisation.").is_checked()

    for round_ in range(2):  # two assessments: the overview then draws a line
        page.goto("/maturity/answer/")
        for group in page.locator("fieldset").all():
            group.locator("input[type=radio]").nth(2 + round_).check()
        page.get_by_role("button", name="Record the score").click()
        page.wait_for_url("**/maturity/")

    assert page.locator("#latest-percent").inner_text() == "75%"  # 3 of 4 on each question
    assert page.locator("#latest-band").inner_text() == "4 · Measured"
    assert page.locator("#maturity-history tbody tr").count() == 2
    wait_for_chart(page, "maturity-chart")
    assert drawn_pixels(page, "maturity-chart") > 1000
    assert watch.console_errors == [] and watch.outside_requests == []
