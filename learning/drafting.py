"""What a learning plan drafted from an employee's gaps says: phases of SMART objectives, and
their dates. Reads only (a fixed number of queries); learning.services writes the draft.

The rule, in full:

- Gaps: competencies.selectors.gaps.employee_gaps, in its order (weight × gap first): verified
  levels only (self-ratings never count), an expired level counting as none.
- Steps: one objective per level, from the level that counts up to the target (current 2,
  target 4: 2 → 3, then 3 → 4). An expired level is renewed first at the level it had (capped
  at the target), as the IDP suggestions do: an expired 3 with target 4 gives 2 → 3 (renew),
  then 3 → 4.
- Phases: phase 1 holds the first step of every gap, phase 2 the second step of the gaps that
  have one, and so on; within a phase, objectives keep the gaps' order.
- Durations: the career estimator's rule (competencies.selectors.career.estimated_months and its
  constants): a level takes MONTHS_PER_LEVEL months and PARALLEL_COMPETENCIES competencies are
  developed at once, so a phase of n steps lasts estimated_months([1] × n) and its objectives
  are due slot by slot (the first PARALLEL_COMPETENCIES at the end of the first slot, and so on).
  Phases follow one another, so the dates add up from today and the plan's total is the sum of
  its phases (it can exceed the career page's estimate, which lets a competency's next level
  start before the other gaps' current step ends).
- Texts, from the framework's own content (modeltranslation fields, in the active language)
  and the catalogue's sentence templates: specific = the competency and the target level's
  behaviour indicators; measurable = the assessments whose mappings grant that level
  (assessments.selectors.raising.assessments_granting), else the level's deliverable;
  achievable = the one-level step; relevant = the position's target, and the next role on the
  career path (competencies.selectors.career.path_place) when it needs the level too.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.selectors.raising import GrantingAssessment, assessments_granting
from competencies.models import LevelDescriptor, level_label
from competencies.rules import GapStatus
from competencies.selectors.career import (
    MONTHS_PER_LEVEL,
    PARALLEL_COMPETENCIES,
    estimated_months,
    path_place,
    targets_by_position,
)
from competencies.selectors.gaps import GapRow, employee_gaps
from hrportal.formatting import format_percent
from hrportal.models import Position, User
from idp.models import ActivityType

WEEKS_PER_YEAR = 52


def weeks_for(months: int) -> int:
    """A duration the career estimator gives in months, in whole weeks (3 months: 13 weeks)."""
    return round(months * WEEKS_PER_YEAR / 12)


def phase_weeks(steps: int) -> int:
    """How long a phase of `steps` one-level steps lasts (the career estimator's rule)."""
    return weeks_for(estimated_months([1] * steps))


def slot_weeks(index: int) -> int:
    """Weeks from a phase's start to the due date of its `index`-th objective (0-based): the
    end of the level-slot it falls in, PARALLEL_COMPETENCIES objectives a slot."""
    return weeks_for(MONTHS_PER_LEVEL * (index // PARALLEL_COMPETENCIES + 1))


@dataclass(frozen=True)
class Step:
    row: GapRow
    from_level: int
    renews: bool  # the step gives back an expired level

    @property
    def to_level(self) -> int:
        return self.from_level + 1


@dataclass(frozen=True)
class DraftObjective:
    competency_id: int
    from_level: int
    to_level: int
    activity_type: str
    specific: str
    measurable: str
    achievable: str
    relevant: str
    due_date: date


@dataclass(frozen=True)
class DraftPhase:
    title: str
    weeks: int
    objectives: list[DraftObjective]


@dataclass(frozen=True)
class PlanDraft:
    phases: list[DraftPhase]

    @property
    def total_weeks(self) -> int:
        return sum(phase.weeks for phase in self.phases)

    @property
    def objectives(self) -> list[DraftObjective]:
        return [objective for phase in self.phases for objective in phase.objectives]


def _steps(row: GapRow) -> list[Step]:
    """The one-level steps that close the gap of `row` (see the module's rule)."""
    start = row.current
    renews = row.expired and row.stored_level > 0
    if renews:
        start = min(row.stored_level, row.target) - 1
    return [Step(row=row, from_level=level, renews=renews and level == start) for level in range(start, row.target)]


def gap_steps(rows: list[GapRow]) -> list[list[Step]]:
    """The steps grouped into phases: phase k holds the k-th step of each gap, in the gaps' order."""
    per_gap = [_steps(row) for row in rows if row.status != GapStatus.MET]
    phases: list[list[Step]] = []
    for steps in per_gap:
        for index, step in enumerate(steps):
            if index == len(phases):
                phases.append([])
            phases[index].append(step)
    return phases


def _assessment_text(assessment: GrantingAssessment) -> str:
    return _("%(title)s (a score of %(score)s or more)") % {
        "title": assessment.title,
        "score": format_percent(assessment.minimum_score),
    }


def _specific(step: Step, descriptor: LevelDescriptor | None) -> str:
    level = level_label(step.to_level)
    indicators = descriptor.behaviour_indicators.strip() if descriptor else ""
    if indicators:
        return _("Reach %(level)s in %(competency)s: %(indicators)s") % {
            "level": level,
            "competency": step.row.name,
            "indicators": indicators,
        }
    return _("Reach %(level)s in %(competency)s.") % {"level": level, "competency": step.row.name}


def _measurable(step: Step, descriptor: LevelDescriptor | None, assessments: list[GrantingAssessment]) -> str:
    level = level_label(step.to_level)
    if assessments:
        return _("Pass %(assessments)s: it grants %(level)s.") % {
            "assessments": _("; or ").join(_assessment_text(a) for a in assessments),
            "level": level,
        }
    deliverable = descriptor.deliverable.strip() if descriptor else ""
    if deliverable:
        return _("Hand in the level's deliverable: %(deliverable)s") % {"deliverable": deliverable}
    return _("HC verifies %(level)s from the evidence of the completed IDP item.") % {"level": level}


def _achievable(step: Step, weeks: int) -> str:
    values = {
        "from": level_label(step.from_level),
        "to": level_label(step.to_level),
        "weeks": weeks,
    }
    if step.renews and step.row.expires_at is not None:
        values["date"] = date_format(timezone.localdate(step.row.expires_at))
        return (
            ngettext(
                "Renew %(to)s, which lapsed on %(date)s: one level, in about %(weeks)s week.",
                "Renew %(to)s, which lapsed on %(date)s: one level, in about %(weeks)s weeks.",
                weeks,
            )
            % values
        )
    return (
        ngettext(
            "One level at a time: from %(from)s to %(to)s, in about %(weeks)s week.",
            "One level at a time: from %(from)s to %(to)s, in about %(weeks)s weeks.",
            weeks,
        )
        % values
    )


def _relevant(step: Step, position: Position, next_role: tuple[Position, int] | None) -> str:
    values = {"position": position.name, "target": step.row.target_label}
    if next_role is not None:
        next_position, next_target = next_role
        return _(
            "Your position, %(position)s, needs %(target)s; %(next)s, the next role on your career path, "
            "needs %(next_target)s."
        ) % {**values, "next": next_position.name, "next_target": level_label(next_target)}
    return _("Your position, %(position)s, needs %(target)s.") % values


def _activity_type(descriptor: LevelDescriptor | None, assessments: list[GrantingAssessment]) -> str:
    if assessments:
        return ActivityType.ASSESSMENT
    if descriptor and descriptor.syllabus.strip():
        return ActivityType.TRAINING
    return ActivityType.ON_THE_JOB


def plan_draft(*, employee: User, today: date | None = None) -> PlanDraft:
    """The plan the employee's gaps call for (the module's rule), due dates counted from
    `today` (default: today). No gap, no phases.

    Seven queries at most, however many gaps and levels: the gaps (two), the career paths, the
    next positions' targets, the descriptors, the granting assessments (two).
    """
    report = employee_gaps(employee=employee)
    phases = gap_steps(report.rows)
    if not phases or employee.position is None:
        return PlanDraft(phases=[])
    position = employee.position
    next_positions = [n.position for n in path_place(position_id=position.pk).next_positions]
    next_targets = targets_by_position(position_ids=[p.pk for p in next_positions]) if next_positions else {}
    steps = [step for phase in phases for step in phase]
    wanted = {(step.row.competency_id, step.to_level) for step in steps}
    descriptors = {
        (d.competency_id, d.level): d
        for d in LevelDescriptor.objects.filter(competency_id__in={c for c, _level in wanted})
        if (d.competency_id, d.level) in wanted
    }
    granting = assessments_granting(employee=employee, steps=wanted)

    def next_role(step: Step) -> tuple[Position, int] | None:
        """The first next position that needs this level of the competency too."""
        for candidate in next_positions:
            spec = next_targets.get(candidate.pk, {}).get(step.row.competency_id)
            if spec is not None and spec.level >= step.to_level:
                return candidate, spec.level
        return None

    start = today or timezone.localdate()
    drafted = []
    for number, phase in enumerate(phases, start=1):
        objectives = []
        for index, step in enumerate(phase):
            key = (step.row.competency_id, step.to_level)
            descriptor, assessments = descriptors.get(key), granting.get(key, [])
            objectives.append(
                DraftObjective(
                    competency_id=step.row.competency_id,
                    from_level=step.from_level,
                    to_level=step.to_level,
                    activity_type=_activity_type(descriptor, assessments),
                    specific=_specific(step, descriptor),
                    measurable=_measurable(step, descriptor, assessments),
                    achievable=_achievable(step, weeks_for(MONTHS_PER_LEVEL)),
                    relevant=_relevant(step, position, next_role(step)),
                    due_date=start + timedelta(weeks=slot_weeks(index)),
                )
            )
        weeks = phase_weeks(len(phase))
        title = _("Phase %(number)s: step %(number)s of each gap") % {"number": number}
        drafted.append(DraftPhase(title=title, weeks=weeks, objectives=objectives))
        start += timedelta(weeks=weeks)
    return PlanDraft(phases=drafted)
