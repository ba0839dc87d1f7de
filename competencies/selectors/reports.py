"""The organisation report: gaps by section, position and competency, and progress over time.

Definitions (the page's captions say the same):

- The *population* is the active employees who hold a position.
- An *assignment* is an (employee, competency) pair where the employee's position has a
  target (a PositionTarget row) in that competency.
- The *current level*, the *gap* and *met* of an assignment are competencies.rules': the
  employee's CompetencyLevel in it, no level (or an expired one) counting as 0; gap =
  target − current; met when gap ≤ 0.
- *Share met* = met assignments ÷ assignments.
- *Average gap* = the average of max(gap, 0) over the assignments, so a level above its
  target does not offset a gap elsewhere.
- *Employees in gap* = distinct employees with at least one unmet assignment in the group.
- *Weighted gap* of a competency: the sum of weight × max(gap, 0) over its assignments, each
  weighed by its target's weight (competencies.rules.weighted_gap).
- *Largest gaps*: competencies ranked by weighted gap (then total positive gap, average gap,
  code), the top ten that have any gap.
- *Progress over time*: for each of the last 12 month ends (the ends of the 12 months before
  the current one), the share of today's assignments (current positions, current targets)
  that were met then. The level at a month end is the new level of the latest
  CompetencyLevelHistory row of that employee and competency with changed_at at or before
  it; no row means 0.

How it is computed — three SQL statements, whatever the size of the organisation:

1. Figures per (section, position): levels are aggregated per employee first, then per
   (section, position), so "employees in gap" needs no COUNT(DISTINCT).
2. Figures per competency.
3. The monthly series, from the history.

Python only adds up the at most sections × positions rows of (1) into the by-section, the
by-position and the total figures (each employee is in exactly one such cell, so every
figure adds up) and sorts the competency rows.

The statements are plain SQL (run on PostgreSQL and SQLite) rather than the ORM for two
reasons: the ORM cannot group the result of a grouped subquery (step 1), and the shape is
the point. Level rows are the large side of every join and probe two small hash tables
(the population, 2,400 targets); assignments without a level row are counted from the
targets per position instead of being produced by an outer join, which on 600,000 levels
is several times slower. So each figure is what the targets give without any level,
corrected by what each level row changes:

    met       = Σ met(target, no level)  + Σ over level rows [met(target, level) − met(target, no level)]
    gap total = Σ gap⁺(target, no level) + Σ over level rows [gap⁺(target, level) − gap⁺(target, no level)]

where met and gap⁺ (the positive gap) are competencies.rules' SQL fragments, the same rule
the dashboards apply in Python.

The monthly series counts changes rather than replaying levels. An assignment is met at a
month end when it is met without a level plus the sum, over its history rows up to then,
of met(target, new level) − met(target, the level before the row). The level before a row
is its old_level (none: no level): the level services write the previous level there in
the same transaction as the level, so it is the new level of the row before. A level
whose evidence expired adds one more step, at its expiry: met without a level − met at
its level (only the current level's expiry is known, so a level renewed after a lapse
shows as met through the lapse). Summing those ±1 steps with 12 conditional sums reads
the history once and needs no window function (a LAG over 800,000 rows sorts them all,
and was the slowest part).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format

from competencies.models import Competency, CompetencyLevel, CompetencyLevelHistory, PositionTarget
from competencies.rules import sql_counted_level, sql_met, sql_positive_gap, sql_weighted_gap
from hrportal.models import Position, Section, User
from hrportal.translated import localized_sql

MONTHS = 12
LARGEST_GAPS = 10


@dataclass(frozen=True)
class GroupFigures:
    """The figures of one group of assignments: a section, a position, a competency, or all."""

    pk: int | None
    name: str
    employees: int
    assignments: int
    met: int
    gap_total: int
    employees_in_gap: int
    code: str = ""
    weighted_gap_total: int = 0  # Σ weight × max(gap, 0); filled in by competency only

    @property
    def share_met_percent(self) -> float | None:
        """Met ÷ assignments in percent, one decimal; None for a group without assignments."""
        return round(100 * self.met / self.assignments, 1) if self.assignments else None

    @property
    def average_gap(self) -> float | None:
        """The average of max(gap, 0) over the assignments, two decimals."""
        return round(self.gap_total / self.assignments, 2) if self.assignments else None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name


@dataclass(frozen=True)
class MonthPoint:
    month_end: date
    met: int
    assignments: int

    @property
    def label(self) -> str:
        """The chart's label for the month, in the active language: "May 2026", "Mei 2026"."""
        return date_format(self.month_end, "M Y")

    @property
    def share_met_percent(self) -> float | None:
        return round(100 * self.met / self.assignments, 1) if self.assignments else None


