"""Serving hardening: what every response gets, whichever view answers it.

- `RejectNulMiddleware`: a NUL character in the path or a parameter is a 400, before any view
  (PostgreSQL refuses NUL in text, so a filter like `?status__exact=%00` would be a 500).
- `DatabaseUnavailableMiddleware`: while the database is down, a friendly 503 page with
  Retry-After instead of the server-error page.
- `PrivateResponseMiddleware`: Permissions-Policy on every response, and
  `Cache-Control: private, no-store` on every response to a signed-in person (their pages and
  downloads carry personal data that no shared or browser cache should keep).
- `SessionIdleRenewalMiddleware`: the idle timeout, renewed at most every few minutes.
- `UserLanguageMiddleware`: a signed-in person's chosen language wins over the browser's.
"""

import logging
import time
from collections.abc import Callable
from typing import Literal, cast

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext

from hrportal.models import User

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
    # Also keeps PrivateResponseMiddleware from loading the session to ask who this is.
    patch_cache_control(response, no_store=True)
    return response


class RejectNulMiddleware:
    """400 for a NUL character in the path, a query-string or a form parameter (name or value)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return HttpResponseBadRequest(
                gettext("Bad request: the address or the form contains a NUL character."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info:
        return True
    parameters = [request.GET]
    if request.method == "POST":
        parameters.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in query.getlist(key)) for query in parameters for key in query
    )


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
            # on the way out (to renew it, say) and turn the 503 into a 500. Nothing is
            # lost: a 5xx response never saves the session, and the cookie is left as it is.
            session._session_cache = {}
        return database_unavailable_response()


class PrivateResponseMiddleware:
    """Permissions-Policy everywhere; `private, no-store` for a signed-in person unless the view
    chose its own Cache-Control."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        if not response.has_header("Cache-Control") and _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None:
        return False
    try:
        return bool(user.is_authenticated)
    except DatabaseError:
        # The session could not be read: the response may still be personal, keep it uncached.
        return True


# The idle timeout without a database write on every request: the session's expiry is moved
# forward at most once per SESSION_RENEW_SECONDS, so it ends between SESSION_COOKIE_AGE minus
# that and SESSION_COOKIE_AGE after the person's last request.
SESSION_RENEWED_AT_KEY = "_renewed_at"


class SessionIdleRenewalMiddleware:
    """Renews a signed-in session's expiry (the idle clock) when the last renewal is older than
    SESSION_RENEW_SECONDS. Must come after SessionMiddleware, which saves what this marks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that exists and was read for this request (a signed-in page): an
        # anonymous visit creates none, and a static file reads none.
        if session is None or not session.session_key or not getattr(session, "_session_cache", None):
            return response
        now = int(time.time())
        renewed_at = session.get(SESSION_RENEWED_AT_KEY)
        if not isinstance(renewed_at, int) or now - renewed_at >= settings.SESSION_RENEW_SECONDS:
            session[SESSION_RENEWED_AT_KEY] = now
        return response


def remember_served_language(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    """user_logged_in receiver: for someone who has not chosen a language, remember the one
    LocaleMiddleware serves them (cookie, then Accept-Language), which their emails and
    notifications use (User.preferred_language). Written only when it changes."""
    served = getattr(request, "LANGUAGE_CODE", "") if request is not None else ""
    if not isinstance(user, User) or user.language or not served or served == user.served_language:
        return
    if served not in dict(settings.LANGUAGES):
        return
    User.objects.filter(pk=user.pk).update(served_language=served)
    user.served_language = served


def mark_new_session_renewed(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """user_logged_in receiver: a session just created at login needs no renewal yet."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_RENEWED_AT_KEY] = int(time.time())


class UserLanguageMiddleware:
    """Speaks a signed-in person's own language (User.language) on every request, whatever
    their browser asks; LocaleMiddleware has already chosen for everyone else (the language
    cookie, then Accept-Language, then LANGUAGE_CODE). Must come after AuthenticationMiddleware.

    The language cookie follows the person's choice, so the login page speaks it too once
    they sign out, and a choice made on another device reaches this browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = _chosen_language(request)
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        # Read again: the view may just have stored another choice (and set its cookie).
        chosen = _chosen_language(request)
        if (
            chosen
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen
            and not _sets_language_cookie(response)
        ):
            language_cookie_set(response, chosen)
        return response


def _chosen_language(request: HttpRequest) -> str:
    """The signed-in person's choice, or "" (anonymous, not chosen yet, or no longer offered).

    Without a session cookie nobody is signed in, and the session is not read at all (the
    health check, an anonymous page); while the database is down the view answers the 503.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    user = getattr(request, "user", None)
    try:
        language = user.language if user is not None and user.is_authenticated else ""
    except DatabaseError:
        return ""
    return language if language in dict(settings.LANGUAGES) else ""


def _sets_language_cookie(response: HttpResponse) -> bool:
    return settings.LANGUAGE_COOKIE_NAME in response.cookies


# The values set_cookie takes for SameSite; the setting is typed as any string.
SameSite = Literal["Lax", "Strict", "None", False] | None


def _language_cookie_samesite() -> SameSite:
    return cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE)


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """Remember `language` in this browser, with the LANGUAGE_COOKIE_* settings (as Django's set_language)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=_language_cookie_samesite(),
    )


def language_cookie_delete(response: HttpResponse) -> None:
    """Forget this browser's choice: Accept-Language decides again."""
    response.delete_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        samesite=_language_cookie_samesite(),
    )
