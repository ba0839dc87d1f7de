"""Camera-free proctoring: the attempt page's reports, the integrity summary, HC's clearing.

The attempt page's script (static/js/attempt-integrity.js) reports what it sees in batches.
Only the taker's own open attempt takes reports; each event is stored with the severity
that EVENT_SEVERITY gives its kind, and the attempt's integrity points and time away are
kept current in the same transaction, so an attempt reaching its assessment's flag
threshold is flagged for HC's review at once. Voiding lives in services/voiding.py.

A report names a kind the portal knows; an unknown kind refuses the whole batch (400),
since the script and the server ship together and a new kind means one of them is wrong.
"""

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from assessments.models import (
    EVENT_SEVERITY,
    Attempt,
    IntegrityEvent,
    IntegrityEventKind,
    ReviewStatus,
    Severity,
)
from assessments.services.attempts import AttemptClosed, is_overdue
from hrportal.models import User

# One batch carries at most this many events (the script sends at most 50).
MAX_EVENTS_PER_BATCH = 50
# Events one attempt may report per minute; beyond it the batch is refused (429). An honest
# page sends a few; a flood is a broken or hostile client.
MAX_EVENTS_PER_MINUTE = 120
RATE_WINDOW_SECONDS = 60
# The kinds whose seconds away count as time away from the page; other kinds carry none.
AWAY_KINDS = frozenset({IntegrityEventKind.TAB_HIDDEN, IntegrityEventKind.WINDOW_BLUR})


class TooManyEvents(Exception):
    """The attempt sent more events this minute than MAX_EVENTS_PER_MINUTE."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class EventReport:
    """One event as the browser reported it, checked for shape (not yet for time)."""

    kind: str
    at: datetime | None
    seconds_away: int = 0


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int
    severity: int

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label) if self.severity in Severity.values else ""


@dataclass(frozen=True)
class IntegritySummary:
    """Events of one attempt by kind (most frequent first), and its totals."""

    by_kind: list[KindCount] = field(default_factory=list)
    integrity_points: int = 0
    seconds_away: int = 0

    @property
    def event_count(self) -> int:
        return sum(kind.count for kind in self.by_kind)


def attempt_accepts_events(attempt: Attempt, now: datetime | None = None) -> bool:
    """Open and not past its deadline and grace: the same window in which answers count."""
    return attempt.is_open and not is_overdue(attempt, now)


def integrity_events_parse(payload: object) -> list[EventReport]:
    """The events of a request body {"events": [{"kind", "at", "seconds_away"}, …]}.

    Raises ValidationError naming the first problem ("events[2].kind: …"); an unknown kind
    is a problem. `at` is optional (missing: the time of arrival); `seconds_away` is an
    optional whole number of seconds, 0 or more.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise ValidationError(_('Send a JSON object with a list of "events".'))
    raw_events = payload["events"]
    if not raw_events:
        raise ValidationError(_("The list of events is empty."))
    if len(raw_events) > MAX_EVENTS_PER_BATCH:
        raise ValidationError(
            _("Send at most %(limit)d events at a time, not %(count)d.")
            % {"limit": MAX_EVENTS_PER_BATCH, "count": len(raw_events)}
        )
    reports = []
    for index, raw in enumerate(raw_events):
        where = f"events[{index}]"
        if not isinstance(raw, dict):
            raise ValidationError(_("%(where)s: each event must be an object.") % {"where": where})
        kind = raw.get("kind")
        if not isinstance(kind, str) or kind not in IntegrityEventKind.values:
            raise ValidationError(
                _("%(where)s.kind: unknown kind %(kind)s; known kinds: %(known)s.")
                % {"where": where, "kind": repr(kind), "known": ", ".join(IntegrityEventKind.values)}
            )
        at_text = raw.get("at")
        at = None
        if at_text is not None:
            try:
                at = parse_datetime(at_text) if isinstance(at_text, str) else None
            except ValueError:  # well formed, but no such time (month 13)
                at = None
            if at is None or timezone.is_naive(at):
                raise ValidationError(
                    _("%(where)s.at: give the time in ISO 8601 with a time zone, e.g. 2026-03-01T09:30:00Z.")
                    % {"where": where}
                )
        seconds = raw.get("seconds_away", 0)
        if seconds is None:
            seconds = 0
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds != seconds or seconds < 0:
            raise ValidationError(_("%(where)s.seconds_away: give a number of seconds, 0 or more.") % {"where": where})
        reports.append(EventReport(kind=kind, at=at, seconds_away=int(min(seconds, 10**7))))
    return reports