@dataclass(frozen=True)
class OrganisationReport:
    today: date
    total: GroupFigures
    by_section: list[GroupFigures]
    by_position: list[GroupFigures]
    by_competency: list[GroupFigures]
    progress: list[MonthPoint]

    @property
    def largest_gaps(self) -> list[GroupFigures]:
        ranked = sorted(
            (row for row in self.by_competency if row.gap_total > 0),
            key=lambda row: (-row.weighted_gap_total, -row.gap_total, -(row.average_gap or 0), row.code),
        )
        return ranked[:LARGEST_GAPS]

    @property
    def chart_data(self) -> dict:
        largest = self.largest_gaps
        return {
            "progress": {
                "labels": [point.label for point in self.progress],
                "share_met": [point.share_met_percent for point in self.progress],
            },
            "largest_gaps": {
                "labels": [row.label for row in largest],
                "gap_total": [row.gap_total for row in largest],
                "average_gap": [row.average_gap for row in largest],
            },
        }


def month_ends(today: date, months: int = MONTHS) -> list[date]:
    """The last day of each of the `months` months before the month of `today`, oldest first."""
    ends = []
    first = today.replace(day=1)
    for _ in range(months):
        end = date.fromordinal(first.toordinal() - 1)
        ends.append(end)
        first = end.replace(day=1)
    return ends[::-1]


def _after(day: date) -> datetime:
    """The first instant after `day` in the current time zone (a month end includes its last day)."""
    return timezone.make_aware(datetime.combine(date.fromordinal(day.toordinal() + 1), time.min))


# Table names come from the models; every value is a query parameter.
def _tables() -> dict[str, str]:
    models = {
        "user": User,
        "section": Section,
        "position": Position,
        "competency": Competency,
        "target": PositionTarget,
        "level": CompetencyLevel,
        "history": CompetencyLevelHistory,
    }
    return {key: connection.ops.quote_name(model._meta.db_table) for key, model in models.items()}


def _population(alias: str, section_id: int | None, position_id: int | None) -> tuple[str, list]:
    """A WHERE condition on the user table `alias` selecting the population, and its parameters."""
    condition = f"{alias}.is_active AND {alias}.position_id IS NOT NULL"
    params: list = []
    if section_id is not None:
        condition += f" AND {alias}.section_id = %s"
        params.append(section_id)
    if position_id is not None:
        condition += f" AND {alias}.position_id = %s"
        params.append(position_id)
    return condition, params


