"""Reads for the level history pages: every change of an employee's levels, and one competency's timeline."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from competencies.models import Competency, CompetencyLevelHistory, level_label
from hrportal.models import User


def level_history(*, employee: User) -> QuerySet[CompetencyLevelHistory]:
    """Every change of `employee`'s levels, newest first, with what the history page shows
    (competency, who, the evidence's type) joined in: one query per page."""
    return (
        CompetencyLevelHistory.objects.filter(employee=employee)
        .select_related("competency", "changed_by", "evidence_type")
        .order_by("-changed_at", "-pk")
    )


def history_competencies(*, employee: User) -> list[Competency]:
    """The competencies in which `employee`'s level ever changed, by code, each annotated with
    `last_changed_at` (its newest change). One query."""
    history = CompetencyLevelHistory.objects.filter(employee=employee)
    newest = history.filter(competency=OuterRef("pk")).order_by("-changed_at", "-pk").values("changed_at")[:1]
    return list(
        Competency.objects.filter(pk__in=history.values("competency_id"))
        .annotate(last_changed_at=Subquery(newest))
        .only("code", "name")
        .order_by("code")
    )


@dataclass(frozen=True)
class LevelPoint:
    changed_at: datetime
    level: int

    @property
    def label(self) -> str:
        return level_label(self.level)


def level_timeline(*, employee: User, competency_id: int) -> list[LevelPoint]:
    """`employee`'s level in one competency after each change, oldest first. One query."""
    changes = (
        CompetencyLevelHistory.objects.filter(employee=employee, competency_id=competency_id)
        .order_by("changed_at", "pk")
        .values_list("changed_at", "new_level")
    )
    return [LevelPoint(changed_at=changed_at, level=level) for changed_at, level in changes]
