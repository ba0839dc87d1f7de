import pytest
from django.core.management import call_command

from tests.browser.pages import chart_texts, drawn_pixels, log_in, wait_for_chart

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_employee_sees_radar_chart_drawn_offline(new_page):
    call_command("seed_demo", verbosity=0)
    page, watch = new_page()

    log_in(page, "demo.employee")
    page.wait_for_url("**/gap/")
    wait_for_chart(page)

    assert page.locator("h1").inner_text() == "My competency gaps"
    assert page.locator("#gap-table tbody tr").count() > 0
    assert drawn_pixels(page) > 1000, "the radar chart canvas is blank"
    # The legend, from the page; the demo employee has rated themselves: a third series.
    assert chart_texts(page)["datasets"] == ["Current level", "Target level", "Self-rating"]
    # Its switch works from the keyboard, and the scale stays 0-5 whatever is shown.
    shown = (
        "() => { const c = Chart.getChart(document.getElementById('gap-chart'));"
        " return [c.isDatasetVisible(2), c.options.scales.r.min, c.options.scales.r.max]; }"
    )
    assert page.evaluate(shown) == [True, 0, 5]
    page.focus("#gap-chart-self-toggle")
    page.keyboard.press("Space")
    assert page.evaluate(shown) == [False, 0, 5]
    page.keyboard.press("Space")
    assert page.evaluate(shown) == [True, 0, 5]
    assert watch.console_errors == []
    assert watch.outside_requests == []
