"""The competency page: what a competency's levels mean, where an employee stands in it, how the
level was reached ("Why is my level 3?") and what would raise it."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.models import AssessmentResult, CompetencyMapping
from assessments.selectors.competency import competency_mappings, recent_attempts
from assessments.selectors.raising import raising_assessments_by_competency
from competencies.models import MAX_LEVEL, CompetencyLevelHistory, LevelSource, PositionTarget
from competencies.selectors.competency import CompetencyDetail, competency_detail
from competencies.selectors.gaps import _gap_row
from competencies.views.gaps import _employee_for_viewer, _gap_page_changes_at, _with_position
from hrportal.access import can_rate_as_supervisor
from hrportal.models import User
from hrportal.page_cache import page_fragments, render_page
from hrportal.typing import AuthenticatedRequest
from idp.selectors import active_items_for_competency, competency_suggestion
from surveys.forms import SupervisorRatingForm
from surveys.selectors import NOT_RATED, RatingBeside, employee_ratings


@dataclass(frozen=True)
class EvidenceStep:
    """One change of the level, with what it names and where the viewer may open it."""

    change: CompetencyLevelHistory
    result: AssessmentResult | None  # the result that granted it (not for a voiding)
    mapping: CompetencyMapping | None  # the mapping through which the result granted it
    url: str  # the evidence's page the viewer may open ("" when none)
    mapping_url: str

    @property
    def is_item(self) -> bool:
        evidence_type = self.change.evidence_type
        return evidence_type is not None and (evidence_type.app_label, evidence_type.model) == ("idp", "idpitem")

    @property
    def is_override(self) -> bool:
        return self.change.source == LevelSource.MANUAL

    @property
    def is_voiding(self) -> bool:
        return self.change.source == LevelSource.VOIDED


def _result_url(result_id: int | None, *, viewer_is_hc: bool, attempt_ids: dict[int, int]) -> str:
    """A result's page for the viewer: HC its admin page; the taker the result page of the
    online attempt it came from (attempt_ids); nobody else has one."""
    if result_id is None:
        return ""
    if viewer_is_hc:
        return reverse("admin:assessments_assessmentresult_change", args=[result_id])
    if result_id in attempt_ids:
        return reverse("assessments:result", args=[attempt_ids[result_id]])
    return ""


def _evidence_chain(
    detail: CompetencyDetail, *, mappings, viewer_is_hc: bool, attempt_ids: dict[int, int]
) -> list[EvidenceStep]:
    steps = []
    for change in detail.history:
        result = change.evidence_result  # type: ignore[attr-defined]
        mapping = mappings.mapping_for(result, change.new_level) if result is not None else None
        if result is not None:
            url = _result_url(result.pk, viewer_is_hc=viewer_is_hc, attempt_ids=attempt_ids)
        elif change.source == LevelSource.VOIDED:
            # The voided result is named as the evidence; its admin page says who voided it and why.
            url = _result_url(change.evidence_id, viewer_is_hc=viewer_is_hc, attempt_ids={})
        elif change.evidence_type is not None and change.evidence_type.app_label == "idp" and change.evidence_id:
            url = reverse("idp:item", args=[change.evidence_id])  # whoever sees the employee sees their items
        else:
            url = ""
        mapping_url = ""
        if mapping is not None and viewer_is_hc:
            mapping_url = reverse("admin:assessments_competencymapping_change", args=[mapping.pk])
        steps.append(EvidenceStep(change=change, result=result, mapping=mapping, url=url, mapping_url=mapping_url))
    return steps


def _render_competency(request: AuthenticatedRequest, employee: User, competency_id: int) -> HttpResponse:
    """Queries (tests/competencies/test_competency_page.py counts them): the competency page's
    five or six (competency_detail), the mappings, the recent attempts, the assessments that
    would raise it (two), the active items and, on one's own page with a gap and no item, the
    suggestion (two); the self-rating and the supervisor's rating (two); plus the viewer's HC group.
    Cached per viewer, employee and competency (hrportal/page_cache.py): a hit costs the stamps."""
    fragments = page_fragments(
        request,
        page="competency",
        people=[employee.pk],
        extra=str(competency_id),
        changes_at=_gap_page_changes_at(employee),
    )
    return render_page(
        request,
        "competencies/competency.html",
        fragments=fragments,
        context={},
        build=lambda: _competency_context(request, employee, competency_id),
    )


def _competency_context(request: AuthenticatedRequest, employee: User, competency_id: int) -> dict:
    employee = _with_position(request, employee)
    detail = competency_detail(employee=employee, competency_id=competency_id)
    if detail is None:
        raise Http404(_("No such competency."))
    is_own = employee.pk == request.user.pk
    viewer_is_hc = request.user.is_hc
    mappings = competency_mappings(competency_id=competency_id)
    attempts = recent_attempts(employee=employee, mappings=mappings)
    # Only the taker opens an online attempt's result page.
    attempt_ids = {a.result.pk: a.result.attempt.pk for a in attempts if is_own and hasattr(a.result, "attempt")}
    # What would raise the level, whether or not the position asks for more: measured against
    # the top of the scale, so a met target still shows the way further up.
    ceiling = _gap_row(PositionTarget(competency=detail.competency, target_level=MAX_LEVEL), detail.level, detail.now)
    raising = raising_assessments_by_competency(employee=employee, rows=[ceiling]).get(competency_id, [])
    items = active_items_for_competency(employee=employee, competency_id=competency_id)
    suggestion = None
    may_plan = is_own and not items and detail.counted_level < MAX_LEVEL
    if may_plan and detail.row is not None:
        suggestion = competency_suggestion(employee=employee, row=detail.row, active_items={})
    ratings = employee_ratings(employee=employee, competency_ids=[competency_id]).get(competency_id, NOT_RATED)
    # The supervisor rates a competency of the position only (surveys.services).
    may_rate = detail.row is not None and can_rate_as_supervisor(request.user, employee)
    return {
        "employee": employee,
        "is_own": is_own,
        "detail": detail,
        "rating": RatingBeside(ratings, detail.counted_level),
        "supervisor_form": (
            SupervisorRatingForm(initial={"level": ratings.supervisor_level, "comment": ratings.supervisor_comment})
            if may_rate
            else None
        ),
        "competency": detail.competency,
        "chain": _evidence_chain(detail, mappings=mappings, viewer_is_hc=viewer_is_hc, attempt_ids=attempt_ids),
        "attempts": [
            (a, _result_url(a.result.pk, viewer_is_hc=viewer_is_hc, attempt_ids=attempt_ids)) for a in attempts
        ],
        "mappings": mappings.mappings,
        "raising": raising,
        "items": items,
        "may_plan": may_plan,
        "suggestion": suggestion,
        "viewer_is_hc": viewer_is_hc,
    }


@login_required
def my_competency(request: AuthenticatedRequest, competency_id: int) -> HttpResponse:
    return _render_competency(request, request.user, competency_id)


@login_required
def employee_competency(request: AuthenticatedRequest, user_id: int, competency_id: int) -> HttpResponse:
    return _render_competency(request, _employee_for_viewer(request, user_id), competency_id)
