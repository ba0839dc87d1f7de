"""Levels and targets as they stood at the end of a past day, read from their histories.

What "as of day D" means, for the dashboard, the team heatmap (these reads) and the
organisation report (competencies.selectors.reports, which replays the same history in
SQL; tests/competencies/test_as_of.py checks that both agree with a plain replay):

- The *moment* is the last instant of D in settings.TIME_ZONE (end_of_day).
- *Level on D*: the new level of the employee's latest CompetencyLevelHistory row in the
  competency changed at or before the moment (ties on the time: the later row). Raises,
  overrides and voids are all history rows. No row by then: no level (0, not started).
- *Target on D*: the new level of the position's latest PositionTargetHistory row in the
  competency changed at or before the moment; None there, or no row by then: not
  applicable.
- *Rows that predate history.* Every level the portal writes gets a history row (the level
  services, the results import, seed_demo), and every target change goes through
  target_set, which dates it. A level record without any history row was written around
  them: it counts as no level on a past date. A target without any history row (written
  around target_set, say a database loaded directly) is assumed to have stood at its
  current level all along.
- *Expiry* counts with the moment as "now" (competencies.rules). History rows keep no
  expiry date: only the level record's (its current evidence's) is known, so a level
  counts as expired on D when the record's expiry is at or before the moment and the level
  has not changed since (no later history row). An earlier lapse of older evidence does
  not show.
- *Positions* have no history: everyone is compared with the position they hold today (the
  pages say so).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from competencies.evidence import attach_evidence_results
from competencies.models import (
    Competency,
    CompetencyLevel,
    CompetencyLevelHistory,
    PositionTarget,
    PositionTargetHistory,
)


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in the current time zone: the moment "as of `day`" means."""
    next_day = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return next_day - timedelta(microseconds=1)


@dataclass
class PastLevel:
    """An employee's level in one competency on a past day, with its history row's evidence
    (the attributes the gap rows read from a CompetencyLevel)."""

    level: int
    expires_at: datetime | None  # the record's expiry, when it applies on that day (see above)
    achieved_at: datetime
    evidence_note: str
    row: CompetencyLevelHistory
    evidence_result: object = None


def levels_as_of(
    *, employee_ids: list[int], moment: datetime, with_evidence: bool = False
) -> dict[tuple[int, int], PastLevel]:
    """{(employee id, competency id): PastLevel} of the employees' levels at `moment`; pairs
    without a level then are left out. Two queries (their history, their level records'
    expiry dates); with_evidence, a third reads the results that were the evidence."""
    latest: dict[tuple[int, int], CompetencyLevelHistory] = {}
    changed_later: set[tuple[int, int]] = set()
    history = (
        CompetencyLevelHistory.objects.filter(employee_id__in=employee_ids)
        .select_related("evidence_type")
        .only(
            "employee_id",
            "competency_id",
            "new_level",
            "source",
            "evidence_note",
            "evidence_id",
            "evidence_type__app_label",
            "evidence_type__model",
            "changed_at",
        )
        .order_by("changed_at", "pk")
    )
    for row in history:
        key = (row.employee_id, row.competency_id)
        if row.changed_at <= moment:
            latest[key] = row
        else:
            changed_later.add(key)
    expiry = {
        (employee_id, competency_id): expires_at
        for employee_id, competency_id, expires_at in CompetencyLevel.objects.filter(
            employee_id__in=employee_ids, expires_at__isnull=False
        ).values_list("employee_id", "competency_id", "expires_at")
    }
    if with_evidence:
        attach_evidence_results(list(latest.values()))
    return {
        key: PastLevel(
            level=row.new_level,
            expires_at=None if key in changed_later else expiry.get(key),
            achieved_at=row.changed_at,
            evidence_note=row.evidence_note,
            row=row,
            evidence_result=getattr(row, "evidence_result", None),
        )
        for key, row in latest.items()
    }


def targets_as_of(*, position_ids: set[int], moment: datetime) -> dict[int, dict[int, PositionTarget]]:
    """{position id: {competency id: target}} of the applicable targets of `position_ids` at
    `moment`: unsaved PositionTargets with the level of then, the competency (with its group)
    and today's weight and criticality (which have no history; a removed target weighs 1).
    Two queries: the positions' target history, and their current targets (those without any
    history row stand all along)."""
    levels: dict[tuple[int, int], tuple[int | None, Competency]] = {}
    with_history: set[tuple[int, int]] = set()
    history = (
        PositionTargetHistory.objects.filter(position_id__in=position_ids)
        .select_related("competency__group")
        .order_by("changed_at", "pk")
    )
    for row in history:
        key = (row.position_id, row.competency_id)
        with_history.add(key)
        if row.changed_at <= moment:
            levels[key] = (row.new_level, row.competency)
    current = {
        (target.position_id, target.competency_id): target
        for target in PositionTarget.objects.filter(position_id__in=position_ids).select_related("competency__group")
    }
    for key, target in current.items():
        if key not in with_history:
            levels[key] = (target.target_level, target.competency)
    targets: dict[int, dict[int, PositionTarget]] = {pk: {} for pk in position_ids}
    for (position_id, competency_id), (level, competency) in levels.items():
        if level is None:
            continue
        today = current.get((position_id, competency_id))
        targets[position_id][competency_id] = PositionTarget(
            position_id=position_id,
            competency=competency,
            target_level=level,
            **({"weight": today.weight, "is_critical": today.is_critical} if today else {}),
        )
    return targets
