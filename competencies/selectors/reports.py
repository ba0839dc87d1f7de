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
  the current one), the share of that month end's assignments (the targets then, everyone's
  current position) that were met then. Levels and targets at a month end are read from
  their histories as competencies.selectors.as_of defines it: the new level of the latest
  history row at or before it; no level row means 0, no target row not applicable.
- *As of a day* (`as_of`): every figure as levels and targets stood at the end of that day,
  by the same definition (competencies.selectors.as_of).

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

The monthly series, and the figures as of a day, count changes rather than replaying levels. An assignment is met at a
month end when it is met without a level plus the sum, over its history rows up to then,
of met(target, new level) − met(target, the level before the row). The level before a row
is its old_level (none: no level): the level services write the previous level there in
the same transaction as the level, so it is the new level of the row before. A level
whose evidence expired adds one more step, at the later of its expiry and its last change:
met without a level − met at its level (only the current level's expiry is known, so a
level renewed after a lapse shows as met through the lapse). Each month's steps are
weighed against that month end's target (`pairs` holds every position-competency pair's
target at each month end: a few thousand rows). Summing those ±1 steps with 12
conditional sums reads the history once and needs no window function (a LAG over 800,000
rows sorts them all, and was the slowest part).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format

from competencies.models import (
    DEFAULT_WEIGHT,
    Competency,
    CompetencyLevel,
    CompetencyLevelHistory,
    PositionTarget,
    PositionTargetHistory,
)
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
        "target_history": PositionTargetHistory,
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

# As of a moment (the `clock`; competencies.selectors.as_of says what it means), the same
# statements read the targets then (`target_at`) and, instead of the level rows, the history's
# changes up to then (`level_changes`): each row changes an assignment from its level before
# (old_level) to its level after (new_level), so the sum of met(after) − met(before) over an
# assignment's rows telescopes to met at its level then − met without a level, which is what a
# level row adds today. A level whose record's expiry has passed by then, and that has not
# changed since, adds one more change: from its level to none.
_AS_OF_CTES = """
target_at AS (
    SELECT th.position_id, th.competency_id, th.new_level AS target_level,
           COALESCE((SELECT t.weight FROM {target} t
                     WHERE t.position_id = th.position_id AND t.competency_id = th.competency_id), {default_weight})
               AS weight
    FROM {target_history} th
    WHERE th.changed_at <= (SELECT at FROM clock) AND th.new_level IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM {target_history} later
          WHERE later.position_id = th.position_id AND later.competency_id = th.competency_id
            AND later.changed_at <= (SELECT at FROM clock)
            AND (later.changed_at > th.changed_at OR (later.changed_at = th.changed_at AND later.id > th.id)))
    UNION ALL
    SELECT t.position_id, t.competency_id, t.target_level, t.weight FROM {target} t
    WHERE NOT EXISTS (
        SELECT 1 FROM {target_history} th WHERE th.position_id = t.position_id AND th.competency_id = t.competency_id)
),
level_changes AS (
    SELECT h.employee_id, h.competency_id, h.new_level AS after_level, h.old_level AS before_level
    FROM {history} h WHERE h.changed_at <= (SELECT at FROM clock)
    UNION ALL
    SELECT l.employee_id, l.competency_id, NULL, l.level
    FROM {level} l
    WHERE l.expires_at <= (SELECT at FROM clock)
      AND EXISTS (
          SELECT 1 FROM {history} h WHERE h.employee_id = l.employee_id AND h.competency_id = l.competency_id)
      AND NOT EXISTS (
          SELECT 1 FROM {history} h WHERE h.employee_id = l.employee_id AND h.competency_id = l.competency_id
            AND h.changed_at > (SELECT at FROM clock))
),"""

