"""Shared fixtures: fast test settings and the named cast every access test reuses."""

from dataclasses import dataclass

import pytest
from django.core.cache import caches
from django.utils import translation

from hrportal.models import User
from tests.hrportal.factories import HcUserFactory, PositionFactory, SectionFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Login lockout is tested on its own (tests/hrportal/test_accounts.py); elsewhere it would
    # refuse Client.login(), which passes no request for django-axes to look at.
    settings.AXES_ENABLED = False
    # Plain static storage: the manifest one needs collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _commands_keep_the_test_connection(monkeypatch):
    # The worker and the scheduler call close_old_connections() on every pass. Inside a test's
    # transaction autocommit is off, so Django takes the connection for a broken one and closes
    # it: on PostgreSQL the test's next query then fails ("the connection is closed"); SQLite's
    # in-memory test database ignores the close. A real process runs in autocommit.
    monkeypatch.setattr("hrportal.management.commands.run_periodic.close_old_connections", lambda: None)
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def _empty_caches():
    """Every test starts with empty caches: a page fragment cached by one test (the page cache,
    hrportal/page_cache.py, keys on stamps that each test database starts again from) must
    not be served to the next."""
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the portal's default language. A request in another one
    leaves it active in the thread (LocaleMiddleware activates, nothing deactivates), and the
    next test would build its data in it (a position's name in the Indonesian column)."""
    translation.deactivate()
    yield
    translation.deactivate()


@dataclass
class Cast:
    employee: User
    colleague: User
    supervisor: User
    other_supervisor: User
    hc: User
    hc_employee: User


@pytest.fixture
def cast(db) -> Cast:
    """An employee and a colleague reporting to one supervisor, another supervisor with
    their own report, HC staff, and an HC member who is also an employee (reporting to
    the other supervisor)."""
    return build_cast()


def build_cast() -> Cast:
    """The cast itself, for fixtures of a wider scope than a test (tests/hrportal/test_access_table.py)."""
    section = SectionFactory(name="Production")
    operator = PositionFactory(name="Operator")
    lead = PositionFactory(name="Shift Supervisor")
    supervisor = UserFactory(username="supervisor", position=lead, section=section)
    other_supervisor = UserFactory(username="other_supervisor", position=lead, section=section)
    return Cast(
        employee=UserFactory(username="employee", position=operator, section=section, supervisor=supervisor),
        colleague=UserFactory(username="colleague", position=operator, section=section, supervisor=supervisor),
        supervisor=supervisor,
        other_supervisor=other_supervisor,
        hc=HcUserFactory(username="hc", position=None, section=None, employee_number=None),
        hc_employee=HcUserFactory(
            username="hc_employee", position=operator, section=section, supervisor=other_supervisor
        ),
    )
