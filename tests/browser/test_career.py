import pytest
from django.core.management import call_command

from competencies.models import CareerPath, CareerPathStep
from hrportal.models import Position

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT_DRAWN_PIXELS = """
(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) drawn++; }
  return drawn;
}
"""


def _log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/gap/")


def _wait_for_chart(page, canvas_id: str) -> None:
    page.wait_for_function(
        f"document.getElementById('{canvas_id}') && document.getElementById('{canvas_id}').width > 0"
    )


def test_career_page_draws_radar_of_next_position_offline(new_page):
    call_command("seed_demo", verbosity=0)
    # The demo data has no career paths: the operators' one.
    path = CareerPath.objects.create(name="Operations")
    for order, name in enumerate(["Operator", "Senior Operator", "Shift Supervisor"], start=1):
        CareerPathStep.objects.create(path=path, position=Position.objects.get(name=name), order=order)
    senior = Position.objects.get(name="Senior Operator")
    page, watch = new_page()

    _log_in(page, "demo.employee", "demo-pass")
    page.click("nav >> text=Career")
    page.wait_for_url("**/career/")
    canvas_id = f"career-chart-next-{senior.pk}"
    _wait_for_chart(page, canvas_id)

    assert page.locator("h1").inner_text() == "My career"
    assert "Senior Operator" in page.locator(f"#panel-next-{senior.pk} h3").inner_text()
    assert page.locator(f"#{canvas_id}-gaps tbody tr").count() > 0
    assert page.locator("#ranking-table tbody tr").count() >= 5
    assert page.evaluate(COUNT_DRAWN_PIXELS, canvas_id) > 1000, "the career radar chart canvas is blank"

    # Compare with another position: a second radar on the same page.
    page.select_option("#id_compare", label="Shift Supervisor")
    page.click("#compare-form button[type=submit]")
    page.wait_for_url("**/career/?compare=*")
    _wait_for_chart(page, "career-chart-compare")
    assert page.evaluate(COUNT_DRAWN_PIXELS, "career-chart-compare") > 1000
    assert page.evaluate(COUNT_DRAWN_PIXELS, canvas_id) > 1000

    assert watch.console_errors == []
    assert watch.outside_requests == []


def test_history_page_draws_the_level_line_chart_offline(new_page):
    call_command("seed_demo", verbosity=0)
    page, watch = new_page()

    _log_in(page, "demo.employee", "demo-pass")
    page.click("#history-link")
    page.wait_for_url("**/gap/history/")
    _wait_for_chart(page, "level-history-chart")

    assert page.locator("#history-table tbody tr").count() > 0
    assert page.evaluate(COUNT_DRAWN_PIXELS, "level-history-chart") > 500, "the level history chart is blank"
    assert watch.console_errors == []
    assert watch.outside_requests == []
