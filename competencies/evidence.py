"""A level's evidence as the reader sees it.

A level (or history row) raised by an assessment result stores a note written in English at
the time ("OJ POP-04 level 2 (Assessment OJ), 86 %, 2024-02-08"): the record, which exports
and the admin keep showing. Pages show such evidence from the result itself instead, so its
score and date follow the reader's language (templates/includes/level_evidence.html). Every
other evidence (an override's reason, an IDP verification, a voiding) keeps its stored note.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from django.apps import apps

from competencies.models import LevelSource

if TYPE_CHECKING:
    from assessments.models import AssessmentResult

RESULT_EVIDENCE = ("assessments", "assessmentresult")


class HasEvidence(Protocol):
    """A CompetencyLevel or CompetencyLevelHistory, loaded with its evidence_type."""

    evidence_type_id: int | None
    evidence_id: int | None
    source: str

    @property
    def evidence_type(self): ...


def _result_id(row: HasEvidence) -> int | None:
    """The id of the result `row`'s evidence is, or None: a voiding row names the voided result
    but its note (what was voided and why) is the evidence it shows."""
    if row.evidence_type_id is None or row.evidence_id is None or row.source == LevelSource.VOIDED:
        return None
    content_type = row.evidence_type
    if (content_type.app_label, content_type.model) != RESULT_EVIDENCE:
        return None
    return row.evidence_id


def evidence_results(rows: Iterable[HasEvidence]) -> dict[int, "AssessmentResult"]:
    """{result id: result, with its assessment} of the rows whose evidence is an assessment
    result. One query, none when no row's evidence is a result. The rows need their
    evidence_type loaded (select_related) so that telling which ones costs no query."""
    ids = {result_id for row in rows if (result_id := _result_id(row)) is not None}
    if not ids:
        return {}
    result_model = apps.get_model(*RESULT_EVIDENCE)
    return {result.pk: result for result in result_model.objects.filter(pk__in=ids).select_related("assessment")}


def result_behind(row: HasEvidence, results: dict[int, "AssessmentResult"]) -> "AssessmentResult | None":
    """The result (from evidence_results) that is `row`'s evidence, or None: show its note."""
    result_id = _result_id(row)
    return results.get(result_id) if result_id is not None else None


def attach_evidence_results(rows: list) -> None:
    """Sets `evidence_result` (the result or None) on each of `rows`, for
    includes/level_evidence.html. One query (evidence_results)."""
    results = evidence_results(rows)
    for row in rows:
        row.evidence_result = result_behind(row, results)
