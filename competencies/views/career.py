"""Career pages: the gap to the next roles, a comparison with any position, and talent search.

The small GET forms live here, beside the only views that use them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.expiry import levels_next_change
from competencies.models import CareerPath
from competencies.selectors.career import (
    ESTIMATE_HORIZON_YEARS,
    MONTHS_PER_LEVEL,
    PARALLEL_COMPETENCIES,
    RECOMMENDED_SCORE,
    Candidate,
    Match,
    path_place,
    position_ranking,
    talent_search,
)
from competencies.selectors.gaps import (
    GapReport,
    counted_levels,
    employee_gap_reports,
    employee_levels,
    level_labels,
)
from hrportal.models import Position, Section, User
from hrportal.page_cache import page_fragments, render_page
from hrportal.spreadsheets import FORMATS, build_dataset, download_response
from hrportal.translated import localized
from hrportal.typing import AuthenticatedRequest

# Column titles for people reading the file (nothing imports it), so in their language.
TALENT_EXPORT_HEADERS = [
    gettext_lazy("Employee number"),
    gettext_lazy("Name"),
    gettext_lazy("Section"),
    gettext_lazy("Position"),
    gettext_lazy("Match score %"),
    gettext_lazy("Competencies met"),
    gettext_lazy("Competencies targeted"),
]


def _choices(objects: Sequence, blank: str) -> list[tuple[str, str]]:
    """The objects as choices, after an empty one labelled `blank` (already translated)."""
    return [("", blank)] + [(str(obj.pk), obj.name) for obj in objects]


class CompareForm(forms.Form):
    """Choose a position to compare with. Choices come from a list the view already loaded,
    so validating and rendering cost no further query."""

    compare = forms.TypedChoiceField(
        label=gettext_lazy("Position"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choose a position to compare with."),
            "invalid_choice": gettext_lazy("There is no such position: choose one from the list."),
        },
    )

    def __init__(self, *args, positions: Sequence[Position], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["compare"]).choices = _choices(positions, _("Choose a position…"))


class TalentSearchForm(forms.Form):
    position = forms.TypedChoiceField(
        label=gettext_lazy("Position"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choose the position to find people for."),
            "invalid_choice": gettext_lazy("There is no such position: choose one from the list."),
        },
    )
    section = forms.TypedChoiceField(
        label=gettext_lazy("Section"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("There is no such section: choose one from the list.")},
    )
    min_score = forms.IntegerField(
        label=gettext_lazy("Minimum match score (%)"), min_value=0, max_value=100, required=False, initial=0
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("", gettext_lazy("page")), *[(fmt, fmt) for fmt in FORMATS]],
        required=False,
    )

    def __init__(self, *args, positions: Sequence[Position], sections: Sequence[Section], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["position"]).choices = _choices(positions, _("Choose a position…"))
        cast(forms.TypedChoiceField, self.fields["section"]).choices = _choices(sections, _("All sections"))


@dataclass(frozen=True)
class Panel:
    """One position shown in full on the career page: gap table, radar chart, estimate."""

    key: str  # unique on the page: names the chart's canvas and data
    position: Position
    report: GapReport
    match: Match
    paths: list[CareerPath]

    @property
    def chart_id(self) -> str:
        return f"career-chart-{self.key}"

    @property
    def data_id(self) -> str:
        return f"career-chart-data-{self.key}"


@login_required
def career(request: AuthenticatedRequest) -> HttpResponse:
    """The logged-in employee's next positions on their career paths, a comparison with any
    position and all positions ranked by match score.

    A fixed number of queries (see the test): positions, path steps, levels, all targets for
    the ranking, and the targets with competencies of the positions shown in full.
    """
    fragments = page_fragments(
        request,
        page="career",
        people=[],  # the viewer's own stamp: their levels and position
        changes_at=lambda now: levels_next_change(employee_ids=[request.user.pk], now=now),
    )
    return render_page(
        request, "competencies/career.html", fragments=fragments, context={}, build=lambda: _career_context(request)
    )


def _career_context(request: AuthenticatedRequest) -> dict:
    employee = request.user
    positions = list(Position.objects.order_by(localized("name")))
    by_id = {position.pk: position for position in positions}
    form = CompareForm(request.GET if "compare" in request.GET else None, positions=positions)
    compare = by_id[form.cleaned_data["compare"]] if form.is_bound and form.is_valid() else None

    place = path_place(position_id=employee.position_id)
    levels = employee_levels(employee=employee)
    shown: list[tuple[str, Position, list[CareerPath]]] = [
        (f"next-{nxt.position.pk}", nxt.position, nxt.paths) for nxt in place.next_positions
    ]
    if compare is not None:
        shown.append(("compare", compare, []))
    reports = employee_gap_reports(employee=employee, positions=[p for _, p, _ in shown], levels=levels)
    panels = [
        Panel(
            key=key,
            position=position,
            report=reports[position.pk],
            match=Match.from_report(reports[position.pk]),
            paths=paths,
        )
        for key, position, paths in shown
    ]
    ranking = position_ranking(positions=positions, levels=counted_levels(levels))
    return {
        "employee": employee,
        "current_position": by_id.get(employee.position_id) if employee.position_id else None,
        "place": place,
        "next_panels": [panel for panel in panels if panel.key != "compare"],
        "compare_panel": next((panel for panel in panels if panel.key == "compare"), None),
        "form": form,
        "ranking": ranking,
        "has_charts": any(panel.report.rows for panel in panels),
        "recommended_score": RECOMMENDED_SCORE,
        "months_per_level": MONTHS_PER_LEVEL,
        "parallel_competencies": PARALLEL_COMPETENCIES,
        "estimate_horizon_years": ESTIMATE_HORIZON_YEARS,
        "level_labels": level_labels(),
    }


def _talent_scope(viewer: User) -> QuerySet[User]:
    """Whom `viewer` may search: HC every active employee (a user with an employee number), a
    supervisor their active direct reports. Anyone else may not use the page (403)."""
    if viewer.is_hc:
        return User.objects.filter(is_active=True, employee_number__isnull=False)
    reports = User.objects.direct_reports_of(viewer)
    if not reports.exists():
        raise PermissionDenied(_("Talent search is for supervisors and HC staff."))
    return reports


def _talent_rows(candidates: list[Candidate]) -> list[list]:
    return [
        [
            c.employee.employee_number or "",
            c.employee.display_name,
            c.employee.section.name if c.employee.section else "",
            c.employee.position.name if c.employee.position else "",
            c.match.score_percent,
            c.match.met,
            c.match.total,
        ]
        for c in candidates
    ]


@login_required
def talent(request: AuthenticatedRequest) -> HttpResponse:
    """Employees in the viewer's scope ranked by match score for one position, filtered by
    section and minimum score; `format=csv|xlsx` downloads the same rows."""
    scope = _talent_scope(request.user)
    positions = list(Position.objects.order_by(localized("name")))
    sections = list(Section.objects.order_by("name"))
    form = TalentSearchForm(request.GET if "position" in request.GET else None, positions=positions, sections=sections)
    position: Position | None = None
    has_targets = False
    candidates: list[Candidate] = []
    if form.is_bound and form.is_valid():
        position = next(p for p in positions if p.pk == form.cleaned_data["position"])
        if form.cleaned_data["section"] is not None:
            scope = scope.filter(section_id=form.cleaned_data["section"])
        has_targets, candidates = talent_search(
            position=position, candidates=scope, min_score=form.cleaned_data["min_score"] or 0
        )
        fmt = form.cleaned_data["format"]
        if fmt:
            dataset = build_dataset(TALENT_EXPORT_HEADERS, _talent_rows(candidates), title=_("Talent search"))
            return download_response(dataset, filename=f"talent-search-{slugify(position.name)}", fmt=fmt)
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "form": form,
        "position": position,
        "has_targets": has_targets,
        "candidates": candidates,
        "recommended_score": RECOMMENDED_SCORE,
        "export_query": query.urlencode(),
        "formats": list(FORMATS),
    }
    return render(request, "competencies/talent_search.html", context)
