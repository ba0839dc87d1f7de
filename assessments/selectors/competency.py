"""The assessments side of the competency page: the mappings onto one competency, an employee's
recent attempts at the assessments they cover, and which mapping a result's level came from."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Lower

from assessments.models import Assessment, AssessmentResult, CompetencyMapping
from assessments.services.results import grants_by
from competencies.models import level_label
from hrportal.models import User

RECENT_ATTEMPTS = 10


@dataclass(frozen=True)
class Attempted:
    """One recorded result at an assessment mapped to the competency, and the level it grants
    there (0: none, a fail or a score below every band)."""

    result: AssessmentResult
    level: int
    mapping: CompetencyMapping | None  # the mapping that grants `level`

    @property
    def level_label(self) -> str:
        return level_label(self.level)


@dataclass(frozen=True)
class CompetencyMappings:
    """The mappings that grant levels of one competency, with the assessment each names."""

    mappings: list[CompetencyMapping]

    def granting(self, *, assessment: Assessment, score: Decimal) -> tuple[int, CompetencyMapping | None]:
        """The level a result of `score` on `assessment` grants in the competency (0: none), and
        the mapping it comes from: grants_by's choice (the highest level, the longest validity
        among equals), read back from the mapping that gives exactly that grant."""
        grants = grants_by(assessment=assessment, score=score, mappings=self.mappings)
        if not grants:
            return 0, None
        grant = next(iter(grants.values()))
        for mapping in self.mappings:
            if (
                mapping.matches(assessment)
                and score >= mapping.threshold_for(assessment)
                and mapping.level_granted == grant.level
                and mapping.validity_for(assessment) == grant.validity_months
            ):
                return grant.level, mapping
        return grant.level, None

    def mapping_for(self, result: AssessmentResult | None, level: int) -> CompetencyMapping | None:
        """The mapping by which `result` granted `level`, as the mappings stand now; None when
        none does any more (HC changed the mappings since)."""
        if result is None:
            return None
        granted, mapping = self.granting(assessment=result.assessment, score=result.score)
        return mapping if granted == level else None


def competency_mappings(*, competency_id: int) -> CompetencyMappings:
    """Every mapping onto the competency, highest level first. One query."""
    return CompetencyMappings(
        mappings=list(
            CompetencyMapping.objects.filter(competency_id=competency_id)
            .select_related("competency", "assessment")
            .order_by("-level_granted", "pk")
        )
    )


def recent_attempts(*, employee: User, mappings: CompetencyMappings, limit: int = RECENT_ATTEMPTS) -> list[Attempted]:
    """`employee`'s newest results (at most `limit`) at assessments the mappings cover, failed
    and voided ones included, newest first, each with the level it grants (none once voided). One query, none
    without mappings; a title pattern is checked in Python (CompetencyMapping.matches)."""
    if not mappings.mappings:
        return []
    named = {m.assessment_id for m in mappings.mappings if m.assessment_id is not None}
    categories = {m.category.lower() for m in mappings.mappings if m.assessment_id is None}
    results = (
        AssessmentResult.objects.filter(employee=employee)
        .annotate(category_lower=Lower("assessment__category"))
        .filter(Q(assessment_id__in=named) | Q(category_lower__in=categories))
        # The online attempt (a reverse one-to-one, joined): the taker's link to its result page.
        .select_related("assessment", "attempt")
        .order_by("-completed_at", "-pk")
    )
    attempted = []
    for result in results.iterator(chunk_size=100):
        if not any(mapping.matches(result.assessment) for mapping in mappings.mappings):
            continue
        # A voided result grants nothing any more (assessments.services.voiding).
        level, mapping = (
            (0, None) if result.is_voided else mappings.granting(assessment=result.assessment, score=result.score)
        )
        attempted.append(Attempted(result=result, level=level, mapping=mapping))
        if len(attempted) == limit:
            break
    return attempted