def _rate_check(attempt: Attempt, count: int) -> None:
    """Count `count` events against the attempt's minute; refuse beyond the limit."""
    window = int(time.time() // RATE_WINDOW_SECONDS)
    key = f"integrity-events:{attempt.pk}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        used = cache.incr(key, count)
    except ValueError:  # expired between add and incr
        cache.set(key, count, timeout=RATE_WINDOW_SECONDS * 2)
        used = count
    if used > MAX_EVENTS_PER_MINUTE:
        retry_after = RATE_WINDOW_SECONDS - int(time.time()) % RATE_WINDOW_SECONDS
        raise TooManyEvents(retry_after=max(retry_after, 1))


def integrity_events_record(*, attempt: Attempt, events: Sequence[EventReport], by: User) -> list[IntegrityEvent]:
    """Store `by`'s reports about their own open `attempt` and update its integrity totals.

    Times are kept within the attempt's start and the arrival, and a time away never exceeds
    the time since the start. The attempt reaching its assessment's flag threshold becomes
    "flagged" (HC's previews never are). Raises PermissionDenied for someone else's attempt,
    AttemptClosed once it is finished or past its deadline, TooManyEvents beyond the
    rate limit. Returns the events stored.
    """
    if by.pk != attempt.employee_id:
        raise PermissionDenied(_("Only the person taking an attempt reports on it."))
    if not events:
        return []
    if not attempt_accepts_events(attempt):
        raise AttemptClosed
    _rate_check(attempt, len(events))
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("assessment").get(pk=attempt.pk)
        now = timezone.now()
        if not attempt_accepts_events(locked, now):
            raise AttemptClosed
        start = locked.started_at
        stored = []
        for report in events:
            at = report.at or now
            at = min(max(at, start), now)
            # Away no longer than the attempt had lasted when the page came back.
            seconds_away = min(report.seconds_away, int((at - start).total_seconds()))
            if report.kind not in AWAY_KINDS:
                seconds_away = 0
            stored.append(
                IntegrityEvent(
                    attempt=locked,
                    kind=report.kind,
                    severity=EVENT_SEVERITY[report.kind],
                    occurred_at=at,
                    received_at=now,
                    seconds_away=seconds_away,
                )
            )
        IntegrityEvent.objects.bulk_create(stored)
        locked.integrity_points += sum(event.severity for event in stored)
        # Overlapping reports (two tabs) never make the total longer than the attempt so far.
        locked.seconds_away = min(
            locked.seconds_away + sum(event.seconds_away for event in stored), int((now - start).total_seconds())
        )
        update_fields = ["integrity_points", "seconds_away"]
        threshold = locked.assessment.flag_threshold
        if (
            threshold is not None
            and not locked.is_preview
            and locked.review_status == ReviewStatus.NONE
            and locked.integrity_points >= threshold
        ):
            locked.review_status = ReviewStatus.FLAGGED
            update_fields.append("review_status")
        # save(), not QuerySet.update(): the audit trail hears the flagging.
        locked.save(update_fields=update_fields)
    attempt.integrity_points, attempt.seconds_away = locked.integrity_points, locked.seconds_away
    attempt.review_status = locked.review_status
    return stored


def integrity_summaries(attempts: Iterable[Attempt]) -> dict[int, IntegritySummary]:
    """The summary of each of `attempts`, by attempt id, from one query."""
    attempts = list(attempts)
    counts: dict[int, list[KindCount]] = defaultdict(list)
    if attempts:
        rows = (
            IntegrityEvent.objects.filter(attempt__in=[a.pk for a in attempts])
            .values_list("attempt_id", "kind")
            .annotate(count=Count("pk"))
            .order_by()
        )
        labels = dict(IntegrityEventKind.choices)
        for attempt_id, kind, count in rows:
            counts[attempt_id].append(
                KindCount(
                    kind=kind, label=str(labels.get(kind, kind)), count=count, severity=EVENT_SEVERITY.get(kind, 0)
                )
            )
    return {
        a.pk: IntegritySummary(
            by_kind=sorted(counts[a.pk], key=lambda k: (-k.count, -k.severity, k.kind)),
            integrity_points=a.integrity_points,
            seconds_away=a.seconds_away,
        )
        for a in attempts
    }


def attempt_integrity_summary(attempt: Attempt) -> IntegritySummary:
    """Events of `attempt` by kind (counts) and its total time away from the page."""
    return integrity_summaries([attempt])[attempt.pk]


def attempt_review_clear(*, attempt: Attempt, by: User, note: str = "") -> Attempt:
    """HC looked at a finished attempt's events and finds nothing wrong: it is cleared.

    Nobody reviews their own attempt; a voided attempt stays voided, and one already
    cleared is not cleared again.
    """
    if not by.is_hc:
        raise PermissionDenied(_("Only HC staff review attempts."))
    if by.pk == attempt.employee_id:
        raise PermissionDenied(_("Nobody reviews their own attempt: another HC member does."))
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.is_open:
            raise ValidationError(_("This attempt is still in progress: review it once it is finished."))
        if locked.is_preview:
            raise ValidationError(_("A preview is not reviewed."))
        if locked.review_status == ReviewStatus.VOIDED:
            raise ValidationError(_("This attempt was voided; a voided attempt cannot be cleared."))
        if locked.review_status == ReviewStatus.CLEARED:
            raise ValidationError(_("This attempt is already cleared."))
        locked.review_status = ReviewStatus.CLEARED
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.review_note = (note or "").strip()
        locked.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_note"])
    return locked
