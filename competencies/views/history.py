"""Level history: every change of an employee's levels, and one competency's level over time."""

from collections.abc import Sequence
from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.evidence import attach_evidence_results
from competencies.models import Competency
from competencies.selectors.gaps import level_labels
from competencies.selectors.history import LevelPoint, history_competencies, level_history, level_timeline
from competencies.views.gaps import _employee_for_viewer, _with_position
from hrportal.models import User
from hrportal.page_cache import page_fragments, render_page
from hrportal.typing import AuthenticatedRequest

HISTORY_PER_PAGE = 50


class CompetencyChoiceForm(forms.Form):
    """Which competency to chart: one whose level changed (the view passes them in, so
    validating and rendering cost no further query)."""

    competency = forms.TypedChoiceField(
        label=gettext_lazy("Competency"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choose a competency."),
            "invalid_choice": gettext_lazy(
                "No level change is recorded for that competency: choose one from the list."
            ),
        },
    )

    def __init__(self, *args, competencies: Sequence[Competency], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["competency"]).choices = [("", _("Choose a competency…"))] + [
            (str(c.pk), f"{c.code} {c.name}") for c in competencies
        ]


def _chart_data(competency: Competency, points: list[LevelPoint]) -> dict:
    """The line chart's data: x in epoch milliseconds, y the level; `now` extends the last level."""
    return {
        "label": f"{competency.code} {competency.name}",
        "points": [
            {
                "x": int(point.changed_at.timestamp() * 1000),
                "y": point.level,
                # The tooltip's title, as the page writes a date ("12 May 2026", "12 Mei 2026").
                "date": date_format(timezone.localtime(point.changed_at), "DATE_FORMAT"),
            }
            for point in points
        ],
        "now": int(timezone.now().timestamp() * 1000),
    }


def _render_history(request: AuthenticatedRequest, employee: User) -> HttpResponse:
    # The first page, with the default chart, is cached (hrportal/page_cache.py); another
    # page or competency (a query string) is not.
    fragments = page_fragments(request, page="history", people=[employee.pk])
    return render_page(
        request,
        "competencies/history.html",
        fragments=fragments,
        context={"employee": employee, "is_own": employee.pk == request.user.pk},
        build=lambda: _history_context(request, employee),
    )


def _history_context(request: AuthenticatedRequest, employee: User) -> dict:
    employee = _with_position(request, employee)
    competencies = history_competencies(employee=employee)
    by_id = {competency.pk: competency for competency in competencies}
    form = CompetencyChoiceForm(request.GET if "competency" in request.GET else None, competencies=competencies)
    selected = None
    if form.is_bound:
        if form.is_valid():
            selected = by_id[form.cleaned_data["competency"]]
    elif competencies:
        # Nothing chosen yet: chart the competency that changed most recently.
        selected = max(competencies, key=lambda c: c.last_changed_at)  # type: ignore[attr-defined]
        form = CompetencyChoiceForm(initial={"competency": selected.pk}, competencies=competencies)
    page = Paginator(level_history(employee=employee), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    attach_evidence_results(page.object_list)  # the page's rows' results, in one query
    points = level_timeline(employee=employee, competency_id=selected.pk) if selected else []
    return {
        "employee": employee,
        "page": page,
        "form": form,
        "selected": selected,
        # Page links keep the chosen competency.
        "page_query": f"competency={selected.pk}&" if selected else "",
        "points": points,
        "chart_data": _chart_data(selected, points) if selected else None,
        "level_labels": level_labels(),
    }


@login_required
def my_history(request: AuthenticatedRequest) -> HttpResponse:
    return _render_history(request, request.user)


@login_required
def employee_history(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    return _render_history(request, _employee_for_viewer(request, user_id))
