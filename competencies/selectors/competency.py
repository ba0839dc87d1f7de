"""Reads for the competency page: one competency of one employee in full (what its levels mean,
where the employee stands, how they got there). A fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from competencies import rules
from competencies.evidence import attach_evidence_results
from competencies.models import (
    MAX_LEVEL,
    Competency,
    CompetencyLevel,
    CompetencyLevelHistory,
    LevelDescriptor,
    PositionTarget,
    level_label,
)
from competencies.rules import GapStatus
from competencies.selectors.gaps import GapRow, _gap_row
from hrportal.models import User


@dataclass(frozen=True)
class DescribedLevel:
    """A level of the scale as the page explains it: which role it plays for the employee
    (their current level, the next one, the position's target: one level may be several) and
    its descriptor, None when HC wrote none."""

    level: int
    is_current: bool
    is_next: bool
    is_target: bool
    descriptor: LevelDescriptor | None

    @property
    def label(self) -> str:
        return level_label(self.level)


@dataclass(frozen=True)
class CompetencyDetail:
    employee: User
    competency: Competency
    # The position's target, None when the competency is not part of the employee's position
    # (or they have none): "not part of this position", which is not target 0.
    target: int | None
    level: CompetencyLevel | None  # the level on record, with `evidence_result` set
    # The gap rule's view of it (competencies.rules through GapRow, with the target's weight and
    # whether it is critical), None without a target.
    row: GapRow | None
    # Every change of this level, oldest first ("how did I get here" reads forward), each with
    # `evidence_result` set (competencies.evidence).
    history: list[CompetencyLevelHistory]
    described: list[DescribedLevel]
    counted_level: int  # the level that counts (0 when none or expired), as the dashboard counts it
    now: datetime

    @property
    def has_target(self) -> bool:
        return self.target is not None

    @property
    def target_label(self) -> str:
        return level_label(self.target)

    @property
    def current_label(self) -> str:
        return level_label(self.counted_level)

    @property
    def status(self) -> GapStatus | None:
        return self.row.status if self.row else None

    @property
    def expired(self) -> bool:
        return self.level is not None and rules.is_expired(self.level.expires_at, self.now)

    @property
    def expiring(self) -> bool:
        return self.level is not None and rules.is_expiring(self.level.expires_at, self.now)

    @property
    def next_level(self) -> int | None:
        """The level above the one that counts; None at the top of the scale."""
        return self.counted_level + 1 if self.counted_level < MAX_LEVEL else None


def _described_levels(
    descriptors: dict[int, LevelDescriptor], *, current: int, target: int | None
) -> list[DescribedLevel]:
    """The current, the next and the target level, lowest first, each once; level 0 (none)
    has no descriptor and is left out."""
    next_level = current + 1 if current < MAX_LEVEL else None
    wanted = sorted({level for level in (current, next_level, target) if level})
    return [
        DescribedLevel(
            level=level,
            is_current=level == current,
            is_next=level == next_level,
            is_target=level == target,
            descriptor=descriptors.get(level),
        )
        for level in wanted
    ]


def competency_detail(*, employee: User, competency_id: int, now: datetime | None = None) -> CompetencyDetail | None:
    """`employee`'s standing in one competency, None when there is no such competency.

    Five queries, whatever the number of history rows or descriptors: the competency with its
    group, the position's target, the level on record, the descriptors, the history (with who
    changed it and the evidence's type); and a sixth for the assessment results that are the
    evidence of the level or of history rows, when any is.
    """
    competency = Competency.objects.select_related("group").filter(pk=competency_id).first()
    if competency is None:
        return None
    moment = now or timezone.now()
    position_target = None
    if employee.position_id is not None:
        position_target = (
            PositionTarget.objects.filter(position_id=employee.position_id, competency=competency)
            .only("target_level", "weight", "is_critical")
            .first()
        )
    target = position_target.target_level if position_target else None
    level = (
        CompetencyLevel.objects.filter(employee=employee, competency=competency).select_related("evidence_type").first()
    )
    descriptors = {descriptor.level: descriptor for descriptor in LevelDescriptor.objects.filter(competency=competency)}
    history = list(
        CompetencyLevelHistory.objects.filter(employee=employee, competency=competency)
        .select_related("changed_by", "evidence_type")
        .order_by("changed_at", "pk")
    )
    attach_evidence_results([*history, *([level] if level else [])])
    row = None
    if position_target is not None:
        position_target.competency = competency  # loaded above, with its group
        row = _gap_row(position_target, level, moment)
    stored = level.level if level else None
    counted = rules.current_level(
        rules.counted_level(stored, expires_at=level.expires_at if level else None, now=moment)
    )
    return CompetencyDetail(
        employee=employee,
        competency=competency,
        target=target,
        level=level,
        row=row,
        history=history,
        described=_described_levels(descriptors, current=counted, target=target),
        counted_level=counted,
        now=moment,
    )