def _rows(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The rule's SQL for an assignment, with and without a level row (a level of NULL). A level
# row counts as its level, or as none once expired (at the `clock` of the query).
_COUNTED = sql_counted_level("l.level", "l.expires_at", "(SELECT at FROM clock)")
_RULE = {
    "met_no_level": sql_met("target_level", "NULL"),
    "gap_no_level": sql_positive_gap("target_level", "NULL"),
    "met_t_no_level": sql_met("t.target_level", "NULL"),
    "gap_t_no_level": sql_positive_gap("t.target_level", "NULL"),
    "met_level": sql_met("t.target_level", _COUNTED),
    "gap_level": sql_positive_gap("t.target_level", _COUNTED),
    "wgap_t_no_level": sql_weighted_gap("t.target_level", "NULL", "t.weight"),
    "wgap_level": sql_weighted_gap("t.target_level", _COUNTED, "t.weight"),
    "met_stored_level": sql_met("t.target_level", "l.level"),
    "met_new": sql_met("t.target_level", "h.new_level"),
    "met_old": sql_met("t.target_level", "h.old_level"),
}

# The level rows of the population's assignments (l, with their employee lu and target t),
# which every statement below reads.
_LEVEL_ROWS = """FROM {level} l
    JOIN {user} lu ON lu.id = l.employee_id
    JOIN {target} t ON t.position_id = lu.position_id AND t.competency_id = l.competency_id
    WHERE {population_lu}"""

# Per (section, position). `targets`: per position, its assignments and what they give
# without any level; `levelled`: per employee with level rows, what those rows change.
# Employees are inner-joined to their position's targets: one without any target has no
# assignment.
_CELLS_SQL = """
WITH clock AS (SELECT %s AS at),
targets AS (
    SELECT position_id, COUNT(*) AS n,
           SUM({met_no_level}) AS met_no_level,
           SUM({gap_no_level}) AS gap_no_level
    FROM {target} GROUP BY position_id
),
levelled AS (
    SELECT l.employee_id,
           SUM({met_level} - {met_t_no_level}) AS met_change,
           SUM({gap_level} - {gap_t_no_level}) AS gap_change
    {level_rows}
    GROUP BY l.employee_id
)
SELECT u.section_id, s.name, u.position_id, {position_name},
       COUNT(*),
       SUM(tg.n),
       SUM(tg.met_no_level + COALESCE(lv.met_change, 0)),
       SUM(tg.gap_no_level + COALESCE(lv.gap_change, 0)),
       SUM(CASE WHEN tg.met_no_level + COALESCE(lv.met_change, 0) < tg.n THEN 1 ELSE 0 END),
       SUM(tg.met_no_level)
FROM {user} u
JOIN targets tg ON tg.position_id = u.position_id
JOIN {position} p ON p.id = u.position_id
LEFT JOIN {section} s ON s.id = u.section_id
LEFT JOIN levelled lv ON lv.employee_id = u.id
WHERE {population_u}
GROUP BY u.section_id, s.name, u.position_id, {position_name}
"""

# Per competency: `assigned` multiplies each target's figures by the population of its
# position; `levelled` adds what the level rows of those assignments change.
_COMPETENCIES_SQL = """
WITH clock AS (SELECT %s AS at),
per_position AS (
    SELECT u.position_id, COUNT(*) AS n FROM {user} u WHERE {population_u} GROUP BY u.position_id
),
assigned AS (
    SELECT t.competency_id, SUM(pp.n) AS n,
           SUM(pp.n * {met_t_no_level}) AS met_no_level,
           SUM(pp.n * {gap_t_no_level}) AS gap_no_level,
           SUM(pp.n * {wgap_t_no_level}) AS wgap_no_level
    FROM {target} t JOIN per_position pp ON pp.position_id = t.position_id
    GROUP BY t.competency_id
),
levelled AS (
    SELECT t.competency_id,
           SUM({met_level} - {met_t_no_level}) AS met_change,
           SUM({gap_level} - {gap_t_no_level}) AS gap_change,
           SUM({wgap_level} - {wgap_t_no_level}) AS wgap_change
    {level_rows}
    GROUP BY t.competency_id
)
SELECT c.id, c.code, {competency_name},
       a.n,
       a.met_no_level + COALESCE(lv.met_change, 0),
       a.gap_no_level + COALESCE(lv.gap_change, 0),
       a.wgap_no_level + COALESCE(lv.wgap_change, 0)
FROM assigned a
JOIN {competency} c ON c.id = a.competency_id
LEFT JOIN levelled lv ON lv.competency_id = a.competency_id
ORDER BY c.code
"""

# The ±1 steps of every history row of a current assignment, and the −1 of every level
# that expires (at its expiry), summed up to each month end.
_PROGRESS_SQL = """
SELECT {sums}
FROM (
    SELECT h.changed_at AS at, {met_new} - {met_old} AS step
    FROM {history} h
    JOIN {user} lu ON lu.id = h.employee_id
    JOIN {target} t ON t.position_id = lu.position_id AND t.competency_id = h.competency_id
    WHERE {population_lu}
    UNION ALL
    SELECT l.expires_at AS at, {met_t_no_level} - {met_stored_level} AS step
    {level_rows} AND l.expires_at IS NOT NULL
) steps
WHERE step <> 0
"""


class _Cell(NamedTuple):
    """One row of _CELLS_SQL: the figures of the employees of one section holding one position."""

    section_id: int | None
    section: str | None
    position_id: int
    position: str
    employees: int
    assignments: int
    met: int
    gap_total: int
    employees_in_gap: int
    met_without_levels: int


@dataclass(frozen=True)
class GroupTables:
    """The by-section and by-position tables and their total, from one query."""

    total: GroupFigures
    by_section: list[GroupFigures]
    by_position: list[GroupFigures]
    met_without_levels: int  # assignments met before anyone had a level (targets of 0)


def _sql(section_id: int | None, position_id: int | None) -> tuple[dict, list]:
    population_u, params = _population("u", section_id, position_id)
    population_lu, _ = _population("lu", section_id, position_id)
    parts = {**_tables(), **_RULE, "population_u": population_u, "population_lu": population_lu}
    # Names in the reader's language, English where the Indonesian is missing.
    parts |= {"position_name": localized_sql("p", "name"), "competency_name": localized_sql("c", "name")}
    return {**parts, "level_rows": _LEVEL_ROWS.format(**parts)}, params


def _clock(now: datetime | None) -> list:
    """The parameter of a query's `clock`: the moment at which expired levels stop counting."""
    return [connection.ops.adapt_datetimefield_value(now or timezone.now())]


def group_figures(
    *, section_id: int | None = None, position_id: int | None = None, now: datetime | None = None
) -> GroupTables:
    """Figures by section and by position, and in total, as levels count at `now`. One query."""
    sql, params = _sql(section_id, position_id)
    # PostgreSQL sums counts as numeric (Decimal): the figures are whole numbers.
    cells = [
        _Cell(*row[:4], *(int(value) for value in row[4:]))
        for row in _rows(_CELLS_SQL.format(**sql), _clock(now) + params + params)
    ]
    return GroupTables(
        total=_roll_up(cells, pk=None, name="All"),
        by_section=_groups(cells, "section"),
        by_position=_groups(cells, "position"),
        met_without_levels=sum(cell.met_without_levels for cell in cells),
    )


def competency_figures(
    *, section_id: int | None = None, position_id: int | None = None, now: datetime | None = None
) -> list[GroupFigures]:
    """Figures by competency, ordered by code, as levels count at `now`. One query."""
    sql, params = _sql(section_id, position_id)
    return [
        GroupFigures(
            pk=pk,
            code=code,
            name=name,
            employees=int(n),  # one assignment per employee and competency
            assignments=int(n),
            met=int(met),
            gap_total=int(gap_total),
            employees_in_gap=int(n) - int(met),
            weighted_gap_total=int(weighted_gap_total),
        )
        for pk, code, name, n, met, gap_total, weighted_gap_total in _rows(
            _COMPETENCIES_SQL.format(**sql), _clock(now) + params + params
        )
    ]


def progress_series(
    *, today: date, groups: GroupTables, section_id: int | None = None, position_id: int | None = None
) -> list[MonthPoint]:
    """Share met at each of the 12 month ends before `today`'s month. One query (none without
    assignments). `groups` are the same population's group figures, for the totals."""
    ends = month_ends(today)
    steps = [0] * len(ends)
    if groups.total.assignments:
        sql, params = _sql(section_id, position_id)
        cutoffs = [connection.ops.adapt_datetimefield_value(_after(end)) for end in ends]
        sums = ", ".join("COALESCE(SUM(CASE WHEN at < %s THEN step ELSE 0 END), 0)" for _ in ends)
        (row,) = _rows(_PROGRESS_SQL.format(sums=sums, **sql), cutoffs + params + params)
        steps = [int(value) for value in row]
    return [
        MonthPoint(month_end=end, met=groups.met_without_levels + step, assignments=groups.total.assignments)
        for end, step in zip(ends, steps, strict=True)
    ]


def organisation_report(
    *, today: date, section_id: int | None = None, position_id: int | None = None, now: datetime | None = None
) -> OrganisationReport:
    """The whole report for the population, optionally narrowed to a section and/or a position.

    Three queries (see the module docstring). `today` fixes the months of the series, so
    callers (and tests) choose the date.
    """
    now = now or timezone.now()
    groups = group_figures(section_id=section_id, position_id=position_id, now=now)
    return OrganisationReport(
        today=today,
        total=groups.total,
        by_section=groups.by_section,
        by_position=groups.by_position,
        by_competency=competency_figures(section_id=section_id, position_id=position_id, now=now),
        progress=progress_series(today=today, groups=groups, section_id=section_id, position_id=position_id),
    )


def _roll_up(cells: list[_Cell], *, pk: int | None, name: str) -> GroupFigures:
    # Each employee is in exactly one cell, so even the distinct counts add up.
    return GroupFigures(
        pk=pk,
        name=name,
        employees=sum(cell.employees for cell in cells),
        assignments=sum(cell.assignments for cell in cells),
        met=sum(cell.met for cell in cells),
        gap_total=sum(cell.gap_total for cell in cells),
        employees_in_gap=sum(cell.employees_in_gap for cell in cells),
    )


def _groups(cells: list[_Cell], kind: str) -> list[GroupFigures]:
    """The cells rolled up by "section" or "position", sorted by name ("No section" last)."""
    grouped: dict[int | None, list[_Cell]] = {}
    for cell in cells:
        grouped.setdefault(getattr(cell, f"{kind}_id"), []).append(cell)
    rows = [_roll_up(group, pk=key, name=getattr(group[0], kind) or f"No {kind}") for key, group in grouped.items()]
    return sorted(rows, key=lambda row: (row.pk is None, row.name))
