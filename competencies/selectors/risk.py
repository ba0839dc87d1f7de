"""Team risk: the competencies a team depends on one person for (or on nobody), and its bench.

Definitions (the pages say the same):

- A team's competency is *needed* when at least one active member's position targets it
  above 0. Its *highest target* is the highest of those targets.
- A member *meets* it when their level meets the highest target by competencies.rules (an
  expired level counts as none), whatever their own position's target: anyone in the team
  who can do the work covers it.
- A *single point of failure* is a needed competency that at most one active member meets;
  nobody meeting it is the worst case.
- The *bench* of a competency is the active members whose level that counts is exactly one
  below its highest target and above 0 (for a highest target of 1, a member without a level
  is "not started", not one level short).
- Flags are ordered worst first: nobody before one person, then the smaller bench, then the
  more members needing it, then the competency's code.

Two homes, one rule: `team_risks` works on a team heatmap in Python (no query of its own),
`section_risks` on the organisation report's population in one SQL statement, built from
competencies.rules' SQL fragments; tests/competencies/test_risk.py checks that they agree.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils import timezone

from competencies import rules
from competencies.models import Competency, CompetencyLevel, PositionTarget
from competencies.selectors.team import TeamHeatmap
from hrportal.models import Section, User
from hrportal.translated import localized_sql

SINGLE_POINT = 1  # at most this many members meet it: a flag


def on_bench(top: int, level: int | None) -> bool:
    """One level short of `top` with a level that counts above 0 (`level`: the counted level)."""
    return rules.current_level(level) != rules.NO_LEVEL and rules.gap(top, level) == 1


@dataclass(frozen=True)
class RiskPerson:
    pk: int
    name: str
    level: int  # the level that counts


@dataclass(frozen=True)
class RiskFlag:
    competency_id: int
    code: str
    name: str
    top_target: int  # the highest target of the team's positions
    needed_by: int  # active members whose position targets it above 0
    meeting: list[RiskPerson] = field(default_factory=list)  # at most SINGLE_POINT
    bench: list[RiskPerson] = field(default_factory=list)

    @property
    def nobody_meets(self) -> bool:
        return not self.meeting

    @property
    def sort_key(self) -> tuple:
        return (len(self.meeting), len(self.bench), -self.needed_by, self.code)


@dataclass(frozen=True)
class SectionRisk:
    pk: int | None  # None: the employees without a section
    name: str  # "" without a section (the page names it)
    flags: list[RiskFlag]

    @property
    def nobody_count(self) -> int:
        return sum(1 for flag in self.flags if flag.nobody_meets)

    @property
    def sort_key(self) -> tuple:
        """Worst first: more competencies nobody meets, then more flags, then the name."""
        return (-self.nobody_count, -len(self.flags), self.pk is None, self.name)


def _people(pairs: list[tuple[User, int]]) -> list[RiskPerson]:
    people = [RiskPerson(pk=user.pk, name=user.display_name, level=level) for user, level in pairs]
    return sorted(people, key=lambda person: (person.name.casefold(), person.pk))


def team_risks(heatmap: TeamHeatmap) -> list[RiskFlag]:
    """The single points of failure of the heatmap's team, worst first. No query: the heatmap's
    cells hold each member's target and counted level (so its `now` or date applies)."""
    rows = [row for row in heatmap.rows if row.employee.is_active]
    flags = []
    for i, column in enumerate(heatmap.columns):
        cells = [(row.employee, row.cells[i]) for row in rows]
        targets = [cell.target for _, cell in cells if cell.target]
        if not targets:
            continue
        top = max(targets)
        meeting = [(member, cell.current) for member, cell in cells if rules.is_met(top, cell.current)]
        if len(meeting) > SINGLE_POINT:
            continue
        bench = [(member, cell.current) for member, cell in cells if on_bench(top, cell.current)]
        flags.append(
            RiskFlag(
                competency_id=column.competency_id,
                code=column.code,
                name=column.name,
                top_target=top,
                needed_by=len(targets),
                meeting=_people(meeting),
                bench=_people(bench),
            )
        )
    return sorted(flags, key=lambda flag: flag.sort_key)


