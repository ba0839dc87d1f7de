"""Serving hardening: what every response gets, whichever view answers it.

- `DatabaseUnavailableMiddleware`: while the database is down, a friendly 503 page with
  Retry-After instead of the server-error page.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

try:  # psycopg's own classes, for an error that escapes Django's wrapper (e.g. at connect)
    import psycopg

    _UNAVAILABLE: tuple[type[BaseException], ...] = (
        OperationalError,
        InterfaceError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
    )
except ImportError:  # pragma: no cover - SQLite-only installs
    _UNAVAILABLE = (OperationalError, InterfaceError)

# Seconds a client (or a person pressing reload) is asked to wait while the database is down.
RETRY_AFTER_SECONDS = 30


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for the errors a lost or refused database connection raises (not for bad SQL or a
    broken constraint, which stay server errors)."""
    return isinstance(exc, _UNAVAILABLE)


def database_unavailable_response() -> HttpResponse:
    """The 503 page. Rendered without the request's context processors, which would query the
    database again (the navbar's user, the unread count)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection raised by a view into the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.error("Database unavailable while serving %s", request.path, exc_info=exception)
        session = getattr(request, "session", None)
        if session is not None and not hasattr(session, "_session_cache"):
            # The session could not be loaded. Without this, SessionMiddleware would try again
            # on the way out (SESSION_SAVE_EVERY_REQUEST) and turn the 503 into a 500. Nothing is
            # lost: a 5xx response never saves the session, and the cookie is left as it is.
            session._session_cache = {}
        return database_unavailable_response()