# Per (section, position). `targets`: per position, its assignments and what they give
# without any level; `levelled`: per employee with level rows, what those rows change.
# Employees are inner-joined to their position's targets: one without any target has no
# assignment.
_CELLS_SQL = """
WITH clock AS (SELECT %s AS at),{as_of_ctes}
targets AS (
    SELECT position_id, COUNT(*) AS n,
           SUM({met_no_level}) AS met_no_level,
           SUM({gap_no_level}) AS gap_no_level
    FROM {target_source} GROUP BY position_id
),
levelled AS (
    SELECT l.employee_id,
           SUM({met_change}) AS met_change,
           SUM({gap_change}) AS gap_change
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
WITH clock AS (SELECT %s AS at),{as_of_ctes}
per_position AS (
    SELECT u.position_id, COUNT(*) AS n FROM {user} u WHERE {population_u} GROUP BY u.position_id
),
assigned AS (
    SELECT t.competency_id, SUM(pp.n) AS n,
           SUM(pp.n * {met_t_no_level}) AS met_no_level,
           SUM(pp.n * {gap_t_no_level}) AS gap_no_level,
           SUM(pp.n * {wgap_t_no_level}) AS wgap_no_level
    FROM {target_source} t JOIN per_position pp ON pp.position_id = t.position_id
    GROUP BY t.competency_id
),
levelled AS (
    SELECT t.competency_id,
           SUM({met_change}) AS met_change,
           SUM({gap_change}) AS gap_change,
           SUM({wgap_change}) AS wgap_change
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

# Per competency within each (section, position): competency_figures' statement, grouped
# finer, for the report's summary (competencies/report_summary.py), which adds the cells up.
# A section of NULL (no section) is matched as 0: ids start at 1.
_COMPETENCY_CELLS_SQL = """
WITH clock AS (SELECT %s AS at),
per_cell AS (
    SELECT u.section_id, u.position_id, COUNT(*) AS n FROM {user} u WHERE {population_u}
    GROUP BY u.section_id, u.position_id
),
levelled AS (
    SELECT lu.section_id, lu.position_id, t.competency_id,
           SUM({met_change}) AS met_change,
           SUM({gap_change}) AS gap_change,
           SUM({wgap_change}) AS wgap_change
    {level_rows}
    GROUP BY lu.section_id, lu.position_id, t.competency_id
)
SELECT pc.section_id, pc.position_id, t.competency_id, pc.n,
       pc.n * {met_t_no_level} + COALESCE(lv.met_change, 0),
       pc.n * {gap_t_no_level} + COALESCE(lv.gap_change, 0),
       pc.n * {wgap_t_no_level} + COALESCE(lv.wgap_change, 0)
FROM {target} t
JOIN per_cell pc ON pc.position_id = t.position_id
LEFT JOIN levelled lv ON lv.position_id = t.position_id AND lv.competency_id = t.competency_id
    AND COALESCE(lv.section_id, 0) = COALESCE(pc.section_id, 0)
