"""The navbar on a laptop screen: one row for every role, in both languages, its menus reachable."""

import pytest
from django.core.management import call_command

from tests.browser.page_tour import USERNAMES
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The tops of the bar's top-level entries, and the page's width against the window's.
_NAVBAR_ROWS = """
() => ({
  tops: [...new Set([...document.querySelectorAll('#main-nav > ul > li')]
                    .map((item) => Math.round(item.getBoundingClientRect().top)))],
  width: document.documentElement.scrollWidth,
  viewport: window.innerWidth,
})
"""


@pytest.mark.parametrize("language", ["en-gb", "id"])
@pytest.mark.parametrize("role", ["employee", "supervisor", "hc"])
def test_the_navbar_fits_one_row_at_1280_px(new_page, role, language):
    call_command("seed_demo", verbosity=0)
    page, _watch = new_page()
    log_in(page, USERNAMES[role])
    if language != "en-gb":
        page.locator(f"nav button[name=language][value={language}]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == language

    measured = page.evaluate(_NAVBAR_ROWS)

    assert measured["width"] <= measured["viewport"], f"the page is {measured['width']} px wide at 1280 px"
    assert len(measured["tops"]) == 1, f"the navbar wraps into {len(measured['tops'])} rows: {measured['tops']}"


def test_the_development_and_hc_menus_open_on_their_pages(new_page):
    call_command("seed_demo", verbosity=0)
    page, _watch = new_page()
    log_in(page, USERNAMES["hc"])

    page.get_by_role("button", name="My development").click()
    page.get_by_role("link", name="Learning plan").click()
    page.wait_for_url("**/learning/")
    assert "active" in (page.get_by_role("button", name="My development").get_attribute("class") or "")

    page.get_by_role("button", name="HC", exact=True).click()
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url("**/reports/")
