"""Reads for the career pages: match scores, next positions on career paths, talent search.

Match score of an employee for a position: the weighted share of the position's targeted
competencies that are met (competencies.rules: the current level is at or above the target),
that is the sum of the weights of the met competencies ÷ the sum of all the weights, as a
whole percent rounded down, so a shown 80 % is never really 79.6 %. A position without
targets has no score. A position is *recommended* when every one of its critical
competencies is met and the match score is RECOMMENDED_SCORE % or more. Match is the one home
of that rule: the career page, its ranking and talent search all read it.

Estimated development time (see estimated_months): levels are developed one at a time within a
competency, MONTHS_PER_LEVEL months each, and at most PARALLEL_COMPETENCIES competencies are
developed at once.

Every selector here costs a fixed number of queries, however many positions, paths,
competencies or employees there are.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from competencies import rules
from competencies.models import DEFAULT_WEIGHT, CareerPath, CareerPathStep, CompetencyLevel, PositionTarget
from competencies.rules import GapStatus
from competencies.selectors.gaps import GapReport
from hrportal.models import Position, User

RECOMMENDED_SCORE = 80  # percent
# One proficiency level takes about a quarter to develop (idp.selectors plans 12 weeks a level).
MONTHS_PER_LEVEL = 3
# An employee works on at most this many competencies at a time.
PARALLEL_COMPETENCIES = 2
# Beyond this a month count is false precision (a distant position's gaps add up to "about 129
# months"): the estimate then says only that it is more than this many years.
ESTIMATE_HORIZON_YEARS = 3


def estimated_months(gaps: Iterable[int]) -> int:
    """Months to close `gaps` (target − current per competency; ≤ 0 means met).

    Rule: each missing level takes MONTHS_PER_LEVEL months; the levels of one competency are
    developed one after another, and up to PARALLEL_COMPETENCIES competencies in parallel. The
    shortest such schedule takes max(largest gap, ⌈sum of gaps ÷ PARALLEL_COMPETENCIES⌉)
    level-slots: the largest gap cannot be split, and no more than PARALLEL_COMPETENCIES levels
    are worked on at once. E.g. gaps 4 and 1: max(4, ⌈5 ÷ 2⌉) = 4 slots = 12 months; four gaps
    of 1: max(1, 2) = 2 slots = 6 months. No gap: 0.
    """
    positive = [gap for gap in gaps if gap > 0]
    if not positive:
        return 0
    slots = max(max(positive), math.ceil(sum(positive) / PARALLEL_COMPETENCIES))
    return MONTHS_PER_LEVEL * slots


def estimate_text(months: int) -> str:
    """The estimate as the pages say it: "ready now", "about 12 months", or beyond
    ESTIMATE_HORIZON_YEARS only "more than 3 years"."""
    if months == 0:
        return _("ready now")
    if months > 12 * ESTIMATE_HORIZON_YEARS:
        years = ESTIMATE_HORIZON_YEARS
        return ngettext("more than %(years)s year", "more than %(years)s years", years) % {"years": years}
    return ngettext("about %(months)s month", "about %(months)s months", months) % {"months": months}


@dataclass(frozen=True)
class TargetSpec:
    """One target of a position, as the match score needs it."""

    level: int
    weight: int = DEFAULT_WEIGHT
    is_critical: bool = False
    code: str = ""  # the competency's, to name an unmet critical competency


@dataclass(frozen=True)
class Match:
    """How well an employee's current levels match one position's targets."""

    position: Position
    met: int
    total: int
    gaps: tuple[int, ...] = ()  # the positive gaps, largest first
    met_weight: int | None = None  # sum of the weights of the met competencies; None: `met`
    total_weight: int | None = None  # sum of all the weights; None: `total`
    unmet_critical: tuple[str, ...] = ()  # codes of the critical competencies not met, by code

    @classmethod
    def from_levels(cls, position: Position, targets: dict[int, TargetSpec], levels: dict[int, int]) -> "Match":
        """`targets` maps competency id → its target, `levels` competency id → the level that
        counts; a missing level is no level."""
        pairs = [(spec, levels.get(competency_id)) for competency_id, spec in targets.items()]
        met = [(spec, level) for spec, level in pairs if rules.is_met(spec.level, level)]
        return cls(
            position=position,
            met=len(met),
            total=len(pairs),
            gaps=tuple(
                sorted((gap for spec, level in pairs if (gap := rules.positive_gap(spec.level, level))), reverse=True)
            ),
            met_weight=sum(spec.weight for spec, _level in met),
            total_weight=sum(spec.weight for spec, _level in pairs),
            unmet_critical=tuple(
                sorted(spec.code for spec, level in pairs if spec.is_critical and not rules.is_met(spec.level, level))
            ),
        )

    @classmethod
    def from_report(cls, report: GapReport) -> "Match":
        """The same figures from a gap report built for a chosen position (`report.position`)."""
        if report.position is None:
            raise ValueError("The report names no position: build it with employee_gap_reports.")
        met_rows = [row for row in report.rows if row.status == GapStatus.MET]
        return cls(
            position=report.position,
            met=len(met_rows),
            total=report.total,
            gaps=tuple(sorted(report.gaps, reverse=True)),
            met_weight=sum(row.weight for row in met_rows),
            total_weight=sum(row.weight for row in report.rows),
            unmet_critical=tuple(
                sorted(row.code for row in report.rows if row.is_critical and row.status != GapStatus.MET)
            ),
        )

    @property
    def _weights(self) -> tuple[int, int]:
        met = self.met if self.met_weight is None else self.met_weight
        total = self.total if self.total_weight is None else self.total_weight
        return met, total

    @property
    def score(self) -> Fraction:
        """Exact weighted share met, 0–1 (ranking and thresholds compare this, never a rounded figure)."""
        met, total = self._weights
        return Fraction(met, total) if total else Fraction(0)

    @property
    def score_percent(self) -> int:
        """Whole percent, rounded down."""
        met, total = self._weights
        return (100 * met) // total if total else 0

    @property
    def is_weighted(self) -> bool:
        """Whether any weight is not 1, so the score differs from the plain count."""
        return self._weights != (self.met, self.total)

    @property
    def reaches_score(self) -> bool:
        return self.total > 0 and self.score * 100 >= RECOMMENDED_SCORE

    @property
    def is_recommended(self) -> bool:
        """Every critical competency met, and a match score of RECOMMENDED_SCORE % or more."""
        return self.reaches_score and not self.unmet_critical

    def reaches(self, min_score: int) -> bool:
        return self.score * 100 >= min_score

    @property
    def months(self) -> int:
        return estimated_months(self.gaps)

    @property
    def estimate(self) -> str:
        return estimate_text(self.months)

    @property
    def in_gap(self) -> int:
        return self.total - self.met


def targets_by_position(*, position_ids: Iterable[int] | None = None) -> dict[int, dict[int, TargetSpec]]:
    """{position id: {competency id: its target}} for every position (or those given) that
    has targets. One query, however many positions and competencies."""
    targets = PositionTarget.objects.all()
    if position_ids is not None:
        targets = targets.filter(position_id__in=list(position_ids))
    result: dict[int, dict[int, TargetSpec]] = defaultdict(dict)
    for position_id, competency_id, level, weight, critical, code in targets.values_list(
        "position_id", "competency_id", "target_level", "weight", "is_critical", "competency__code"
    ):
        result[position_id][competency_id] = TargetSpec(level=level, weight=weight, is_critical=critical, code=code)
    return dict(result)


def position_ranking(*, positions: Sequence[Position], levels: dict[int, int]) -> list[Match]:
    """Every position in `positions` that has targets, best match first (weighted score, then name).

    `levels` maps competency id → the employee's current level. One query (all targets).
    """
    by_id = {position.pk: position for position in positions}
    all_targets = targets_by_position()
    matches = [
        Match.from_levels(by_id[position_id], targets, levels)
        for position_id, targets in all_targets.items()
        if position_id in by_id
    ]
    matches.sort(key=lambda match: (-match.score, match.position.name.casefold(), match.position.pk))
    return matches


# --- Career paths --------------------------------------------------------------------------


@dataclass(frozen=True)
class NextPosition:
    """The position right after the employee's on one or more career paths."""

    position: Position
    paths: list[CareerPath]