"""

# The monthly series, per (section, position) of the population (each part gives a row per
# such cell, tagged 0–3, padded to the same columns). `pairs`: every (position, competency) of
# the population's positions that has a target now or had one, with its target at each month
# end (t0, t1, …; NULL: not applicable then) as competencies.selectors.as_of defines it.
# `base`: per month end, the assignments then and how many are met without any level. `steps`:
# per month end, the sum of met(after) − met(before) of every history row before it against
# that month's target, and of every lapse of a level's record (from its level to none, once it
# has expired and no longer changes: at the later of its expiry and its last change). A NULL
# target gives met 0 with or without a level, so assignments not applicable at a month end add
# nothing then.
_PROGRESS_SQL = """
WITH per_position AS (
    SELECT u.section_id, u.position_id, COUNT(*) AS n FROM {user} u WHERE {population_u}
    GROUP BY u.section_id, u.position_id
),
moving AS (
    SELECT x.position_id, x.competency_id, {month_targets},
           (SELECT t.target_level FROM {target} t
            WHERE t.position_id = x.position_id AND t.competency_id = x.competency_id) AS today
    FROM (SELECT DISTINCT position_id, competency_id FROM {target_history} WHERE changed_at >= %s) x
    WHERE x.position_id IN (SELECT position_id FROM per_position)
),
base_today AS (
    SELECT pp.section_id, pp.position_id, SUM(pp.n) AS v0, SUM(pp.n * {met_t_no_level}) AS v1
    FROM {target} t JOIN per_position pp ON pp.position_id = t.position_id
    GROUP BY pp.section_id, pp.position_id
),
base_moving AS (
    SELECT pp.section_id, pp.position_id, {base_sums}
    FROM moving p JOIN per_position pp ON pp.position_id = p.position_id
    GROUP BY pp.section_id, pp.position_id
),
all_steps AS (
    SELECT f.section_id, f.position_id, {settled_sums}
    FROM (
        SELECT lu.section_id, lu.position_id, h.changed_at AS at, {met_new} - {met_old} AS step
        FROM {history} h
        JOIN {user} lu ON lu.id = h.employee_id
        JOIN {target} t ON t.position_id = lu.position_id AND t.competency_id = h.competency_id
        WHERE {population_lu}
        UNION ALL
        SELECT lu.section_id, lu.position_id, e.at, {met_t_no_level} - {met_lapsed} AS step
        FROM ({lapses}) e
        JOIN {user} lu ON lu.id = e.employee_id
        JOIN {target} t ON t.position_id = lu.position_id AND t.competency_id = e.competency_id
        WHERE {population_lu}
    ) f
    WHERE f.step <> 0
    GROUP BY f.section_id, f.position_id
),
moving_steps AS (
    SELECT lu.section_id, lu.position_id, {moving_sums}
    FROM ({step_rows}) s
    JOIN {user} lu ON lu.id = s.employee_id
    JOIN moving t ON t.position_id = lu.position_id AND t.competency_id = s.competency_id
    WHERE {population_lu}
    GROUP BY lu.section_id, lu.position_id
)
SELECT 0, section_id, position_id, v0, v1{pad_today} FROM base_today
UNION ALL SELECT 1, base_moving.* FROM base_moving
UNION ALL SELECT 2, all_steps.*{pad_steps} FROM all_steps
UNION ALL SELECT 3, moving_steps.*{pad_steps} FROM moving_steps
"""

# Every lapse of a level record (that has history): at the later of its expiry and its last
# change, from its level to none.
_LAPSES = """
        SELECT e.employee_id, e.competency_id, e.level,
               CASE WHEN e.expires_at > e.last_change THEN e.expires_at ELSE e.last_change END AS at
        FROM (
            SELECT l.employee_id, l.competency_id, l.level, l.expires_at,
                   (SELECT MAX(h.changed_at) FROM {history} h
                    WHERE h.employee_id = l.employee_id AND h.competency_id = l.competency_id) AS last_change
            FROM {level} l WHERE l.expires_at IS NOT NULL
        ) e
        WHERE e.last_change IS NOT NULL"""

# The changes the series sums: every history row, and every lapse of a level record.
_STEP_ROWS = """
        SELECT h.employee_id, h.competency_id, h.changed_at AS at,
               h.new_level AS after_level, h.old_level AS before_level
        FROM {history} h
        UNION ALL
        SELECT lapse.employee_id, lapse.competency_id, lapse.at, NULL, lapse.level FROM ({lapses}) lapse"""

# A pair's target at a month end: its latest history row before the cutoff, else not
# applicable; the current target when the pair has no history at all.
_MONTH_TARGET = """CASE WHEN EXISTS (
        SELECT 1 FROM {target_history} th WHERE th.position_id = x.position_id AND th.competency_id = x.competency_id)
    THEN (SELECT th.new_level FROM {target_history} th
          WHERE th.position_id = x.position_id AND th.competency_id = x.competency_id AND th.changed_at < %s
          ORDER BY th.changed_at DESC, th.id DESC LIMIT 1)
    ELSE (SELECT t.target_level FROM {target} t
          WHERE t.position_id = x.position_id AND t.competency_id = x.competency_id)
    END"""


class FigureCell(NamedTuple):
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


def _sql(section_id: int | None, position_id: int | None, *, as_of: bool = False) -> tuple[dict, list]:
    """The parts of the statements; `as_of`: the figures at the `clock` from the histories."""
    population_u, params = _population("u", section_id, position_id)
    population_lu, _ = _population("lu", section_id, position_id)
    parts = {**_tables(), **_RULE, "population_u": population_u, "population_lu": population_lu}
    # Names in the reader's language, English where the Indonesian is missing.
    parts |= {"position_name": localized_sql("p", "name"), "competency_name": localized_sql("c", "name")}
    if as_of:
        parts |= {
            # Weights have no history: a past target weighs what it weighs today (1 once removed).
            "as_of_ctes": _AS_OF_CTES.format(**parts, default_weight=int(DEFAULT_WEIGHT)),
            "target_source": "target_at",
            "met_change": f"{sql_met('t.target_level', 'l.after_level')}"
            f" - {sql_met('t.target_level', 'l.before_level')}",
            "gap_change": f"{sql_positive_gap('t.target_level', 'l.after_level')}"
            f" - {sql_positive_gap('t.target_level', 'l.before_level')}",
            "wgap_change": f"{sql_weighted_gap('t.target_level', 'l.after_level', 't.weight')}"
            f" - {sql_weighted_gap('t.target_level', 'l.before_level', 't.weight')}",
        }
        level_rows = _LEVEL_ROWS.format(**{**parts, "level": "level_changes", "target": "target_at"})
    else:
        parts |= {
            "as_of_ctes": "",
            "target_source": parts["target"],
            "met_change": f"{_RULE['met_level']} - {_RULE['met_t_no_level']}",
            "gap_change": f"{_RULE['gap_level']} - {_RULE['gap_t_no_level']}",
            "wgap_change": f"{_RULE['wgap_level']} - {_RULE['wgap_t_no_level']}",
        }
        level_rows = _LEVEL_ROWS.format(**parts)
    return {**parts, "level_rows": level_rows}, params


def _clock(now: datetime | None) -> list:
    """The parameter of a query's `clock`: the moment at which expired levels stop counting
    (and, as of a date, the moment the figures are read at)."""
    return [connection.ops.adapt_datetimefield_value(now or timezone.now())]


def group_figures(
    *,
    section_id: int | None = None,
    position_id: int | None = None,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> GroupTables:
    """Figures by section and by position, and in total, as levels count at `now`; or, with
    `as_of` (a moment), as levels and targets stood then. One query."""
    return group_tables(figure_cells(section_id=section_id, position_id=position_id, now=now, as_of=as_of))


def figure_cells(
    *,
    section_id: int | None = None,
    position_id: int | None = None,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> list[FigureCell]:
    """The figures of each (section, position) of the population: what group_figures adds up. One query."""
    sql, params = _sql(section_id, position_id, as_of=as_of is not None)
    # PostgreSQL sums counts as numeric (Decimal): the figures are whole numbers.
    return [
        FigureCell(*row[:4], *(int(value) for value in row[4:]))
        for row in _rows(_CELLS_SQL.format(**sql), _clock(as_of or now) + params + params)
    ]


def group_tables(cells: list[FigureCell]) -> GroupTables:
    """The by-section and by-position tables and the total, added up from their cells."""
    return GroupTables(
        total=_roll_up(cells, pk=None, name="All"),
        by_section=_groups(cells, "section"),
        by_position=_groups(cells, "position"),
        met_without_levels=sum(cell.met_without_levels for cell in cells),
    )


def competency_figures_from_rows(rows: Sequence[tuple]) -> list[GroupFigures]:
    """Competency figures from rows (id, code, name, assignments, met, gap, weighted gap): the
    live report's query and the summary's both give that shape."""
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
        for pk, code, name, n, met, gap_total, weighted_gap_total in rows
    ]


def competency_figures(
    *,
    section_id: int | None = None,
    position_id: int | None = None,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> list[GroupFigures]:
    """Figures by competency, ordered by code, as levels count at `now`; or, with `as_of`,
    as levels and targets stood then. One query."""
    sql, params = _sql(section_id, position_id, as_of=as_of is not None)
    return competency_figures_from_rows(_rows(_COMPETENCIES_SQL.format(**sql), _clock(as_of or now) + params + params))


def competency_cells_statement(*, now: datetime | None = None) -> tuple[str, list]:
    """The statement (and its parameters) whose rows are (section id, position id, competency
    id, assignments, met, gap total, weighted gap total) of every (section, position,
    competency) of the population, as levels count at `now`: what competency_figures adds up.
    The summary inserts its rows without fetching them."""
    sql, params = _sql(None, None)
    return _COMPETENCY_CELLS_SQL.format(**sql), _clock(now) + params + params


def competency_cells(*, now: datetime | None = None) -> list[tuple]:
    """The rows of competency_cells_statement. One query."""
    return [
        tuple(None if value is None else int(value) for value in row)
        for row in _rows(*competency_cells_statement(now=now))
    ]


def progress_series(*, today: date, section_id: int | None = None, position_id: int | None = None) -> list[MonthPoint]:
    """Share met at each of the 12 month ends before `today`'s month, each against the
    targets of that month end (the population's current positions). One query."""
    ends = month_ends(today)
    totals = [[0, 0] for _ in ends]
    for points in progress_cells(today=today, section_id=section_id, position_id=position_id).values():
        for k, point in enumerate(points):
            totals[k][0] += point.met
            totals[k][1] += point.assignments
    return [MonthPoint(month_end=end, met=met, assignments=n) for end, (met, n) in zip(ends, totals, strict=True)]


def progress_cells(
    *, today: date, section_id: int | None = None, position_id: int | None = None
) -> dict[tuple[int | None, int], list[MonthPoint]]:
    """The series of each (section id, position id) of the population that has any assignment
    in the window: what progress_series adds up. One query."""
    ends = month_ends(today)
    sql, params = _sql(section_id, position_id)
    cutoffs = [connection.ops.adapt_datetimefield_value(_after(end)) for end in ends]
    months = range(len(ends))
    count = len(ends)
    month_target = _MONTH_TARGET.format(**sql)
    # A pair (position, competency) whose target did not change since the first month end
    # has today's target at every month end. So every change is weighed once against today's
    # target, on the target table (`all_steps`, as before targets had months), and only the
    # few pairs whose target moved in the window are corrected month by month
    # (`moving_steps`: their month's weight minus today's). Weighing every row month by month
    # was four times slower on the benchmark data.
    statement = _PROGRESS_SQL.format(
        **sql,
        month_targets=", ".join(f"{month_target} AS t{k}" for k in months),
        # The moving pairs' assignments and met without a level at each month end, minus today's.
        base_sums=", ".join(
            [
                f"COALESCE(SUM(pp.n * ((CASE WHEN p.t{k} IS NOT NULL THEN 1 ELSE 0 END)"
                " - (CASE WHEN p.today IS NOT NULL THEN 1 ELSE 0 END))), 0)"
                for k in months
            ]
            + [
                f"COALESCE(SUM(pp.n * ({sql_met(f'p.t{k}', 'NULL')} - {sql_met('p.today', 'NULL')})), 0)"
                for k in months
            ]
        ),
        met_lapsed=sql_met("t.target_level", "e.level"),
        lapses=_LAPSES.format(**sql),
        settled_sums=", ".join("COALESCE(SUM(CASE WHEN f.at < %s THEN f.step ELSE 0 END), 0)" for _ in months),
        moving_sums=", ".join(
            f"COALESCE(SUM(CASE WHEN s.at < %s THEN {sql_met(f't.t{k}', 's.after_level')}"
            f" - {sql_met(f't.t{k}', 's.before_level')}"
            f" - {sql_met('t.today', 's.after_level')} + {sql_met('t.today', 's.before_level')} ELSE 0 END), 0)"
            for k in months
        ),
        step_rows=_STEP_ROWS.format(**sql, lapses=_LAPSES.format(**sql)),
        pad_today=", 0" * (2 * count - 2),
        pad_steps=", 0" * count,
    )
    first = cutoffs[:1]
    # Per cell: [assignments today, met without a level today] + 24 changes of them at the
    # month ends, 12 settled steps and 12 moving steps.
    parts: dict[tuple[int | None, int], list[int]] = {}
    for kind, section, position, *values in _rows(
        statement, params + cutoffs + first + cutoffs + params + params + cutoffs + params
    ):
        sums = parts.setdefault((section, position), [0] * (2 + 4 * count))
        offset = {0: 0, 1: 2, 2: 2 + 2 * count, 3: 2 + 3 * count}[kind]
        width = {0: 2, 1: 2 * count, 2: count, 3: count}[kind]
        for k in range(width):
            sums[offset + k] += int(values[k])
    cells = {}
    for key, (today_assignments, today_met, *values) in parts.items():
        assignments = [today_assignments + change for change in values[:count]]
        met_without_levels = [today_met + change for change in values[count : 2 * count]]
        steps = [
            settled + moved for settled, moved in zip(values[2 * count : 3 * count], values[3 * count :], strict=True)
        ]
        cells[key] = [
            MonthPoint(month_end=end, met=met_without_levels[k] + steps[k], assignments=assignments[k])
            for k, end in enumerate(ends)
        ]
    return cells


def organisation_report(
    *,
    today: date,
    section_id: int | None = None,
    position_id: int | None = None,
    now: datetime | None = None,
    as_of: datetime | None = None,
) -> OrganisationReport:
    """The whole report for the population, optionally narrowed to a section and/or a position.

    Three queries (see the module docstring). `today` fixes the months of the series, so
    callers (and tests) choose the date. `as_of` (a moment, the end of `today` then): the
    figures as levels and targets stood then, from their histories.
    """
    now = now or timezone.now()
    groups = group_figures(section_id=section_id, position_id=position_id, now=now, as_of=as_of)
    return OrganisationReport(
        today=today,
        total=groups.total,
        by_section=groups.by_section,
        by_position=groups.by_position,
        by_competency=competency_figures(section_id=section_id, position_id=position_id, now=now, as_of=as_of),
        progress=progress_series(today=today, section_id=section_id, position_id=position_id),
    )


def _roll_up(cells: list[FigureCell], *, pk: int | None, name: str) -> GroupFigures:
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


def _groups(cells: list[FigureCell], kind: str) -> list[GroupFigures]:
    """The cells rolled up by "section" or "position", sorted by name ("No section" last)."""
    grouped: dict[int | None, list[FigureCell]] = {}
    for cell in cells:
        grouped.setdefault(getattr(cell, f"{kind}_id"), []).append(cell)
    rows = [_roll_up(group, pk=key, name=getattr(group[0], kind) or f"No {kind}") for key, group in grouped.items()]
    return sorted(rows, key=lambda row: (row.pk is None, row.name))
