"""The attempt page's integrity script (static/js/attempt-integrity.js) in a real Chromium."""

import pytest
from django.urls import reverse

from assessments.models import FinishReason, IntegrityEvent
from tests.assessments.factories import published_assessment

# The attempt page's script in a real Chromium. Visibility and focus are simulated (a headless
# browser has no other window to switch to); everything else is the page as the taker gets it.

_SET_VISIBILITY = """
(state) => {
  if (!window.__visibilityPatched) {
    window.__visibilityPatched = true;
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => window.__visibility });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => window.__visibility === "hidden" });
  }
  window.__visibility = state;
  document.dispatchEvent(new Event("visibilitychange"));
}
"""


def _wait_for_kinds(attempt, expected: dict[str, int], timeout: float = 10.0) -> dict[str, int]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        counts: dict[str, int] = {}
        for kind in IntegrityEvent.objects.filter(attempt=attempt).values_list("kind", flat=True):
            counts[kind] = counts.get(kind, 0) + 1
        if counts == expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_attempt_page_reports_tab_switches_blur_copy_and_a_second_tab_then_stops_when_finished(new_page):
    from assessments.services.attempts import attempt_finalise, attempt_start
    from tests.browser.pages import log_in
    from tests.hrportal.factories import PASSWORD, UserFactory

    employee = UserFactory(username="taker")
    attempt = attempt_start(assessment=published_assessment(questions=2), by=employee)
    page, watch = new_page()
    log_in(page, "taker", PASSWORD)
    events_url = reverse("assessments:events", args=[attempt.pk])
    statuses: list[int] = []
    page.on("response", lambda r: r.url.endswith(events_url) and statuses.append(r.status))
    page.goto(reverse("assessments:attempt", args=[attempt.pk]))

    page.evaluate("document.dispatchEvent(new Event('copy'))")
    page.evaluate("document.dispatchEvent(new Event('paste'))")
    # Another window while the tab stays visible: a blur with its time away.
    page.evaluate("window.dispatchEvent(new Event('blur'))")
    page.wait_for_timeout(1100)
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    # A tab switch: blur, hidden (which sends what is queued), visible again, focus. One event.
    page.evaluate("window.dispatchEvent(new Event('blur'))")
    with page.expect_response(lambda r: r.url.endswith(events_url)):
        page.evaluate(_SET_VISIBILITY, "hidden")
    page.wait_for_timeout(2100)
    page.evaluate(_SET_VISIBILITY, "visible")
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    # The same attempt in a second tab of the same browser: both tabs report it.
    second = page.context.new_page()
    second.goto(reverse("assessments:attempt", args=[attempt.pk]))
    page.wait_for_timeout(300)
    with second.expect_response(lambda r: r.url.endswith(events_url)):
        second.evaluate(_SET_VISIBILITY, "hidden")  # hiding a page sends what it has queued
    with page.expect_response(lambda r: r.url.endswith(events_url)):
        page.evaluate(_SET_VISIBILITY, "hidden")

    expected = {"copy": 1, "paste": 1, "window_blur": 1, "tab_hidden": 1, "second_tab": 2}
    assert _wait_for_kinds(attempt, expected) == expected
    events = {e.kind: e for e in IntegrityEvent.objects.filter(attempt=attempt)}
    assert 1 <= events["window_blur"].seconds_away <= 3
    assert 2 <= events["tab_hidden"].seconds_away <= 4
    assert statuses and set(statuses) == {200}

    # Finished: the next batch answers 409 and the script stops for good.
    second.close()
    attempt_finalise(attempt=attempt, reason=FinishReason.SUBMITTED)
    page.evaluate(_SET_VISIBILITY, "visible")
    with page.expect_response(lambda r: r.url.endswith(events_url)) as refused:
        page.evaluate(_SET_VISIBILITY, "hidden")
    assert refused.value.status == 409
    sent = len(statuses)
    page.evaluate(_SET_VISIBILITY, "visible")
    page.evaluate("document.dispatchEvent(new Event('copy'))")
    page.evaluate(_SET_VISIBILITY, "hidden")
    page.wait_for_timeout(1000)
    assert len(statuses) == sent
    assert IntegrityEvent.objects.filter(attempt=attempt).count() == 6
    assert watch.console_errors == [] or all("409" in error for error in watch.console_errors)
    assert watch.outside_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_attempt_page_asks_for_full_screen_and_reports_leaving_it(new_page):
    from playwright.sync_api import expect

    from assessments.services.attempts import attempt_start
    from tests.browser.pages import log_in
    from tests.hrportal.factories import PASSWORD, UserFactory

    employee = UserFactory(username="taker")
    attempt = attempt_start(assessment=published_assessment(questions=1, requires_fullscreen=True), by=employee)
    page, watch = new_page()
    log_in(page, "taker", PASSWORD)
    events_url = reverse("assessments:events", args=[attempt.pk])
    page.goto(reverse("assessments:attempt", args=[attempt.pk]))

    prompt = page.locator("#fullscreen-prompt")
    expect(prompt).to_be_visible()
    page.locator("#fullscreen-button").click()  # a click: browsers allow full screen only after one
    # The prompt follows the fullscreenchange event, a frame after fullscreenElement: wait for it.
    expect(prompt).to_be_hidden()
    page.evaluate("document.exitFullscreen()")
    expect(prompt).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith(events_url)):
        page.evaluate(_SET_VISIBILITY, "hidden")

    assert _wait_for_kinds(attempt, {"fullscreen_exit": 1}) == {"fullscreen_exit": 1}
    assert watch.console_errors == []
