"""Reads for the gap dashboard (and the gap to another position): an employee's current
level against each target, each built from a fixed number of queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from django.utils import timezone

from competencies import rules
from competencies.evidence import attach_evidence_results
from competencies.models import DEFAULT_WEIGHT, CompetencyLevel, PositionTarget, Proficiency, level_label
from competencies.rules import GapStatus
from competencies.selectors.as_of import PastLevel, levels_as_of, targets_as_of
from hrportal.models import Position, User

if TYPE_CHECKING:
    from assessments.models import AssessmentResult

RADAR_AXES = 8


@dataclass(frozen=True)
class GapRow:
    competency_id: int
    code: str
    name: str
    group: str
    target: int
    current: int  # the level that counts (competencies.rules): 0 when none or expired
    has_level: bool
    evidence_note: str  # the stored note; pages show the evidence through includes/level_evidence.html
    achieved_at: datetime | None
    stored_level: int = 0  # the level on record, shown beside "expired" when it lapsed
    expires_at: datetime | None = None
    expired: bool = False
    expiring: bool = False
    # The assessment result that is the level's evidence, when loaded (employee_gaps(with_evidence=True)).
    evidence_result: "AssessmentResult | None" = None
    weight: int = DEFAULT_WEIGHT  # the target's weight, 1–5
    is_critical: bool = False

    @property
    def weighted_gap(self) -> int:
        """Weight × positive gap: what the rows are ranked by (competencies.rules)."""
        return rules.weighted_gap(self.target, self.current, self.weight)

    @property
    def gap(self) -> int:
        return rules.gap(self.target, self.current)

    @property
    def status(self) -> GapStatus:
        return rules.gap_status(self.target, self.current, expired=self.expired)

    @property
    def stored_label(self) -> str:
        return level_label(self.stored_level)

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
    # The position compared against when it was chosen (career pages); None: the employee's own.
    position: Position | None = None

    @property
    def has_position(self) -> bool:
        return self.position is not None or self.employee.position_id is not None

    @property
    def gaps(self) -> list[int]:
        """The positive gaps (target above current), largest first."""
        return [gap for row in self.rows if (gap := rules.positive_gap(row.target, row.current))]

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
    def expired(self) -> int:
        return self._count(GapStatus.EXPIRED)

    @property
    def expiring(self) -> int:
        return sum(1 for row in self.rows if row.expiring)

    @property
    def progress_percent(self) -> int:
        """Share of the position's competencies that are met, rounded to a whole percent."""
        return round(100 * self.met / self.total) if self.total else 0

    @property
    def chart_rows(self) -> list[GapRow]:
        """The largest gaps by weight × gap (rows are sorted already), at most RADAR_AXES of them."""
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


def employee_levels(*, employee: User) -> dict[int, CompetencyLevel]:
    """{competency id: level row} of `employee`'s current levels. One query."""
    return {
        level.competency_id: level
        for level in CompetencyLevel.objects.for_employee(employee)
        .select_related("evidence_type")
        .only(
            "competency_id",
            "level",
            "source",
            "evidence_note",
            "evidence_id",
            "evidence_type__app_label",
            "evidence_type__model",
            "achieved_at",
            "expires_at",
        )
    }


def counted_levels(levels: dict[int, CompetencyLevel], *, now: datetime | None = None) -> dict[int, int]:
    """{competency id: the level that counts} from employee_levels' rows; expired levels are
    left out, as no level (competencies.rules)."""
    moment = now or timezone.now()
    return {
        competency_id: row.level
        for competency_id, row in levels.items()
        if rules.counted_level(row.level, expires_at=row.expires_at, now=moment) is not None
    }


