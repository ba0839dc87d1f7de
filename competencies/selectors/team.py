"""The team heatmap: a group of employees × the competencies their positions target.

Three queries whatever the team size: members, their positions' targets, their levels.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies import rules
from competencies.models import CompetencyLevel, PositionTarget, level_label
from competencies.rules import GapStatus
from competencies.selectors.as_of import levels_as_of, targets_as_of
from hrportal.models import User

RADAR_AXES = 8


class CellKind(StrEnum):
    MET = "met"
    GAP_1 = "gap-1"
    GAP_2 = "gap-2"
    GAP_3 = "gap-3"  # a gap of 3 or more
    EXPIRED = "expired"
    NOT_STARTED = "not-started"
    NOT_APPLICABLE = "na"


CELL_LABELS = {
    CellKind.MET: gettext_lazy("Met"),
    CellKind.GAP_1: gettext_lazy("Gap of 1"),
    CellKind.GAP_2: gettext_lazy("Gap of 2"),
    CellKind.GAP_3: gettext_lazy("Gap of 3 or more"),
    CellKind.EXPIRED: gettext_lazy("Expired"),
    CellKind.NOT_STARTED: gettext_lazy("Not started"),
    CellKind.NOT_APPLICABLE: gettext_lazy("Not applicable"),
}


@dataclass(frozen=True)
class Cell:
    target: int | None  # None: not applicable for this member's position
    current: int  # the level that counts (competencies.rules): 0 when none or expired
    expired: bool = False
    stored: int = 0  # the level on record (shown when it expired)

    @property
    def gap(self) -> int:
        return 0 if self.target is None else rules.gap(self.target, self.current)

    @property
    def positive_gap(self) -> int:
        return 0 if self.target is None else rules.positive_gap(self.target, self.current)

    @property
    def kind(self) -> CellKind:
        if self.target is None:
            return CellKind.NOT_APPLICABLE
        status = rules.gap_status(self.target, self.current, expired=self.expired)
        if status == GapStatus.MET:
            return CellKind.MET
        if status == GapStatus.EXPIRED:
            return CellKind.EXPIRED
        if status == GapStatus.NOT_STARTED:
            return CellKind.NOT_STARTED
        return {1: CellKind.GAP_1, 2: CellKind.GAP_2}.get(self.gap, CellKind.GAP_3)

    @property
    def label(self) -> str:
        """The cell's status in words, as the legend names it (the heatmap says it beside the colour)."""
        return str(CELL_LABELS[self.kind])

    @property
    def title(self) -> str:
        if self.target is None:
            return str(CELL_LABELS[CellKind.NOT_APPLICABLE])
        shown = self.stored if self.expired else self.current
        return _("%(kind)s: %(level)s of %(target)s") % {
            "kind": CELL_LABELS[self.kind],
            "level": level_label(shown),
            "target": level_label(self.target),
        }


@dataclass(frozen=True)
class TeamColumn:
    competency_id: int
    code: str
    name: str
    assigned: int  # members whose position targets it
    met: int
    total_gap: int
    average_current: float
    average_target: float


@dataclass
class TeamRow:
    employee: User
    cells: list[Cell] = field(default_factory=list)

    @property
    def assigned(self) -> int:
        return sum(1 for c in self.cells if c.target is not None)

    @property
    def met(self) -> int:
        return sum(1 for c in self.cells if c.kind == CellKind.MET)

    @property
    def total_gap(self) -> int:
        return sum(c.positive_gap for c in self.cells)

    @property
    def progress_percent(self) -> int:
        return round(100 * self.met / self.assigned) if self.assigned else 0


@dataclass(frozen=True)
class TeamHeatmap:
    rows: list[TeamRow]
    columns: list[TeamColumn]

    @property
    def chart_columns(self) -> list[TeamColumn]:
        """The competencies with the largest average gaps, at most RADAR_AXES of them."""
        by_gap = sorted(self.columns, key=lambda c: (-(c.average_target - c.average_current), c.code))
        return by_gap[:RADAR_AXES]

    @property
    def chart_data(self) -> dict:
        """Average current against average target (same shape as the gap dashboard's chart)."""
        columns = self.chart_columns
        return {
            "labels": [c.name for c in columns],
            "current": [round(c.average_current, 2) for c in columns],
            "target": [round(c.average_target, 2) for c in columns],
        }


