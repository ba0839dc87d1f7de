"""May this employee start this assessment now, and if not, why: the one home of the rule.

The list page, the detail page and attempt_start all ask `availability()`; the audience
rule (who may take it at all) is `Assessment.objects.eligible_for`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment, Attempt, AttemptStatus


class Refusal(StrEnum):
    NONE = ""
    NOT_PUBLISHED = "not_published"
    NOT_ELIGIBLE = "not_eligible"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    COOLDOWN = "cooldown"
    NO_QUESTIONS = "no_questions"


@dataclass(frozen=True)
class Availability:
    refusal: Refusal
    message: str  # why not, in the viewer's language; "" when they may start
    attempts_used: int
    attempts_left: int | None  # None: no limit
    # When the refusal ends by itself: the window opens or the cooldown is over.
    available_from: datetime | None = None
    open_attempt: Attempt | None = None

    @property
    def can_start(self) -> bool:
        return self.refusal == Refusal.NONE


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def availability(
    *, assessment: Assessment, attempts: Sequence[Attempt], eligible: bool, now: datetime | None = None
) -> Availability:
    """Whether the employee whose counted `attempts` at `assessment` these are may start one now.

    `attempts` are theirs at this assessment (previews excluded), in any order; `eligible`
    is the audience rule's answer for them. An open attempt is resumed, never refused.
    """
    now = now or timezone.now()
    used = len(attempts)
    left = None if assessment.max_attempts is None else max(0, assessment.max_attempts - used)
    open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)

    def refuse(refusal: Refusal, message: str, available_from: datetime | None = None) -> Availability:
        return Availability(refusal, message, used, left, available_from, open_attempt)

    if open_attempt is not None:
        return refuse(Refusal.NONE, "")
    if not assessment.is_published:
        return refuse(Refusal.NOT_PUBLISHED, _("This assessment is not published."))
    if not eligible:
        return refuse(
            Refusal.NOT_ELIGIBLE, _("This assessment is not open to your position, your section or you by name.")
        )
    if assessment.opens_at and now < assessment.opens_at:
        return refuse(
            Refusal.NOT_OPEN_YET,
            _("This assessment opens on %(when)s.") % {"when": _when(assessment.opens_at)},
            assessment.opens_at,
        )
    if assessment.closes_at and now >= assessment.closes_at:
        return refuse(Refusal.CLOSED, _("This assessment closed on %(when)s.") % {"when": _when(assessment.closes_at)})
    if left == 0:
        return refuse(
            Refusal.NO_ATTEMPTS_LEFT,
            ngettext(
                "You have used your %(count)d attempt at this assessment.",
                "You have used all %(count)d attempts at this assessment.",
                used,
            )
            % {"count": used},
        )
    finished = [a.finished_at for a in attempts if a.finished_at is not None]
    if assessment.cooldown_minutes and finished:
        ready_at = max(finished) + timedelta(minutes=assessment.cooldown_minutes)
        if now < ready_at:
            return refuse(
                Refusal.COOLDOWN,
                _("You may try again from %(when)s.") % {"when": _when(ready_at)},
                ready_at,
            )
    return refuse(Refusal.NONE, "")
