"""What the browser tests do on every page: log in, wait for a chart, count its drawn pixels."""

import time

DEMO_PASSWORD = "demo-pass"

_COUNT_DRAWN_PIXELS = """
(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) drawn++; }
  return drawn;
}
"""


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form; the portal lands on the gap dashboard."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # The log-in form's own button: the language switch on the same page has submit buttons too.
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**/gap/")


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until the page's JavaScript `expression` is true, polling from Python.

    Not page.wait_for_function: when it has to poll, Playwright builds its predicate with eval,
    which the portal's CSP refuses, and the refusal lands among the page's console errors.
    page.evaluate goes through the browser's debugging protocol, which the CSP does not govern.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never had {expression} within {timeout} s")
        page.wait_for_timeout(100)


def wait_for_chart(page, canvas_id: str = "gap-chart") -> None:
    wait_until(page, f"document.getElementById('{canvas_id}') && document.getElementById('{canvas_id}').width > 0")


def drawn_pixels(page, canvas_id: str = "gap-chart") -> int:
    """How many pixels of the canvas are not transparent: 0 means nothing was drawn."""
    return page.evaluate(_COUNT_DRAWN_PIXELS, canvas_id)


_CHART_TEXTS = """
(id) => {
  const chart = Chart.getChart(id);
  const titled = Object.entries(chart.options.scales || {}).filter(([, scale]) => scale.title && scale.title.display);
  return {
    datasets: chart.data.datasets.map((dataset) => dataset.label),
    axes: Object.fromEntries(titled.map(([axis, scale]) => [axis, scale.title.text])),
  };
}
"""


def chart_texts(page, canvas_id: str = "gap-chart") -> dict:
    """The words a chart shows, as Chart.js holds them: its datasets' labels (the legend and
    tooltips) and its titled axes. They come from the page, translated (static/js/gap-chart.js)."""
    return page.evaluate(_CHART_TEXTS, canvas_id)