@dataclass(frozen=True)
class PathPlace:
    """Where a position stands on career paths: the next positions, and the paths it tops."""

    paths: list[CareerPath]
    next_positions: list[NextPosition]
    top_of: list[CareerPath]

    @property
    def on_a_path(self) -> bool:
        return bool(self.paths)


def path_place(*, position_id: int | None) -> PathPlace:
    """For each career path containing `position_id`, the position right after it (by step
    order; gaps in the numbering are fine). A position that is next on several paths is listed
    once, with all those paths. One query (none without a position)."""
    if position_id is None:
        return PathPlace(paths=[], next_positions=[], top_of=[])
    steps = (
        CareerPathStep.objects.filter(path__steps__position_id=position_id)
        .select_related("path", "position")
        .order_by("path__name", "path_id", "order")
    )
    steps_by_path: dict[int, list[CareerPathStep]] = defaultdict(list)
    for step in steps:
        steps_by_path[step.path_id].append(step)
    paths, top_of = [], []
    next_by_position: dict[int, NextPosition] = {}
    for path_steps in steps_by_path.values():
        path = path_steps[0].path
        paths.append(path)
        index = next(i for i, step in enumerate(path_steps) if step.position_id == position_id)
        if index + 1 == len(path_steps):
            top_of.append(path)
            continue
        following = path_steps[index + 1].position
        next_by_position.setdefault(following.pk, NextPosition(position=following, paths=[])).paths.append(path)
    return PathPlace(paths=paths, next_positions=list(next_by_position.values()), top_of=top_of)


# --- Talent search -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    employee: User
    match: Match


def talent_search(
    *, position: Position, candidates: QuerySet[User], min_score: int = 0
) -> tuple[bool, list[Candidate]]:
    """Employees of `candidates` ranked by match score for `position` (best first, then by
    name), keeping those at or above `min_score` percent.

    Returns (whether the position has targets, candidates); without targets nobody has a score
    and the list is empty. Three queries however many candidates: the position's targets, the
    candidates with position and section, and their levels in those competencies.
    """
    targets = targets_by_position(position_ids=[position.pk]).get(position.pk, {})
    if not targets:
        return False, []
    people = list(candidates.select_related("position", "section"))
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    # A subquery rather than a list of ids: no limit on the number of SQL parameters.
    rows = CompetencyLevel.objects.filter(employee__in=candidates.values("pk"), competency_id__in=list(targets))
    now = timezone.now()
    for employee_id, competency_id, level, expires_at in rows.values_list(
        "employee_id", "competency_id", "level", "expires_at"
    ):
        counted = rules.counted_level(level, expires_at=expires_at, now=now)
        if counted is not None:
            levels[employee_id][competency_id] = counted
    found = []
    for person in people:
        match = Match.from_levels(position, targets, levels.get(person.pk, {}))
        if match.reaches(min_score):
            found.append(Candidate(employee=person, match=match))
    found.sort(
        key=lambda c: (
            -c.match.score,
            c.employee.last_name.casefold(),
            c.employee.first_name.casefold(),
            c.employee.username,
        )
    )
    return True, found
