"""Reads for the competency pages, each built from a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db import models

from competencies.models import CompetencyLevel, PositionTarget, Proficiency, level_label
from hrportal.models import User

RADAR_AXES = 8


class GapStatus(models.TextChoices):
    MET = "met", "Met"
    GAP = "gap", "Gap"
    NOT_STARTED = "not_started", "Not started"


@dataclass(frozen=True)
class GapRow:
    competency_id: int
    code: str
    name: str
    group: str
    target: int
    current: int
    has_level: bool
    evidence_note: str
    achieved_at: datetime | None

    @property
    def gap(self) -> int:
        return self.target - self.current

    @property
    def status(self) -> GapStatus:
        if self.gap <= 0:
            return GapStatus.MET
        if self.current == 0:
            return GapStatus.NOT_STARTED
        return GapStatus.GAP

    @property
    def target_label(self) -> str:
        return level_label(self.target)

    @property
    def current_label(self) -> str:
        return level_label(self.current)


@dataclass(frozen=True)
class GapReport:
    employee: User
    rows: list[GapRow]

    @property
    def has_position(self) -> bool:
        return self.employee.position_id is not None

    @property
    def total(self) -> int:
        return len(self.rows)

    def _count(self, status: GapStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def met(self) -> int:
        return self._count(GapStatus.MET)

    @property
    def in_gap(self) -> int:
        return self._count(GapStatus.GAP)

    @property
    def not_started(self) -> int:
        return self._count(GapStatus.NOT_STARTED)

    @property
    def progress_percent(self) -> int:
        """Share of the position's competencies that are met, rounded to a whole percent."""
        return round(100 * self.met / self.total) if self.total else 0

    @property
    def chart_rows(self) -> list[GapRow]:
        """The largest gaps (rows are sorted already), at most RADAR_AXES of them."""
        return self.rows[:RADAR_AXES]

    @property
    def chart_data(self) -> dict:
        rows = self.chart_rows
        return {
            "labels": [row.name for row in rows],
            "current": [row.current for row in rows],
            "target": [row.target for row in rows],
        }


def level_labels() -> list[str]:
    """Scale labels indexed by level, for charts: ["0 · None", ..., "5 · Master"]."""
    return [level_label(value) for value in Proficiency.values]


def employee_gaps(*, employee: User) -> GapReport:
    """Current against target for every competency of `employee`'s position. Two queries.

    Sorted by gap descending, then target descending, then code. A competency without a
    level row counts as level 0.
    """
    if employee.position_id is None:
        return GapReport(employee=employee, rows=[])
    targets = PositionTarget.objects.filter(position_id=employee.position_id).select_related("competency__group")
    levels = {
        level.competency_id: level
        for level in CompetencyLevel.objects.filter(employee=employee).only(
            "competency_id", "level", "evidence_note", "achieved_at"
        )
    }
    rows = []
    for target in targets:
        level = levels.get(target.competency_id)
        competency = target.competency
        rows.append(
            GapRow(
                competency_id=competency.pk,
                code=competency.code,
                name=competency.name,
                group=competency.group.name,
                target=target.target_level,
                current=level.level if level else 0,
                has_level=level is not None,
                evidence_note=level.evidence_note if level else "",
                achieved_at=level.achieved_at if level else None,
            )
        )
    rows.sort(key=lambda row: (-row.gap, -row.target, row.code))
    return GapReport(employee=employee, rows=rows)