def _gap_row(target: PositionTarget, level: "CompetencyLevel | PastLevel | None", now: datetime) -> GapRow:
    competency = target.competency
    expires_at = level.expires_at if level else None
    stored = level.level if level else None
    return GapRow(
        competency_id=competency.pk,
        code=competency.code,
        name=competency.name,
        group=competency.group.name,
        target=target.target_level,
        current=rules.current_level(rules.counted_level(stored, expires_at=expires_at, now=now)),
        has_level=level is not None,
        evidence_note=level.evidence_note if level else "",
        evidence_result=getattr(level, "evidence_result", None),
        achieved_at=level.achieved_at if level else None,
        stored_level=rules.current_level(stored),
        expires_at=expires_at,
        expired=stored is not None and rules.is_expired(expires_at, now),
        expiring=stored is not None and rules.is_expiring(expires_at, now),
        weight=target.weight,
        is_critical=target.is_critical,
    )


def _sort_rows(rows: list[GapRow]) -> list[GapRow]:
    """The one ranking of gaps: weight × gap first (competencies.rules.weighted_gap), then, as
    before weights, gap, target (both descending) and code. Every page that lists or charts the
    largest gaps (dashboard, radar, career panels, IDP suggestions) takes this order."""
    rows.sort(key=lambda row: (-row.weighted_gap, -row.gap, -row.target, row.code))
    return rows


def employee_gap_reports(
    *,
    employee: User,
    positions: Sequence[Position],
    levels: dict[int, CompetencyLevel] | None = None,
    now: datetime | None = None,
) -> dict[int, GapReport]:
    """{position id: GapReport} of `employee` against each of `positions`' targets.

    One query for the targets of all the positions, plus one for the employee's levels unless
    `levels` (from employee_levels) is given. Rows are sorted as in employee_gaps.
    """
    if not positions:
        return {}
    if levels is None:
        levels = employee_levels(employee=employee)
    rows: dict[int, list[GapRow]] = {position.pk: [] for position in positions}
    targets = PositionTarget.objects.filter(position_id__in=rows).select_related("competency__group")
    moment = now or timezone.now()
    for target in targets:
        rows[target.position_id].append(_gap_row(target, levels.get(target.competency_id), moment))
    return {
        position.pk: GapReport(employee=employee, rows=_sort_rows(rows[position.pk]), position=position)
        for position in positions
    }


def employee_gaps(
    *,
    employee: User,
    position: Position | None = None,
    now: datetime | None = None,
    with_evidence: bool = False,
    as_of: datetime | None = None,
) -> GapReport:
    """Current against target for every competency of a position: `position` if given (the
    gap to another role), otherwise the employee's own. Two queries; with_evidence (the
    employee's own position only), a third reads the results that are the levels' evidence.

    `as_of` (a moment, competencies.selectors.as_of.end_of_day): levels and targets as they
    stood then, from their histories, against the employee's current position (and today's
    weights, which have no history); four queries (five with_evidence).

    Sorted by weight × gap descending, then gap, then target descending, then code (_sort_rows).
    """
    if position is not None:
        return employee_gap_reports(employee=employee, positions=[position], now=now)[position.pk]
    if employee.position_id is None:
        return GapReport(employee=employee, rows=[])
    if as_of is not None:
        return _past_gaps(employee=employee, moment=as_of, with_evidence=with_evidence)
    targets = PositionTarget.objects.filter(position_id=employee.position_id).select_related("competency__group")
    levels = employee_levels(employee=employee)
    if with_evidence:
        attach_evidence_results(list(levels.values()))
    moment = now or timezone.now()
    rows = [_gap_row(target, levels.get(target.competency_id), moment) for target in targets]
    return GapReport(employee=employee, rows=_sort_rows(rows))


def _past_gaps(*, employee: User, moment: datetime, with_evidence: bool) -> GapReport:
    """employee_gaps as of `moment` for an employee with a position: the rows from the
    histories (competencies.selectors.as_of)."""
    position_id = cast(int, employee.position_id)
    targets = targets_as_of(position_ids={position_id}, moment=moment)[position_id]
    levels = levels_as_of(employee_ids=[employee.pk], moment=moment, with_evidence=with_evidence)
    rows = [
        _gap_row(target, levels.get((employee.pk, competency_id)), moment) for competency_id, target in targets.items()
    ]
    return GapReport(employee=employee, rows=_sort_rows(rows))
