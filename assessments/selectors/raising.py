"""Which assessments would raise a competency (the gap dashboard's "Take: …" links), and which grant
one level of it (what measures a learning plan's objective)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Min, Q
from django.db.models.functions import Lower
from django.utils import timezone

from assessments.models import Assessment, CompetencyMapping
from competencies.models import level_label
from competencies.rules import GapStatus
from competencies.selectors.gaps import GapRow
from hrportal.models import User


@dataclass(frozen=True)
class RaisingAssessment:
    """A published assessment open to the employee, and the highest level above their current
    one that passing it grants in one competency (its best score band)."""

    assessment_id: int
    title: str
    category: str
    level: int

    @property
    def level_label(self) -> str:
        return level_label(self.level)


def assessment_windows_next_change(*, now: datetime) -> datetime | None:
    """When the next published assessment opens or closes: the "Take: …" links change then
    by themselves (what a cached gap page is good until, hrportal/page_cache.py). One query."""
    found = Assessment.objects.published().aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)), closes=Min("closes_at", filter=Q(closes_at__gt=now))
    )
    return min((moment for moment in found.values() if moment is not None), default=None)


def raising_assessments_by_competency(*, employee: User, rows: Iterable[GapRow]) -> dict[int, list[RaisingAssessment]]:
    """{competency id: assessments, by title} for the rows in gap or not started.

    An assessment counts when it is published, open to `employee` (the audience rule,
    Assessment.objects.eligible_for) and not closed for good, and one of its mappings
    (naming it, or its category with an optional title pattern: CompetencyMapping.matches)
    grants a level above the employee's current one. Met rows get nothing. Two queries
    whatever the number of rows, mappings or assessments (none when no row is in gap, one
    when no mapping could raise any of them).
    """
    current = {row.competency_id: row.current for row in rows if row.status != GapStatus.MET}
    if not current:
        return {}
    mappings = [
        mapping
        for mapping in CompetencyMapping.objects.filter(
            competency_id__in=current, level_granted__gt=min(current.values())
        ).only("competency_id", "level_granted", "assessment_id", "category", "title_pattern")
        if mapping.level_granted > current[mapping.competency_id]
    ]
    if not mappings:
        return {}

    named = {m.assessment_id for m in mappings if m.assessment_id is not None}
    categories = {m.category.lower() for m in mappings if m.assessment_id is None}
    now = timezone.now()
    assessments = list(
        Assessment.objects.eligible_for(employee)
        .annotate(category_lower=Lower("category"))
        .filter(Q(pk__in=named) | Q(category_lower__in=categories))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .only("pk", "title", "category")
        .order_by("title", "pk")
    )

    best: dict[int, dict[int, int]] = {}  # competency id → {assessment id: level}
    for mapping in mappings:
        for assessment in assessments:
            if mapping.matches(assessment):
                levels = best.setdefault(mapping.competency_id, {})
                levels[assessment.pk] = max(levels.get(assessment.pk, 0), mapping.level_granted)
    return {
        competency_id: [
            RaisingAssessment(assessment_id=a.pk, title=a.title, category=a.category, level=levels[a.pk])
            for a in assessments
            if a.pk in levels
        ]
        for competency_id, levels in best.items()
    }


@dataclass(frozen=True)
class GrantingAssessment:
    """An assessment that grants one level of a competency when passed at `minimum_score`."""

    assessment_id: int
    title: str
    minimum_score: Decimal
    is_published: bool  # taken online in the portal (else taken elsewhere, recorded by HC)


def assessments_granting(
    *, employee: User, steps: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], list[GrantingAssessment]]:
    """{(competency id, level): the assessments, by title} whose mappings grant exactly that
    level, for the (competency id, level) pairs of `steps`: what will show a learning
    objective is met.

    An assessment counts when the employee could pass it: published and open to them
    (Assessment.objects.eligible_for), or taken elsewhere and recorded by HC (unpublished), and
    not closed for good; a mapping covers it as CompetencyMapping.matches says. With score
    bands, each assessment comes with the lowest score that grants the level. Two queries
    whatever the number of steps (none without steps, one when no mapping grants any).
    """
    wanted = set(steps)
    if not wanted:
        return {}
    mappings = [
        mapping
        for mapping in CompetencyMapping.objects.filter(
            competency_id__in={competency_id for competency_id, _level in wanted},
            level_granted__in={level for _competency_id, level in wanted},
        ).only("competency_id", "level_granted", "minimum_score", "assessment_id", "category", "title_pattern")
        if (mapping.competency_id, mapping.level_granted) in wanted
    ]
    if not mappings:
        return {}
    named = {m.assessment_id for m in mappings if m.assessment_id is not None}
    categories = {m.category.lower() for m in mappings if m.assessment_id is None}
    passable = Assessment.objects.eligible_for(employee) | Assessment.objects.filter(is_published=False)
    assessments = list(
        passable.annotate(category_lower=Lower("category"))
        .filter(Q(pk__in=named) | Q(category_lower__in=categories))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=timezone.now()))
        .only("pk", "title", "category", "pass_percentage", "is_published")
        .order_by("title", "pk")
    )
    found: dict[tuple[int, int], dict[int, GrantingAssessment]] = {}
    for assessment in assessments:
        for mapping in mappings:
            if not mapping.matches(assessment):
                continue
            by_assessment = found.setdefault((mapping.competency_id, mapping.level_granted), {})
            score = mapping.threshold_for(assessment)
            known = by_assessment.get(assessment.pk)
            if known is None or score < known.minimum_score:
                by_assessment[assessment.pk] = GrantingAssessment(
                    assessment_id=assessment.pk,
                    title=assessment.title,
                    minimum_score=score,
                    is_published=assessment.is_published,
                )
    return {step: list(by_assessment.values()) for step, by_assessment in found.items()}
