"""The attempt page's integrity reports (tab switches, copy and paste, …), as JSON.

POST {"events": [{"kind": "tab_hidden", "at": "2026-03-01T09:30:00Z", "seconds_away": 12}]}
with the X-CSRFToken header. Answers:
- 200 {"recorded": n};
- 400 {"error": "…"} naming the problem (not JSON, no list, too many events, an unknown kind,
  a bad time or number): nothing of the batch is stored;
- 404 for anyone's attempt but one's own (ids leak nothing);
- 409 {"error": "…"} once the attempt is finished or past its deadline: the script stops;
- 429 {"error": "…"} with Retry-After beyond the per-attempt rate limit.
Signed-out requests are sent to the login page like every other view; a missing CSRF
token is a 403.
"""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Attempt
from assessments.services.attempts import AttemptClosed
from assessments.services.integrity import (
    TooManyEvents,
    integrity_events_parse,
    integrity_events_record,
)
from hrportal.typing import AuthenticatedRequest


def _attempt_of_taker(request: AuthenticatedRequest, attempt_id: int) -> Attempt:
    """The signed-in person's own attempt; 404 for anyone else's, HC included."""
    attempt = Attempt.objects.filter(pk=attempt_id, employee=request.user).first()
    if attempt is None:
        raise Http404(_("No such attempt."))
    return attempt


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@login_required
@require_POST
def attempt_events(request: AuthenticatedRequest, attempt_id: int) -> JsonResponse:
    attempt = _attempt_of_taker(request, attempt_id)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(_("The request body is not JSON."), 400)
    try:
        events = integrity_events_parse(payload)
        stored = integrity_events_record(attempt=attempt, events=events, by=request.user)
    except ValidationError as error:
        return _error(" ".join(error.messages), 400)
    except AttemptClosed:
        return _error(_("This attempt is finished: it takes no more reports."), 409)
    except TooManyEvents as error:
        response = _error(_("Too many reports for this attempt: wait a minute."), 429)
        response["Retry-After"] = str(error.retry_after)
        return response
    return JsonResponse({"recorded": len(stored)})
