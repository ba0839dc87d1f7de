"""Reminders about levels whose evidence lapses: `send_expiry_reminders` runs this from cron.

An employee and their (active) supervisor are told when a level is EXPIRY_REMINDER_DAYS
before it lapses (90 and 30 days) and on the day it lapses. Each reminder is recorded
(ExpiryReminder), so a second run the same day, or a run missed and made up later, sends
nothing twice; a level found late gets only the nearest reminder it has reached (20 days
before: the 30-day one, not the 90-day one as well). A renewed level lapses on a new date,
so its reminders start again. Each person gets one notification per run, listing all of
their levels (or their reports' levels) that reached a reminder.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, ngettext_lazy

from competencies.models import CompetencyLevel, ExpiryReminder, level_label
from hrportal.models import NotificationKind, User
from hrportal.notifications import lazy_join, lazy_text, notifications_batched, notify

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django_stubs_ext import StrOrPromise


def levels_next_change(*, employee_ids: "Iterable[int]", now: datetime) -> datetime | None:
    """When the levels of these people next look different by time alone: one lapses
    (competencies.rules.is_expired) or enters the warning window (is_expiring). None: never.
    What a cached page of theirs is good until (hrportal/page_cache.py). One query."""
    window = timedelta(days=settings.EXPIRY_WARNING_DAYS)
    found = CompetencyLevel.objects.filter(employee_id__in=list(employee_ids), expires_at__gt=now).aggregate(
        lapse=Min("expires_at"), warning=Min("expires_at", filter=Q(expires_at__gt=now + window))
    )
    moments = [found["lapse"], found["warning"] - window if found["warning"] else None]
    return min((moment for moment in moments if moment is not None), default=None)


def reminder_days() -> list[int]:
    """The thresholds, farthest first, ending with 0 (the day it lapses): [90, 30, 0]."""
    return sorted({*settings.EXPIRY_REMINDER_DAYS, 0}, reverse=True)


def due_threshold(expires_at: datetime, now: datetime) -> int | None:
    """The nearest threshold (days before `expires_at`) that `now` has reached, or None."""
    reached = [days for days in reminder_days() if now >= expires_at - timedelta(days=days)]
    return min(reached) if reached else None


@dataclass(frozen=True)
class ReminderRun:
    levels: int  # levels that reached a reminder not sent before
    notifications: int


def _line(level: CompetencyLevel, days: int, *, about_report: bool) -> "StrOrPromise":
    """One level's line of a reminder, lazy: the competency's name, the level's label and the
    date are written in the recipient's language (notify renders it)."""
    words = {
        "name": level.employee.get_full_name() or level.employee.username,
        "competency": format_lazy(
            "{code} {name}", code=level.competency.code, name=lazy_text(getattr, level.competency, "name")
        ),
        "level": lazy_text(level_label, level.level),
        "date": lazy_text(lambda: date_format(timezone.localtime(level.expires_at), "DATE_FORMAT")),
    }
    if days == 0:
        text = (
            gettext_lazy("{name}: {competency} ({level}) expired on {date}.")
            if about_report
            else gettext_lazy(
                "{competency} ({level}) expired on {date}: it counts as a gap until a new pass renews it."
            )
        )
    else:
        text = (
            gettext_lazy("{name}: {competency} ({level}) expires on {date}.")
            if about_report
            else gettext_lazy("{competency} ({level}) expires on {date}: renew it by passing its assessment again.")
        )
    return format_lazy(text, **words)


def expiry_reminders_send(*, now: datetime | None = None) -> ReminderRun:
    """Send the reminders due at `now` (default: now) and record them. A fixed number of
    queries plus one bulk write each for the reminders and the notifications."""
    now = now or timezone.now()
    horizon = now + timedelta(days=max(reminder_days()))
    levels = list(
        CompetencyLevel.objects.filter(expires_at__isnull=False, expires_at__lte=horizon, employee__is_active=True)
        .select_related("employee__supervisor", "competency")
        .order_by("expires_at", "pk")
    )
    sent = set(
        ExpiryReminder.objects.filter(expires_at__lte=horizon).values_list(
            "employee_id", "competency_id", "expires_at", "days_before"
        )
    )
    due: list[tuple[CompetencyLevel, datetime, int]] = []
    for level in levels:
        expires_at = level.expires_at
        if expires_at is None:  # filtered out above; for the type checker
            continue
        days = due_threshold(expires_at, now)
        if days is None or (level.employee_id, level.competency_id, expires_at, days) in sent:
            continue
        # A nearer reminder sent already (the run was missed, then made up) covers this one.
        if any((level.employee_id, level.competency_id, expires_at, d) in sent for d in range(days)):
            continue
        due.append((level, expires_at, days))
    if not due:
        return ReminderRun(levels=0, notifications=0)

    own: dict[int, list[StrOrPromise]] = defaultdict(list)
    about_reports: dict[int, list[StrOrPromise]] = defaultdict(list)
    people: dict[int, User] = {}
    for level, _expires_at, days in due:
        employee = level.employee
        people[employee.pk] = employee
        own[employee.pk].append(_line(level, days, about_report=False))
        supervisor = employee.supervisor
        if supervisor is not None and supervisor.is_active and supervisor.pk != employee.pk:
            people[supervisor.pk] = supervisor
            about_reports[supervisor.pk].append(_line(level, days, about_report=True))
    count = 0
    with transaction.atomic(), notifications_batched():
        ExpiryReminder.objects.bulk_create(
            [
                ExpiryReminder(
                    employee_id=level.employee_id,
                    competency_id=level.competency_id,
                    expires_at=expires_at,
                    days_before=days,
                    sent_at=now,
                )
                for level, expires_at, days in due
            ],
            ignore_conflicts=True,  # a run at the same moment recorded it: the notification is sent once more at most
        )
        for person_id, lines in own.items():
            notify(
                recipients=[people[person_id]],
                subject=format_lazy(
                    ngettext_lazy(
                        "A competency level of yours expires", "{count} competency levels of yours expire", len(lines)
                    ),
                    count=len(lines),
                ),
                body=lazy_join("\n", lines),
                url=reverse("competencies:my_gaps"),
                kind=NotificationKind.EXPIRY_REMINDER,
            )
            count += 1
        for person_id, lines in about_reports.items():
            notify(
                recipients=[people[person_id]],
                subject=format_lazy(
                    ngettext_lazy(
                        "A level of someone you supervise expires",
                        "{count} levels of people you supervise expire",
                        len(lines),
                    ),
                    count=len(lines),
                ),
                body=lazy_join("\n", lines),
                url=reverse("competencies:team"),
                kind=NotificationKind.EXPIRY_REMINDER,
            )
            count += 1
    return ReminderRun(levels=len(due), notifications=count)
