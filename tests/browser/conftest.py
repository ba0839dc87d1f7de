"""Real headless Chromium (Debian's, never a downloaded build) driven by Playwright."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# tests themselves must be allowed beside it. Only the browser tests set this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(autouse=True)
def _hc_group_permissions(transactional_db):
    """Every browser test runs on a transactional database, which is flushed after each test;
    the flush leaves the HC group without its permissions. post_migrate grants them, as on
    every migrate, so each test starts with the HC group a real database has."""
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import DEFAULT_DB_ALIAS

    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS, apps=apps)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI never skips a browser test
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """Console errors, uncaught exceptions and requests that left this machine."""

    def __init__(self, page):
        self.console_errors: list[str] = []
        self.outside_requests: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        page.on("request", self._on_request)

    def _on_request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            self.outside_requests.append(request.url)


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context on the live server; returns (page, watch)."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page, PageWatch(page)

    yield open_page
    for context in contexts:
        context.close()
