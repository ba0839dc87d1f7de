import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT_DRAWN_PIXELS = """
() => {
  const canvas = document.getElementById('gap-chart');
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


def test_demo_employee_sees_radar_chart_drawn_offline(new_page):
    call_command("seed_demo", verbosity=0)
    page, watch = new_page()

    _log_in(page, "demo.employee", "demo-pass")
    page.wait_for_url("**/gap/")
    page.wait_for_function("document.getElementById('gap-chart') && document.getElementById('gap-chart').width > 0")

    assert page.locator("h1").inner_text() == "My competency gaps"
    assert page.locator("#gap-table tbody tr").count() > 0
    assert page.evaluate(COUNT_DRAWN_PIXELS) > 1000, "the radar chart canvas is blank"
    assert watch.console_errors == []
    assert watch.outside_requests == []
