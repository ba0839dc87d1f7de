"""On a 390 px phone no page of the tour scrolls sideways, for any role (tests/browser/page_tour.py
lists the pages); the team heatmap scrolls inside its own box with the names in view, and says
each cell's status in text, readable on its colour; the dashboard's radar becomes bars there."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from competencies.models import Competency
from competencies.selectors.team import CELL_LABELS, CellKind
from tests.browser.page_tour import ROLES, USERNAMES, seed_tour, tour
from tests.browser.pages import drawn_pixels, log_in, wait_for_chart, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# The elements that stick out of the viewport and widen the page, widest reach first. One that a
# scroll box clips does not count: for an absolutely positioned one, only a box from its containing
# block (its nearest positioned ancestor) up clips it, which is how a visually-hidden word inside
# an unpositioned scroll box still widens the page.
_STICKING_OUT = """
() => {
  const viewport = window.innerWidth;
  const style = (el) => getComputedStyle(el);
  const clipped = (el) => {
    const position = style(el).position;
    if (position === 'fixed') return true;  // fixed boxes never widen the page
    let escaping = position === 'absolute';
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (escaping && style(box).position === 'static') continue;
      escaping = false;
      if (style(box).overflowX !== 'visible') return true;
    }
    return false;
  };
  const describe = (el) => {
    const names = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
    const tag = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + names.map((name) => '.' + name).join('');
    const text = (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 50);
    return `<${tag}> reaches ${Math.round(el.getBoundingClientRect().right)} px: "${text}"`;
  };
  return [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > viewport + 0.5 && !clipped(el))
    .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
    .slice(0, 5)
    .map(describe);
}
"""
_PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _open_phone(new_page, role: str):
    page, watch = new_page()
    page.set_viewport_size(PHONE)
    if role != "anonymous":
        log_in(page, USERNAMES[role])
    return page, watch


@pytest.mark.parametrize("role", ROLES)
def test_no_page_of_the_tour_scrolls_sideways_on_a_phone(new_page, role):
    if role != "anonymous":  # the pages before logging in name nothing seeded
        seed_tour()
    page, _watch = _open_phone(new_page, role)

    too_wide = []
    paths = tour(role)
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        # What a reader can unfold ("the chart as a table", a section's risks) must fit too.
        page.evaluate("() => document.querySelectorAll('details').forEach((details) => { details.open = true; })")
        page_width, viewport = page.evaluate(_PAGE_WIDTH)
        if page_width > viewport:
            offenders = "\n    ".join(page.evaluate(_STICKING_OUT)) or "(no element found: look for overflow)"
            too_wide.append(f"{path} is {page_width} px wide on a {viewport} px screen:\n    {offenders}")

    assert len(paths) >= 5
    assert not too_wide, f"{len(too_wide)} pages scroll sideways at 390 px for {role}:\n" + "\n".join(too_wide)


# WCAG's contrast ratio of each heatmap cell's text on its own background colour.
_CELL_CONTRASTS = """
() => {
  const channels = (colour) => colour.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = (colour) => {
    const linear = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    const [r, g, b] = channels(colour).map(linear);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return [...document.querySelectorAll('#team-heatmap td.heat')].map((td) => {
    const [a, b] = [luminance(getComputedStyle(td).color), luminance(getComputedStyle(td).backgroundColor)];
    const kind = [...td.classList].find((c) => c.startsWith('heat-')).slice(5);
    return {kind, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
  });
}
"""


@pytest.fixture
def team_page_on_a_phone(new_page):
    call_command("seed_demo", verbosity=0)
    page, watch = _open_phone(new_page, "supervisor")
    page.goto(reverse("competencies:team"))
    return page, watch


def test_the_heatmap_scrolls_in_its_own_box_with_the_names_in_view(team_page_on_a_phone):
    page, watch = team_page_on_a_phone
    box = page.locator(".heatmap-wrap")
    scroll_width, client_width = box.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
    assert scroll_width > client_width + 200, "at 390 px the heatmap should be wider than its box"

    box.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")

    box_left = box.evaluate("(box) => box.getBoundingClientRect().left")
    names = page.locator("#team-heatmap tbody th.sticky-col")
    assert names.count() == 4  # demo.supervisor's direct reports
    for index in range(names.count()):
        name = names.nth(index)
        left, shown = name.evaluate(
            """(th) => { const top = th.getBoundingClientRect().top + window.scrollY - 100;
                         window.scrollTo({top, behavior: "instant"});  // Bootstrap scrolls smoothly
                         const r = th.getBoundingClientRect();
                         const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                         return [r.left, th.contains(hit)]; }"""
        )
        assert abs(left - box_left) <= 1, f"row {index}: the name column moved to {left} px, its box is at {box_left}"
        assert shown, f"row {index}: something covers the name {name.inner_text()!r}"
    first_cell_left = page.locator("#team-heatmap tbody tr").first.locator("td.heat").first.bounding_box()["x"]
    assert first_cell_left < box_left, "the cells should have scrolled under the names"
    assert page.evaluate(_PAGE_WIDTH)[0] <= PHONE["width"]
    assert watch.console_errors == []


def test_each_heatmap_cell_says_its_status_in_text_readable_on_its_colour_under_named_columns(team_page_on_a_phone):
    page, _watch = team_page_on_a_phone
    labels = {kind.value: str(CELL_LABELS[kind]) for kind in CellKind}
    cells = page.locator("#team-heatmap td.heat")
    kinds_and_texts = cells.evaluate_all(
        "(cells) => cells.map((td) => [[...td.classList].find((c) => c.startsWith('heat-')).slice(5), td.textContent])"
    )

    assert len(kinds_and_texts) > 20
    unsaid = [(kind, text) for kind, text in kinds_and_texts if labels[kind] not in text]
    assert not unsaid, f"cells whose text does not say their status: {unsaid[:5]}"
    shown_kinds = {kind for kind, _text in kinds_and_texts}
    assert {"met", "gap-1", "not-started"} <= shown_kinds, shown_kinds  # the demo team has these
    legend = page.get_by_role("list", name="Legend").inner_text()
    assert all(label in legend for label in labels.values()), legend

    faint = [cell for cell in page.evaluate(_CELL_CONTRASTS) if cell["ratio"] < 4.5]
    assert not faint, f"cells whose text is below 4.5:1 on their colour: {faint[:5]}"

    # Each column names its competency beside the code.
    names = dict(Competency.objects.values_list("code", "name"))
    headers = page.locator("#team-heatmap thead th.heat-col").all_text_contents()

    assert len(headers) > 10
    for header in headers:
        code = header.split()[0]
        assert names[code] in header, header


_CHART_SHAPE = """
(id) => {
  const chart = Chart.getChart(id);
  const scale = chart.options.indexAxis === 'y' ? chart.options.scales.x : chart.options.scales.r;
  return {
    type: chart.config.type, axes: chart.data.labels.length, min: scale.min, max: scale.max,
    name: chart.canvas.getAttribute('aria-label'),
  };
}
"""


def test_on_a_phone_the_dashboard_radar_becomes_ranked_bars_of_the_same_data(new_page):
    call_command("seed_demo", verbosity=0)
    page, watch = _open_phone(new_page, "employee")
    wait_for_chart(page)
    axes = len(page.evaluate("() => JSON.parse(document.getElementById('gap-chart-data').textContent).labels"))

    bars = page.evaluate(_CHART_SHAPE, "gap-chart")
    assert bars == {"type": "bar", "axes": axes, "min": 0, "max": 5, "name": bars["name"]}
    assert bars["name"].startswith("Bar chart of current against target levels")

    page.set_viewport_size({"width": 1280, "height": 900})
    wait_until(page, "Chart.getChart('gap-chart').config.type === 'radar'")
    radar = page.evaluate(_CHART_SHAPE, "gap-chart")
    assert radar["axes"] == axes and (radar["min"], radar["max"]) == (0, 5)
    assert radar["name"].startswith("Radar chart of current against target levels")
    assert drawn_pixels(page) > 1000
    assert watch.console_errors == []
