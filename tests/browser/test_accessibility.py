"""axe-core finds no serious or critical violation on any page of the tour, for any role:
the portal's pages for an employee, a supervisor and HC, the pages before logging in, and the
admin pages HC uses daily (tests/browser/page_tour.py lists them)."""

from pathlib import Path

import pytest

from tests.browser.page_tour import ROLES, USERNAMES, seed_tour, tour
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_VERSION = "4.14.1"
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# Run through DevTools (page.evaluate), so the portal's CSP, which allows no inline script, stays on.
_AXE_RUN = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((node) => node.target.join(' ')),
  }));
}
"""


def _axe_violations(page, axe_source: str) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    return page.evaluate(_AXE_RUN)


def _describe(path: str, violation: dict) -> str:
    targets = ", ".join(violation["targets"][:3])
    more = len(violation["targets"]) - 3
    return (
        f"{path}: {violation['id']} ({violation['impact']}, {len(violation['targets'])} nodes): "
        f"{violation['help']}; {targets}{f' and {more} more' if more > 0 else ''}"
    )


def test_no_serious_or_critical_axe_violation_on_any_page_of_the_tour_for_any_role(new_page):
    seed_tour()  # once for all roles: seeding is most of this test's time
    axe_source = AXE_SOURCE.read_text(encoding="utf-8")
    assert axe_source.startswith(f"/*! axe v{AXE_VERSION}"), "the vendored axe is not the version named here"
    problems: list[str] = []
    console_errors: list[str] = []
    for role in ROLES:
        page, watch = new_page()  # a context of its own: its own session
        # No transitions (Bootstrap honours reduced motion): axe measures colours as they end up,
        # not halfway through a fade.
        page.emulate_media(reduced_motion="reduce")
        if role != "anonymous":
            log_in(page, USERNAMES[role])
        paths = tour(role)
        assert len(paths) >= 5, role
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, f"{role} {path}: {response and response.status}"
            problems += [
                f"{role} {_describe(path, violation)}"
                for violation in _axe_violations(page, axe_source)
                if violation["impact"] in BLOCKING_IMPACTS
            ]
        console_errors += [f"{role}: {error}" for error in watch.console_errors]

    assert not problems, f"{len(problems)} serious or critical axe violations:\n" + "\n".join(problems)
    assert not console_errors


_FOCUSED = """() => {
  const element = document.activeElement, style = getComputedStyle(element);
  return {id: element.id, text: element.innerText.trim(), outline: style.outlineStyle,
          outlineWidth: parseFloat(style.outlineWidth), outlineColor: style.outlineColor};
}"""


def test_the_keyboard_reaches_the_page_first_through_a_skip_link_and_sees_the_navbar_focus(new_page):
    page, _ = new_page()
    page.goto("/accounts/password_reset/done/")  # no field with autofocus: Tab starts at the top

    page.keyboard.press("Tab")
    assert page.evaluate(_FOCUSED)["text"] == "Skip to main content"
    assert page.get_by_role("link", name="Skip to main content").is_visible()  # hidden only until focused
    page.keyboard.press("Enter")
    assert page.evaluate(_FOCUSED)["id"] == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")

    page.goto("/accounts/password_reset/done/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the navbar's first link
    focused = page.evaluate(_FOCUSED)
    assert focused["text"] == "HC Portal"
    assert (focused["outline"], focused["outlineWidth"], focused["outlineColor"]) == ("solid", 3, "rgb(255, 255, 255)")