# The organisation report's teams are its sections (NULL: "No section", team 0), within its
# population and filters. `need`: per team and needed competency, the highest target; `counted`:
# every level of the population with its team and the level that counts; the flagged
# competencies are those with at most SINGLE_POINT members meeting the top, each with the
# members who meet it or are one short (the bench; none: nobody).
# `counted` is read twice, so PostgreSQL computes it once (a CTE used twice is materialised):
# written as one join of levels, people and needs, the planner paired every person with every
# need of their team first (2,000,000 rows on the bench data) and took 1.5 s instead of 0.4 s.
_COUNTED = rules.sql_counted_level("l.level", "l.expires_at", "(SELECT at FROM clock)")
_MET = rules.sql_met("n.top", "lv.lvl")
_BENCH = (
    f"(CASE WHEN {rules.sql_current_level('lv.lvl')} <> {rules.NO_LEVEL}"
    f" AND n.top - {rules.sql_current_level('lv.lvl')} = 1 THEN 1 ELSE 0 END)"
)
_RISK_SQL = """
WITH clock AS (SELECT %s AS at),
pop AS (
    SELECT u.id, COALESCE(u.section_id, 0) AS team, u.position_id FROM {user} u WHERE {population_u}
),
need AS (
    SELECT pop.team, t.competency_id, MAX(t.target_level) AS top, COUNT(*) AS needed_by
    FROM pop JOIN {target} t ON t.position_id = pop.position_id
    WHERE t.target_level > 0
    GROUP BY pop.team, t.competency_id
),
counted AS MATERIALIZED (
    SELECT pop.team, l.competency_id, l.employee_id, {counted} AS lvl
    FROM {level} l JOIN pop ON pop.id = l.employee_id
),
near AS (
    SELECT n.team, n.competency_id, lv.employee_id, lv.lvl, {met} AS met
    FROM need n JOIN counted lv ON lv.team = n.team AND lv.competency_id = n.competency_id
    WHERE {met} = 1 OR {bench} = 1
),
flagged AS (
    SELECT n.team, n.competency_id, n.top, n.needed_by
    FROM need n
    LEFT JOIN (SELECT team, competency_id, SUM(met) AS meeting FROM near GROUP BY team, competency_id) m
        ON m.team = n.team AND m.competency_id = n.competency_id
    WHERE COALESCE(m.meeting, 0) <= {single_point}
)
SELECT f.team, s.name, f.competency_id, c.code, {competency_name}, f.top, f.needed_by,
       nr.employee_id, nr.lvl, nr.met, u.username, u.first_name, u.last_name
FROM flagged f
JOIN {competency} c ON c.id = f.competency_id
LEFT JOIN {section} s ON s.id = f.team
LEFT JOIN near nr ON nr.team = f.team AND nr.competency_id = f.competency_id
LEFT JOIN {user} u ON u.id = nr.employee_id
"""


def section_risks(
    *, section_id: int | None = None, position_id: int | None = None, now: datetime | None = None
) -> list[SectionRisk]:
    """The single points of failure of each section of the report's population (active
    employees with a position, narrowed by the report's filters), as levels count at `now`:
    the sections with any, worst first, each with its flags worst first. One query."""
    condition = "u.is_active AND u.position_id IS NOT NULL"
    params: list = [connection.ops.adapt_datetimefield_value(now or timezone.now())]
    if section_id is not None:
        condition += " AND u.section_id = %s"
        params.append(section_id)
    if position_id is not None:
        condition += " AND u.position_id = %s"
        params.append(position_id)
    tables = {
        key: connection.ops.quote_name(model._meta.db_table)
        for key, model in {
            "user": User,
            "section": Section,
            "competency": Competency,
            "target": PositionTarget,
            "level": CompetencyLevel,
        }.items()
    }
    sql = _RISK_SQL.format(
        **tables,
        population_u=condition,
        counted=_COUNTED,
        met=_MET,
        bench=_BENCH,
        single_point=SINGLE_POINT,
        competency_name=localized_sql("c", "name"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    sections: dict[int, tuple[str, dict[int, dict]]] = {}
    for team, section, competency_id, code, name, top, needed_by, pk, level, met, username, first, last in rows:
        _, competencies = sections.setdefault(team, (section or "", {}))
        entry = competencies.setdefault(
            competency_id,
            {"code": code, "name": name, "top": top, "needed_by": int(needed_by), "meeting": [], "bench": []},
        )
        if pk is not None:
            person = (User(pk=pk, username=username, first_name=first, last_name=last), level)
            entry["meeting" if met else "bench"].append(person)
    risks = [
        SectionRisk(
            pk=team or None,
            name=section,
            flags=sorted(
                (
                    RiskFlag(
                        competency_id=competency_id,
                        code=entry["code"],
                        name=entry["name"],
                        top_target=entry["top"],
                        needed_by=entry["needed_by"],
                        meeting=_people(entry["meeting"]),
                        bench=_people(entry["bench"]),
                    )
                    for competency_id, entry in competencies.items()
                ),
                key=lambda flag: flag.sort_key,
            ),
        )
        for team, (section, competencies) in sections.items()
    ]
    return sorted(risks, key=lambda risk: risk.sort_key)
