"""Reads for the strategy pages, each a fixed number of queries into plain dataclasses."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from competencies.models import level_label
from hrportal.models import Position
from hrportal.translated import localized
from strategies.models import Strategy


@dataclass(frozen=True)
class StrategySummary:
    pk: int
    name: str
    description: str
    maturity_min: int
    maturity_max: int
    competency_rows: int
    group_rows: int
    suggested: bool


def strategy_summaries(*, maturity_percent: Decimal | float | None) -> list[StrategySummary]:
    """Every strategy, by maturity band, with how many rows it has and whether a maturity score
    of `maturity_percent` (None: no score yet) suggests it. One query."""
    strategies = Strategy.objects.annotate(
        competency_rows=Count("targets", filter=Q(targets__competency__isnull=False)),
        group_rows=Count("targets", filter=Q(targets__skill_group__isnull=False)),
    )
    return [
        StrategySummary(
            pk=strategy.pk,
            name=strategy.name,
            description=strategy.description,
            maturity_min=strategy.maturity_min,
            maturity_max=strategy.maturity_max,
            competency_rows=strategy.competency_rows,
            group_rows=strategy.group_rows,
            suggested=strategy.suggested_for(maturity_percent),
        )
        for strategy in strategies
    ]


@dataclass(frozen=True)
class StrategyRow:
    """One row of a strategy, as its page shows it."""

    is_group: bool
    code: str  # the competency's code; "" for a skill group
    name: str  # the competency's or the skill group's name
    position: str  # "" for every position
    level: int
    level_label: str


def strategy_rows(*, strategy: Strategy) -> list[StrategyRow]:
    """The strategy's rows: every-position rows first, then by position; skill groups before
    competencies, each by name or code. One query."""
    rows = strategy.targets.select_related("competency", "skill_group", "position")
    shown = [
        StrategyRow(
            is_group=row.skill_group is not None,
            code=row.competency.code if row.competency else "",
            name=row.skill_group.name if row.skill_group else row.competency.name if row.competency else "",
            position=row.position.name if row.position else "",
            level=row.target_level,
            level_label=level_label(row.target_level),
        )
        for row in rows
    ]
    return sorted(
        shown, key=lambda row: (row.position != "", row.position.casefold(), not row.is_group, row.code, row.name)
    )


def positions_by_name() -> list[Position]:
    """Every position, in the reader's order of names: the choices of the apply form. One query."""
    return list(Position.objects.order_by(localized("name"), "pk"))
