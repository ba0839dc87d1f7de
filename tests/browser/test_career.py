import pytest
from django.core.management import call_command

from hrportal.models import Position
from tests.browser.pages import chart_texts, drawn_pixels, log_in, wait_for_chart

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_career_page_draws_radar_of_next_position_offline(new_page):
    call_command("seed_demo", verbosity=0)
    # The demo's Operations career path: Operator → Senior Operator → Shift Supervisor → …
    senior = Position.objects.get(name="Senior Operator")
    page, watch = new_page()

    log_in(page, "demo.employee")
    page.get_by_role("button", name="My development").click()
    page.get_by_role("link", name="Career").click()
    page.wait_for_url("**/career/")
    canvas_id = f"career-chart-next-{senior.pk}"
    wait_for_chart(page, canvas_id)

    assert page.locator("h1").inner_text() == "My career"
    assert "Senior Operator" in page.locator(f"#panel-next-{senior.pk} h3").inner_text()
    assert page.locator(f"#{canvas_id}-gaps tbody tr").count() > 0
    assert page.locator("#ranking-table tbody tr").count() >= 5
    assert drawn_pixels(page, canvas_id) > 1000, "the career radar chart canvas is blank"
    assert chart_texts(page, canvas_id)["datasets"] == ["Current level", "Target level of Senior Operator"]

    # Compare with another position: a second radar on the same page.
    page.select_option("#id_compare", label="Shift Supervisor")
    page.click("#compare-form button[type=submit]")
    page.wait_for_url("**/career/?compare=*")
    wait_for_chart(page, "career-chart-compare")
    assert drawn_pixels(page, "career-chart-compare") > 1000
    assert drawn_pixels(page, canvas_id) > 1000

    assert watch.console_errors == []
    assert watch.outside_requests == []


def test_history_page_draws_the_level_line_chart_offline(new_page):
    call_command("seed_demo", verbosity=0)
    page, watch = new_page()

    log_in(page, "demo.employee")
    page.click("#history-link")
    page.wait_for_url("**/gap/history/")
    wait_for_chart(page, "level-history-chart")

    assert page.locator("#history-table tbody tr").count() > 0
    assert drawn_pixels(page, "level-history-chart") > 500, "the level history chart is blank"
    assert chart_texts(page, "level-history-chart")["axes"] == {"x": "Date", "y": "Level"}
    assert watch.console_errors == []
    assert watch.outside_requests == []
