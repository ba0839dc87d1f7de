"""The language switch in a real browser, by keyboard alone: on the login page before signing
in (the cookie), then on the account page (stored on the person)."""

import pytest

# Not page.wait_for_function: when it has to poll, Playwright builds its predicate with eval,
# which the portal's CSP refuses, and the refusal lands among the page's console errors.
from playwright.sync_api import expect

from hrportal.models import User
from tests.browser.pages import log_in
from tests.hrportal.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus, as a keyboard user would reach it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_language_is_switched_by_keyboard_before_and_after_signing_in(new_page):
    UserFactory(username="switcher")
    page, watch = new_page()
    page.goto("/accounts/login/")
    assert page.evaluate("document.documentElement.lang") == "en-gb"

    _tab_to(page, "button[name=language][value=id]")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert page.url.endswith("/accounts/login/")  # back on the page the switch was on
    assert page.locator("button[name=language][value=id]").get_attribute("aria-pressed") == "true"

    log_in(page, "switcher", PASSWORD)
    assert page.evaluate("document.documentElement.lang") == "id"  # the cookie still speaks
    assert User.objects.get(username="switcher").language == ""  # nothing chosen on the account yet

    page.goto("/accounts/profile/")
    # A radio group takes one Tab; the arrow keys choose within it.
    _tab_to(page, "#account-language-form input[name=language]")
    page.keyboard.press("ArrowDown")
    assert page.locator("input[name=language][value='en-gb']").is_checked()
    _tab_to(page, "#account-language-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    assert page.url.endswith("/accounts/profile/")
    assert User.objects.get(username="switcher").language == "en-gb"
    assert page.locator("input[name=language][value='en-gb']").is_checked()
    assert watch.console_errors == []
