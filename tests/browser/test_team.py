import pytest
from django.core.management import call_command

from tests.browser.pages import chart_texts, drawn_pixels, log_in, wait_for_chart

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_sees_the_team_heatmap_and_radar(new_page):
    call_command("seed_demo", verbosity=0)
    page, watch = new_page()
    log_in(page, "demo.supervisor")

    page.get_by_role("button", name="My team").click()
    page.get_by_role("link", name="Team heatmap").click()
    page.wait_for_url("**/gap/team/")
    wait_for_chart(page)

    assert page.locator("#team-heatmap tbody tr").count() == 4  # demo.supervisor's direct reports
    assert page.locator("#team-heatmap td.heat").count() > 20
    colours = page.evaluate(
        "() => new Set([...document.querySelectorAll('#team-heatmap td.heat')]"
        ".map(td => getComputedStyle(td).backgroundColor)).size"
    )
    assert colours >= 3, "the heatmap should show several gap classes in different colours"
    assert drawn_pixels(page) > 1000
    assert chart_texts(page)["datasets"] == ["Average current level", "Average target level"]
    assert watch.console_errors == [] and watch.outside_requests == []