ROW_SORTS = {
    "name": lambda row: (row.employee.last_name.casefold(), row.employee.first_name.casefold()),
    "gap": lambda row: (-row.total_gap, row.employee.last_name.casefold()),
    "progress": lambda row: (row.progress_percent, row.employee.last_name.casefold()),
}
COLUMN_SORTS = {
    "code": lambda column: column.code,
    "gap": lambda column: (-column.total_gap, column.code),
}


def team_heatmap(
    *,
    members: list[User],
    row_sort: str = "name",
    column_sort: str = "code",
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> TeamHeatmap:
    """Heatmap of `members` (users with position loaded) over every competency any of their positions targets.

    `as_of` (a moment): levels and targets as they stood then, from their histories
    (competencies.selectors.as_of), against the members' current positions; four queries.
    """
    now = as_of or now or timezone.now()
    position_ids = {m.position_id for m in members if m.position_id}
    targets: dict[int, dict[int, int]] = {}  # position → competency → target
    competencies = {}
    levels: dict[tuple[int, int], tuple[int, datetime | None]]
    if as_of is not None:
        for position_id, by_competency in targets_as_of(position_ids=position_ids, moment=as_of).items():
            for competency_id, target in by_competency.items():
                targets.setdefault(position_id, {})[competency_id] = target.target_level
                competencies[competency_id] = target.competency
        past = levels_as_of(employee_ids=[m.pk for m in members], moment=as_of)
        levels = {key: (level.level, level.expires_at) for key, level in past.items()}
    else:
        for target in PositionTarget.objects.filter(position_id__in=position_ids).select_related("competency"):
            targets.setdefault(target.position_id, {})[target.competency_id] = target.target_level
            competencies[target.competency_id] = target.competency
        levels = {
            (employee_id, competency_id): (level, expires_at)
            for employee_id, competency_id, level, expires_at in CompetencyLevel.objects.filter(
                employee__in=members, competency_id__in=competencies
            ).values_list("employee_id", "competency_id", "level", "expires_at")
        }
    competency_ids = sorted(competencies, key=lambda cid: competencies[cid].code)
    rows = []
    for member in members:
        member_targets = targets.get(member.position_id or 0, {})
        row = TeamRow(employee=member)
        row.cells = [_cell(member_targets.get(cid), levels.get((member.pk, cid)), now) for cid in competency_ids]
        rows.append(row)
    columns = [_column(competencies[cid], [row.cells[i] for row in rows]) for i, cid in enumerate(competency_ids)]
    return _sorted(TeamHeatmap(rows=rows, columns=columns), row_sort, column_sort)


def _cell(target: int | None, level: tuple[int, datetime | None] | None, now: datetime) -> Cell:
    if level is None:
        return Cell(target, rules.current_level(None))
    stored, expires_at = level
    counted = rules.counted_level(stored, expires_at=expires_at, now=now)
    return Cell(target, rules.current_level(counted), expired=rules.is_expired(expires_at, now), stored=stored)


def _column(competency, cells: list[Cell]) -> TeamColumn:
    applicable = [c for c in cells if c.target is not None]
    count = len(applicable) or 1
    return TeamColumn(
        competency_id=competency.pk,
        code=competency.code,
        name=competency.name,
        assigned=len(applicable),
        met=sum(1 for c in applicable if c.kind == CellKind.MET),
        total_gap=sum(c.positive_gap for c in applicable),
        average_current=sum(c.current for c in applicable) / count,
        average_target=sum(c.target or 0 for c in applicable) / count,
    )


def _sorted(heatmap: TeamHeatmap, row_sort: str, column_sort: str) -> TeamHeatmap:
    order = sorted(range(len(heatmap.columns)), key=lambda i: COLUMN_SORTS[column_sort](heatmap.columns[i]))
    rows = sorted(heatmap.rows, key=ROW_SORTS[row_sort])
    for row in rows:
        row.cells = [row.cells[i] for i in order]
    return TeamHeatmap(rows=rows, columns=[heatmap.columns[i] for i in order])
