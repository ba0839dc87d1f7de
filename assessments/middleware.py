"""Finalise the signed-in person's online attempt whose time ran out, on their next request.

Starting an attempt notes its deadline in the session, so this costs no query on the
requests of everyone else; `manage.py finalise_overdue_attempts` catches the attempts of
people who never come back.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from assessments.models import Attempt, FinishReason
from assessments.services.attempts import attempt_finalise, grace

SESSION_KEY = "open_attempt_deadlines"


def remember_open_attempt(request: HttpRequest, attempt: Attempt) -> None:
    deadlines = dict(request.session.get(SESSION_KEY, {}))
    deadlines[str(attempt.pk)] = attempt.deadline.isoformat()
    request.session[SESSION_KEY] = deadlines


def forget_attempt(request: HttpRequest, attempt_id: int) -> None:
    deadlines = dict(request.session.get(SESSION_KEY, {}))
    if deadlines.pop(str(attempt_id), None) is not None:
        request.session[SESSION_KEY] = deadlines


class OverdueAttemptMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # No session cookie: nothing to look up (health checks, first visits).
        try:
            deadlines = session.get(SESSION_KEY) if session is not None and session.session_key else None
        except DatabaseError:
            # The database is down: let the view meet it, where it becomes the 503 page.
            deadlines = None
        if deadlines and request.user.is_authenticated:
            self._finalise_overdue(request, deadlines)
        return self.get_response(request)

    def _finalise_overdue(self, request: HttpRequest, deadlines: dict[str, str]) -> None:
        now = timezone.now()
        for attempt_id, deadline in deadlines.items():
            if now <= datetime.fromisoformat(deadline) + grace():
                continue
            attempt = Attempt.objects.filter(pk=attempt_id, employee_id=request.user.pk).first()
            if attempt is not None and attempt.is_open:
                attempt_finalise(attempt=attempt, reason=FinishReason.TIME_UP)
            forget_attempt(request, int(attempt_id))
