"""Reads of ratings, each at a fixed number of queries, into plain dataclasses."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch

from competencies.models import MAX_LEVEL, MIN_LEVEL, LevelDescriptor, PositionTarget, level_label
from hrportal.models import User
from surveys import rules
from surveys.models import SelfRating, SupervisorRating


@dataclass(frozen=True)
class CompetencyRatings:
    """What an employee and their supervisor said about one competency (None: not rated)."""

    self_level: int | None = None
    self_rated_at: datetime | None = None
    supervisor_level: int | None = None
    supervisor_comment: str = ""
    supervisor_name: str = ""
    supervisor_rated_at: datetime | None = None

    @property
    def self_label(self) -> str:
        return level_label(self.self_level) if self.self_level is not None else ""

    @property
    def supervisor_label(self) -> str:
        return level_label(self.supervisor_level) if self.supervisor_level is not None else ""

    def difference(self, verified_level: int | None) -> int | None:
        """Self-rating − counted verified level (surveys.rules); None without a self-rating."""
        return rules.rating_difference(self.self_level, verified_level)

    def to_discuss(self, verified_level: int | None) -> bool:
        return rules.is_to_discuss(self.self_level, verified_level)


NOT_RATED = CompetencyRatings()


def employees_ratings(
    *, employee_ids: Iterable[int], competency_ids: Iterable[int] | None = None
) -> dict[int, dict[int, CompetencyRatings]]:
    """{employee id: {competency id: ratings}} for each of `employee_ids` (an employee with no
    rating at all maps to {}), in every competency or in `competency_ids` only. Two queries:
    self-ratings; supervisor ratings with their authors."""
    ids = list(employee_ids)
    self_ratings = SelfRating.objects.for_employees(ids).order_by()
    supervisor_ratings = SupervisorRating.objects.for_employees(ids).order_by().select_related("rated_by")
    if competency_ids is not None:
        wanted = list(competency_ids)
        self_ratings = self_ratings.filter(competency_id__in=wanted)
        supervisor_ratings = supervisor_ratings.filter(competency_id__in=wanted)
    found: dict[tuple[int, int], dict] = {}
    for employee_id, competency_id, level, rated_at in self_ratings.values_list(
        "employee_id", "competency_id", "level", "updated_at"
    ):
        found[(employee_id, competency_id)] = {"self_level": level, "self_rated_at": rated_at}
    for rating in supervisor_ratings:
        found.setdefault((rating.employee_id, rating.competency_id), {}).update(
            supervisor_level=rating.level,
            supervisor_comment=rating.comment,
            supervisor_name=rating.rated_by.display_name,
            supervisor_rated_at=rating.rated_at,
        )
    result: dict[int, dict[int, CompetencyRatings]] = {employee_id: {} for employee_id in ids}
    for (employee_id, competency_id), values in found.items():
        result[employee_id][competency_id] = CompetencyRatings(**values)
    return result


def employee_ratings(*, employee: User, competency_ids: Iterable[int] | None = None) -> dict[int, CompetencyRatings]:
    """{competency id: ratings} of one employee (in `competency_ids` only, if given); unrated
    competencies are missing (use `.get(pk, NOT_RATED)`). Two queries."""
    return employees_ratings(employee_ids=[employee.pk], competency_ids=competency_ids)[employee.pk]


def to_discuss_counts(
    *, verified: dict[int, dict[int, int]], ratings: dict[int, dict[int, CompetencyRatings]]
) -> dict[int, int]:
    """{employee id: how many of their rated competencies are "to discuss"}: `verified` is
    {employee id: {competency id: counted level}} of the competencies that count (their
    position's), `ratings` from employees_ratings. No query."""
    return {
        employee_id: sum(
            1
            for competency_id, level in levels.items()
            if ratings.get(employee_id, {}).get(competency_id, NOT_RATED).to_discuss(level)
        )
        for employee_id, levels in verified.items()
    }


@dataclass(frozen=True)
class LevelChoice:
    level: int
    label: str
    indicators: str  # the competency's behaviour indicators at this level ("" for 0 or none written)


@dataclass(frozen=True)
class RatingFormRow:
    """One competency of the self-assessment form: the choices with their descriptors."""

    competency_id: int
    code: str
    name: str
    group: str
    current: int | None  # the stored self-rating, None if not rated yet
    choices: list[LevelChoice] = field(default_factory=list)


def self_assessment_rows(*, employee: User) -> list[RatingFormRow]:
    """The competencies of `employee`'s position (group, then code) with each level's
    descriptor, in the active language, and their current self-rating. Three queries
    (targets with competencies and groups; descriptors; self-ratings); none without a position."""
    if employee.position_id is None:
        return []
    targets = (
        PositionTarget.objects.filter(position_id=employee.position_id)
        .select_related("competency__group")
        .prefetch_related(Prefetch("competency__descriptors", queryset=LevelDescriptor.objects.order_by("level")))
    )
    rated = dict(SelfRating.objects.filter(employee=employee).order_by().values_list("competency_id", "level"))
    rows = []
    # Sorted here, not in SQL: the group's name is in the active language's column.
    for target in sorted(targets, key=lambda target: (target.competency.group.name, target.competency.code)):
        competency = target.competency
        indicators = {descriptor.level: descriptor.behaviour_indicators for descriptor in competency.descriptors.all()}
        rows.append(
            RatingFormRow(
                competency_id=competency.pk,
                code=competency.code,
                name=competency.name,
                group=competency.group.name,
                current=rated.get(competency.pk),
                choices=[
                    LevelChoice(level, level_label(level), indicators.get(level, ""))
                    for level in range(MIN_LEVEL, MAX_LEVEL + 1)
                ],
            )
        )
    return rows


@dataclass(frozen=True)
class RatingBeside:
    """One competency's ratings beside its verified level, as the dashboard and the competency
    page show them. `verified` is the counted level (competencies.rules: 0 when none or expired)."""

    ratings: CompetencyRatings
    verified: int

    @property
    def to_discuss(self) -> bool:
        return self.ratings.to_discuss(self.verified)

    @property
    def apart(self) -> int | None:
        """How many levels the self-rating is from the verified level; None without one."""
        difference = self.ratings.difference(self.verified)
        return None if difference is None else abs(difference)


def ratings_beside(ratings: dict[int, CompetencyRatings], verified: dict[int, int]) -> dict[int, RatingBeside]:
    """{competency id: RatingBeside} for each competency of `verified` ({competency id: counted
    level}), from employee_ratings' `ratings`. No query."""
    return {
        competency_id: RatingBeside(ratings.get(competency_id, NOT_RATED), level)
        for competency_id, level in verified.items()
    }
