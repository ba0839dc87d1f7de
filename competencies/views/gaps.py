from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from assessments.selectors.raising import assessment_windows_next_change, raising_assessments_by_competency
from competencies.expiry import levels_next_change
from competencies.selectors.gaps import employee_gaps, level_labels
from competencies.views.as_of import AsOfForm, as_of_of
from hrportal.access import viewable_employee
from hrportal.models import User
from hrportal.page_cache import page_fragments, render_page
from hrportal.typing import AuthenticatedRequest
from idp.selectors import active_items_by_competency
from surveys.selectors import employee_ratings, ratings_beside


def _employee_for_viewer(request: AuthenticatedRequest, user_id: int) -> User:
    """The employee `user_id` if the viewer may see their data; 404 otherwise, so ids leak nothing."""
    return viewable_employee(request.user, user_id)


def _with_position(request: AuthenticatedRequest, employee: User) -> User:
    """`employee` with position and section loaded. One's own pages start from request.user, so
    that a page served from the cache needs no query for them; a miss loads them here."""
    return _employee_for_viewer(request, employee.pk) if employee is request.user else employee


def _gap_page_changes_at(employee: User) -> Callable[[datetime], datetime | None]:
    """When the dashboard of `employee` next changes by time alone: a level lapsing or
    entering the warning window, an assessment window opening or closing."""

    def changes_at(now: datetime) -> datetime | None:
        moments = [
            levels_next_change(employee_ids=[employee.pk], now=now),
            assessment_windows_next_change(now=now),
        ]
        return min((moment for moment in moments if moment is not None), default=None)

    return changes_at


def _render_gaps(request: AuthenticatedRequest, employee: User) -> HttpResponse:
    # The page's body is cached per viewer and employee (hrportal/page_cache.py); the
    # selectors run on a miss only. `?as_of=` is never cached.
    fragments = page_fragments(request, page="gaps", people=[employee.pk], changes_at=_gap_page_changes_at(employee))
    context = {"employee": employee, "is_own": employee.pk == request.user.pk}
    return render_page(
        request,
        "competencies/gap_dashboard.html",
        fragments=fragments,
        context=context,
        build=lambda: _gap_context(request, employee),
    )


def _gap_context(request: AuthenticatedRequest, employee: User) -> dict:
    employee = _with_position(request, employee)
    as_of_form = AsOfForm(request.GET or None)
    as_of = as_of_of(request, as_of_form)
    report = employee_gaps(employee=employee, with_evidence=True, as_of=as_of.moment)
    # A past day is read-only: no IDP items or assessments to act on.
    past = as_of.moment is not None
    active_items = {} if past else active_items_by_competency(employee=employee)
    raising = {} if past else raising_assessments_by_competency(employee=employee, rows=report.rows)
    # Ratings are today's opinions (surveys): beside today's levels only, never a past day's.
    beside = ratings_beside(
        {} if past else employee_ratings(employee=employee),
        {row.competency_id: row.current for row in report.rows},
    )
    chart_data = {
        **report.chart_data,
        "self": [beside[row.competency_id].ratings.self_level for row in report.chart_rows],
    }
    return {
        **as_of.context,
        "as_of_form": as_of_form,
        "report": report,
        # Each row with the id of its active IDP item, if any (the page links to it), and the
        # assessments that would raise it. The employee gets links to take them; anyone else
        # (a supervisor, HC) sees their names only, since the assessment's page is the
        # taker's own (their attempts, their eligibility, a start button), not the employee's.
        "rows_with_items": [
            (row, active_items.get(row.competency_id), raising.get(row.competency_id, []), beside[row.competency_id])
            for row in report.rows
        ],
        "chart_data": chart_data,
        "chart_rows_rated": [(row, beside[row.competency_id]) for row in report.chart_rows],
        "has_self_ratings": any(rating.ratings.self_level is not None for rating in beside.values()),
        "to_discuss": sum(1 for rating in beside.values() if rating.to_discuss),
        "employee": employee,
        "level_labels": level_labels(),
    }


@login_required
def my_gaps(request: AuthenticatedRequest) -> HttpResponse:
    return _render_gaps(request, request.user)


@login_required
def employee_gaps_view(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    return _render_gaps(request, _employee_for_viewer(request, user_id))
