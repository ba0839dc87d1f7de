"""Reads for the learning plan pages, each a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Prefetch

from hrportal.models import User
from idp.selectors import active_items_by_competency
from learning.models import LearningObjective, LearningPhase, LearningPlan


@dataclass(frozen=True)
class ObjectiveView:
    objective: LearningObjective
    # Another active IDP item in the objective's competency (the page says so instead of
    # offering to make one); None when there is none or the objective's own item is it.
    active_item_id: int | None

    @property
    def may_make_item(self) -> bool:
        return self.objective.idp_item_id is None and self.active_item_id is None


@dataclass(frozen=True)
class PhaseView:
    phase: LearningPhase
    objectives: list[ObjectiveView]


@dataclass(frozen=True)
class PlanView:
    plan: LearningPlan
    phases: list[PhaseView]

    @property
    def total_weeks(self) -> int:
        return sum(phase.phase.weeks for phase in self.phases)

    @property
    def objective_count(self) -> int:
        return sum(len(phase.objectives) for phase in self.phases)

    @property
    def edited_count(self) -> int:
        return sum(1 for phase in self.phases for view in phase.objectives if view.objective.is_edited)

    @property
    def item_count(self) -> int:
        return sum(1 for phase in self.phases for view in phase.objectives if view.objective.idp_item_id)


def learning_plan(*, employee: User) -> PlanView | None:
    """`employee`'s plan with its phases (in order) and their objectives (with competency and
    IDP item), or None. Four queries (one without a plan): the plan, its phases, their objectives,
    the employee's active IDP items."""
    plan = LearningPlan.objects.filter(employee=employee).first()
    if plan is None:
        return None
    objectives = LearningObjective.objects.select_related("competency", "idp_item").order_by("order")
    phases = list(plan.phases.order_by("order").prefetch_related(Prefetch("objectives", queryset=objectives)))
    active = active_items_by_competency(employee=employee)
    views = [
        PhaseView(
            phase=phase,
            objectives=[
                ObjectiveView(
                    objective=objective,
                    active_item_id=None if objective.idp_item_id else active.get(objective.competency_id),
                )
                for objective in phase.objectives.all()
            ],
        )
        for phase in phases
    ]
    return PlanView(plan=plan, phases=views)
