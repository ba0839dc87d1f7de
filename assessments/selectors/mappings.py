"""Mapping health: which assessments each mapping covers, the mappings that contradict each
other or can never grant, and the published assessments no mapping covers."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.utils.translation import gettext as _

from assessments.models import Assessment, CompetencyMapping


def mapping_coverage(
    *, mappings: Iterable[CompetencyMapping], assessments: Iterable[Assessment]
) -> dict[int, list[Assessment]]:
    """{mapping id: the assessments it covers, in the given order}: CompetencyMapping.matches,
    asked of every pair. The one home of "which assessments does a mapping cover" for pages
    that list them; nothing here reads the database."""
    assessments = list(assessments)
    return {mapping.pk: [a for a in assessments if mapping.matches(a)] for mapping in mappings}


class FindingKind:
    INVERTED = "inverted"
    SAME_MINIMUM = "same_minimum"
    NEVER_GRANTS = "never_grants"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class MappingFinding:
    """Two mappings of one competency that contradict each other on the assessments both cover,
    or of which one (`first`) can never grant because `second` always grants as much or more."""

    kind: str
    first: CompetencyMapping
    second: CompetencyMapping
    assessments: list[Assessment]
    sentence: str

    @property
    def label(self) -> str:
        return {
            FindingKind.INVERTED: _("Inverted score bands"),
            FindingKind.SAME_MINIMUM: _("Same minimum score, different levels"),
            FindingKind.NEVER_GRANTS: _("Never grants"),
            FindingKind.DUPLICATE: _("Duplicate"),
        }[self.kind]


@dataclass(frozen=True)
class MappingHealth:
    findings: list[MappingFinding] = field(default_factory=list)
    uncovered: list[Assessment] = field(default_factory=list)  # published, covered by no mapping
    mapping_count: int = 0


def _score(mapping: CompetencyMapping, assessment: Assessment) -> str:
    return f"{mapping.threshold_for(assessment).normalize():f}"


def _validity_rank(months: int | None) -> float:
    return float("inf") if months is None else months


def _always_beats(winner: CompetencyMapping, loser: CompetencyMapping, covered: dict[int, list[Assessment]]) -> bool:
    """Whether `loser` can never grant anything `winner` does not grant as well: `winner`
    covers every assessment `loser` covers, with an equal or lower threshold and an equal
    or higher level (at an equal level, valid at least as long, since grants_by keeps the
    longest validity among equal levels)."""
    theirs = {a.pk for a in covered[winner.pk]}
    mine = covered[loser.pk]
    if not mine or any(a.pk not in theirs for a in mine):
        return False
    for assessment in mine:
        if winner.threshold_for(assessment) > loser.threshold_for(assessment):
            return False
        if winner.level_granted < loser.level_granted:
            return False
        if winner.level_granted == loser.level_granted and _validity_rank(
            winner.validity_for(assessment)
        ) < _validity_rank(loser.validity_for(assessment)):
            return False
    return True


def _titles(assessments: list[Assessment]) -> str:
    return ", ".join(str(a) for a in assessments)


def _pair_findings(
    a: CompetencyMapping, b: CompetencyMapping, covered: dict[int, list[Assessment]]
) -> list[MappingFinding]:
    b_covers = {x.pk for x in covered[b.pk]}
    shared = [x for x in covered[a.pk] if x.pk in b_covers]
    if not shared:
        return []
    inverted: dict[tuple[int, int], list[Assessment]] = defaultdict(list)  # (lower, higher) → where
    same: list[Assessment] = []
    for x in shared:
        ta, tb = a.threshold_for(x), b.threshold_for(x)
        if ta == tb and a.level_granted != b.level_granted:
            same.append(x)
        elif ta > tb and a.level_granted < b.level_granted:
            inverted[(a.pk, b.pk)].append(x)
        elif tb > ta and b.level_granted < a.level_granted:
            inverted[(b.pk, a.pk)].append(x)
    by_pk = {a.pk: a, b.pk: b}
    a_dead, b_dead = _always_beats(b, a, covered), _always_beats(a, b, covered)

    def never(loser: CompetencyMapping) -> str:
        dead = (loser is a and a_dead) or (loser is b and b_dead)
        if not dead:
            return ""
        return " " + _("The level %(level)s mapping never grants anything.") % {"level": loser.level_granted}

    findings = []
    for (low_pk, high_pk), where in inverted.items():
        low, high = by_pk[low_pk], by_pk[high_pk]
        sentence = _(
            "On %(assessments)s, level %(low_level)s needs %(low_score)s %% but level %(high_level)s only "
            "%(high_score)s %%: a higher score grants a lower level."
        ) % {
            "assessments": _titles(where),
            "low_level": low.level_granted,
            "low_score": _score(low, where[0]),
            "high_level": high.level_granted,
            "high_score": _score(high, where[0]),
        }
        findings.append(MappingFinding(FindingKind.INVERTED, low, high, where, sentence + never(low)))
    if same:
        low, high = (a, b) if a.level_granted < b.level_granted else (b, a)
        sentence = _(
            "On %(assessments)s, %(score)s %% grants both level %(low_level)s and level %(high_level)s: "
            "the higher level always wins."
        ) % {
            "assessments": _titles(same),
            "score": _score(low, same[0]),
            "low_level": low.level_granted,
            "high_level": high.level_granted,
        }
        findings.append(MappingFinding(FindingKind.SAME_MINIMUM, low, high, same, sentence + never(low)))
    if findings:
        return findings
    if a_dead and b_dead:
        sentence = _(
            "Both mappings cover the same assessments (%(assessments)s) with the same score and level: "
            "one of them is enough."
        ) % {"assessments": _titles(shared)}
        return [MappingFinding(FindingKind.DUPLICATE, a, b, shared, sentence)]
    for loser, winner, dead in ((a, b, a_dead), (b, a, b_dead)):
        if dead:
            sentence = _(
                "The first mapping can never grant: the second covers every assessment it covers "
                "(%(assessments)s), asks the same or a lower score and grants the same or a higher level."
            ) % {"assessments": _titles(covered[loser.pk])}
            return [MappingFinding(FindingKind.NEVER_GRANTS, loser, winner, covered[loser.pk], sentence)]
    return []


def mapping_health() -> MappingHealth:
    """Every conflict between two mappings of one competency, and the published assessments
    no mapping covers. Two queries (the mappings with their competency and assessment, and
    the assessments), whatever the number of mappings or assessments."""
    mappings = list(
        CompetencyMapping.objects.select_related("competency", "assessment").order_by("competency__code", "pk")
    )
    assessments = list(Assessment.objects.order_by("category", "title", "pk"))
    covered = mapping_coverage(mappings=mappings, assessments=assessments)
    by_competency: dict[int, list[CompetencyMapping]] = defaultdict(list)
    for mapping in mappings:
        by_competency[mapping.competency_id].append(mapping)
    findings = [
        finding
        for group in by_competency.values()
        for a, b in combinations(group, 2)
        for finding in _pair_findings(a, b, covered)
    ]
    covered_pks = {x.pk for matching in covered.values() for x in matching}
    uncovered = [x for x in assessments if x.is_published and x.pk not in covered_pks]
    return MappingHealth(findings=findings, uncovered=uncovered, mapping_count=len(mappings))
