"""HC's review of attempts: the queue of flagged (cleared, voided, all) attempts and one
attempt's integrity record. Fixed numbers of queries, whatever the number of attempts or events."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from assessments.models import AssessmentResult, Attempt, AttemptStatus, IntegrityEvent, ReviewStatus
from assessments.services.integrity import IntegritySummary, attempt_integrity_summary, integrity_summaries
from competencies.models import CompetencyLevelHistory
from hrportal.models import User

# What the queue can show: the filter's name in the address, its label, the attempts.
QUEUE_FILTERS: dict[str, tuple["StrOrPromise", Q]] = {
    "flagged": (gettext_lazy("Flagged"), Q(review_status=ReviewStatus.FLAGGED)),
    "cleared": (gettext_lazy("Cleared"), Q(review_status=ReviewStatus.CLEARED)),
    "voided": (gettext_lazy("Voided"), Q(review_status=ReviewStatus.VOIDED)),
    "all": (gettext_lazy("All with events"), ~Q(review_status=ReviewStatus.NONE) | Q(integrity_points__gt=0)),
}
DEFAULT_FILTER = "flagged"
# The timeline of one attempt shows this many events at most (the summary counts them all).
TIMELINE_LIMIT = 500


def format_seconds(seconds: int) -> str:
    """12 → "12 s"; 125 → "2 min 5 s"; 3725 → "1 h 2 min"."""
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def _reviewable() -> QuerySet[Attempt]:
    """Finished attempts that count (HC's previews are never reviewed)."""
    return Attempt.objects.filter(status=AttemptStatus.FINISHED, is_preview=False)


def review_queue_attempts(*, show: str) -> QuerySet[Attempt]:
    """The attempts behind one filter of the queue: flagged ones oldest first (a queue),
    the others most recent first."""
    _label, condition = QUEUE_FILTERS[show]
    ordering = ["finished_at", "pk"] if show == DEFAULT_FILTER else ["-finished_at", "-pk"]
    return (
        _reviewable()
        .filter(condition)
        .select_related("employee", "assessment", "result", "reviewed_by")
        .order_by(*ordering)
    )


def review_queue_counts() -> dict[str, int]:
    """How many attempts each filter shows, from one query."""
    return _reviewable().aggregate(
        **{name: Count("pk", filter=condition) for name, (_label, condition) in QUEUE_FILTERS.items()}
    )


@dataclass(frozen=True)
class QueueRow:
    attempt: Attempt
    summary: IntegritySummary
    time_away: str
    # HC's own attempt: listed, but another HC member reviews it.
    is_own: bool


def review_queue_rows(*, attempts: list[Attempt], viewer: User) -> list[QueueRow]:
    """Rows for a page of the queue: one query for every attempt's events by kind."""
    summaries = integrity_summaries(attempts)
    return [
        QueueRow(
            attempt=attempt,
            summary=summaries[attempt.pk],
            time_away=format_seconds(attempt.seconds_away),
            is_own=attempt.employee_id == viewer.pk,
        )
        for attempt in attempts
    ]


@dataclass(frozen=True)
class TimelineEvent:
    event: IntegrityEvent
    # Minutes and seconds since the attempt started: "12:05".
    into_attempt: str
    time_away: str


@dataclass(frozen=True)
class ReviewDetail:
    attempt: Attempt
    summary: IntegritySummary
    time_away: str
    timeline: list[TimelineEvent]
    # Levels the result changed: what it raised, and what fell when it was voided.
    level_history: list[CompetencyLevelHistory] = field(default_factory=list)

    @property
    def timeline_truncated(self) -> bool:
        return self.summary.event_count > len(self.timeline)


def attempt_for_review(*, attempt_id: int) -> Attempt | None:
    """A finished or open attempt that counts, with everything the review page shows."""
    return (
        Attempt.objects.filter(pk=attempt_id, is_preview=False)
        .select_related(
            "employee",
            "employee__position",
            "employee__section",
            "assessment",
            "result",
            "result__voided_by",
            "reviewed_by",
        )
        .first()
    )


def review_detail(*, attempt: Attempt) -> ReviewDetail:
    """The review page of one attempt: the summary (one query), the timeline (one) and the
    level history naming its result (one, plus the content type, cached after the first)."""
    summary = attempt_integrity_summary(attempt)
    events = list(attempt.events.order_by("occurred_at", "pk")[:TIMELINE_LIMIT])
    timeline = [
        TimelineEvent(
            event=event,
            into_attempt="{}:{:02d}".format(*divmod(int((event.occurred_at - attempt.started_at).total_seconds()), 60)),
            time_away=format_seconds(event.seconds_away) if event.seconds_away else "",
        )
        for event in events
    ]
    history: list[CompetencyLevelHistory] = []
    if attempt.result_id is not None:
        history = list(
            CompetencyLevelHistory.objects.filter(
                employee=attempt.employee_id,
                evidence_type=ContentType.objects.get_for_model(AssessmentResult),
                evidence_id=attempt.result_id,
            )
            .select_related("competency")
            .order_by("changed_at", "pk")
        )
    return ReviewDetail(
        attempt=attempt,
        summary=summary,
        time_away=format_seconds(attempt.seconds_away),
        timeline=timeline,
        level_history=history,
    )
