import re
from datetime import timedelta

import pytest
from django.utils import timezone

from competencies.models import CompetencyLevelHistory
from tests.browser.pages import chart_texts, drawn_pixels, log_in, wait_for_chart, wait_until
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PASSWORD, HcUserFactory, PositionFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _organisation() -> None:
    """Two sections of operators with gaps, levels raised over the last months."""
    position = PositionFactory(name="Operator")
    competencies = [CompetencyFactory(name=f"Skill {code}") for code in "ABCDE"]
    for target, competency in zip([3, 2, 4, 1, 5], competencies, strict=True):
        PositionTargetFactory(position=position, competency=competency, target_level=target)
    now = timezone.now()
    for s, section in enumerate([SectionFactory(name="North"), SectionFactory(name="South")]):
        for e in range(3):
            employee = UserFactory(section=section, position=position)
            for c, competency in enumerate(competencies[: 2 + e + s]):
                give_level(employee, competency, 1 + (c + e) % 4)
                # Date the change some months back so the series rises over the year.
                CompetencyLevelHistory.objects.filter(employee=employee, competency=competency).update(
                    changed_at=now - timedelta(days=30 * (1 + (c * 3 + e) % 11))
                )


def test_hc_sees_both_report_charts_drawn_offline(new_page):
    _organisation()
    HcUserFactory(username="report.hc", position=None, section=None, employee_number=None)
    page, watch = new_page()

    log_in(page, "report.hc", PASSWORD)
    page.wait_for_url("**/gap/")
    page.goto("/reports/")
    for canvas in ("progress-chart", "largest-gaps-chart"):
        wait_for_chart(page, canvas)

    assert page.locator("h1").inner_text() == "Organisation report"
    assert page.locator("#section-table tbody tr").count() == 2
    assert page.locator("#progress-table tbody tr").count() == 12
    assert drawn_pixels(page, "progress-chart") > 1000, "the progress chart canvas is blank"
    assert drawn_pixels(page, "largest-gaps-chart") > 1000, "the largest-gaps chart canvas is blank"
    # The charts' words come from the page (translated there), the figures from the data.
    assert chart_texts(page, "progress-chart") == {
        "datasets": ["Share of assignments met"],
        "axes": {"x": "Month end", "y": "Share met"},
    }
    assert chart_texts(page, "largest-gaps-chart") == {"datasets": ["Total gap"], "axes": {"x": "Total gap (levels)"}}
    tooltip = """(id) => { const chart = Chart.getChart(id);
      return chart.options.plugins.tooltip.callbacks.label({ parsed: { x: 7, y: 62.5 }, dataIndex: 0 }); }"""
    assert page.evaluate(tooltip, "progress-chart") == "Share met: 62.5%"
    assert re.fullmatch(r"Total gap 7 · average [\d.]+", page.evaluate(tooltip, "largest-gaps-chart"))
    y_tick = "(id) => Chart.getChart(id).options.scales.y.ticks.callback(40)"
    assert page.evaluate(y_tick, "progress-chart") == "40%"

    # In Indonesian (the navbar's switch), the charts write numbers as the page does: "62,5 %".
    page.get_by_role("button", name=re.compile("Bahasa Indonesia")).click()
    wait_until(page, "document.documentElement.lang === 'id'")
    wait_until(page, "Chart.getChart('progress-chart') !== undefined")
    assert page.evaluate("Chart.defaults.locale") == "id"
    assert page.evaluate(tooltip, "progress-chart").endswith(": 62,5\N{NO-BREAK SPACE}%")
    assert page.evaluate(y_tick, "progress-chart") == "40\N{NO-BREAK SPACE}%"
    assert page.locator("#total-share-met").inner_text().endswith("\N{NO-BREAK SPACE}%")
    assert watch.console_errors == []
    assert watch.outside_requests == []
