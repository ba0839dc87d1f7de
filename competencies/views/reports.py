"""The organisation report for HC: the page and its CSV/XLSX exports.

The figures and their definitions live in `competencies.selectors.reports`.
"""

from datetime import date
from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from competencies.report_summary import CACHE_SECONDS, summary_report
from competencies.selectors.as_of import end_of_day
from competencies.selectors.reports import GroupFigures, competency_figures, group_figures, organisation_report
from competencies.selectors.risk import section_risks
from competencies.views.as_of import AsOfForm, as_of_of
from hrportal.access import require_hc
from hrportal.models import Position, Section
from hrportal.spreadsheets import FORMATS, build_dataset, download_response
from hrportal.translated import localized
from hrportal.typing import AuthenticatedRequest
from hrportal.widgets import QuickSelect

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The keys are the `table` parameter of the export's URL; the values name the tables for people.
EXPORT_TABLES = {
    "section": gettext_lazy("Section"),
    "position": gettext_lazy("Position"),
    "competency": gettext_lazy("Competency"),
}


class ReportFilterForm(AsOfForm):
    """Narrow the report to one section and/or one position (GET parameters, ids), and show it
    as of a past day."""

    section = forms.TypedChoiceField(
        label=gettext_lazy("Section"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    position = forms.TypedChoiceField(
        label=gettext_lazy("Position"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )

    field_order = ["section", "position", "as_of"]

    def __init__(self, data, *, sections, positions, **kwargs) -> None:
        super().__init__(data, **kwargs)
        cast(forms.TypedChoiceField, self.fields["section"]).choices = [
            ("", _("All sections")),
            *((section.pk, section.name) for section in sections),
        ]
        cast(forms.TypedChoiceField, self.fields["position"]).choices = [
            ("", _("All positions")),
            *((position.pk, position.name) for position in positions),
        ]

    def filters(self) -> dict:
        """The chosen ids as selector arguments: {"section_id": 3, "position_id": None}."""
        return {"section_id": self.cleaned_data["section"], "position_id": self.cleaned_data["position"]}


class RiskFilterForm(ReportFilterForm):
    """The report's section and position filters; single points of failure are today's only."""

    as_of = None  # type: ignore[assignment]


class ReportExportForm(ReportFilterForm):
    table = forms.ChoiceField(choices=list(EXPORT_TABLES.items()))
    format = forms.ChoiceField(choices=[(fmt, fmt.upper()) for fmt in FORMATS])


def _today() -> date:
    """The report's reference date (the months of the progress series end before its month)."""
    return timezone.localdate()


def require_report_viewer(request: AuthenticatedRequest) -> None:
    """Organisation reports (the expiry page too) are for HC staff only: 403 for everyone else."""
    require_hc(request.user, _("Organisation reports are for HC staff."))


def _filter_form(data, form_class=ReportFilterForm) -> ReportFilterForm:
    # Two queries: every section and position, for the choices.
    sections = list(Section.objects.only("id", "name"))
    positions = list(Position.objects.only("id", "name").order_by(localized("name")))
    return form_class(data, sections=sections, positions=positions)


@login_required
def report(request: AuthenticatedRequest) -> HttpResponse:
    require_report_viewer(request)
    form = _filter_form(request.GET or None)  # unbound without parameters: the whole organisation
    context: dict = {"form": form, "report": None}
    if form.is_bound and not form.is_valid():
        return render(request, "competencies/reports.html", context)
    filters = form.filters() if form.is_bound else {"section_id": None, "position_id": None}
    as_of = as_of_of(request, form)
    freshness = None
    if as_of.moment is None:
        # Today's figures come from the summary (competencies.report_summary says when they are current).
        summary = summary_report(today=_today(), **filters)
        report, freshness = summary.report, summary
    else:
        report = organisation_report(today=as_of.day or _today(), as_of=as_of.moment, **filters)
    # The exports carry the page's filters and day.
    query = {name: filters[f"{name}_id"] for name in ("section", "position") if filters[f"{name}_id"] is not None}
    query_without_day = dict(query)  # the risk page's filters
    if as_of.day is not None:
        query["as_of"] = as_of.day.isoformat()
    export_url = reverse("competencies:reports_export")
    tables = [
        ("section", _("By section"), report.by_section, _("Figures of the employees of each section.")),
        ("position", _("By position"), report.by_position, _("Figures of the employees holding each position.")),
        (
            "competency",
            _("By competency"),
            report.by_competency,
            _("Figures of each competency: one assignment per employee whose position targets it."),
        ),
    ]
    context.update(
        **as_of.context,
        report=report,
        freshness=freshness,
        # The figures drawn from a summary batch are cached as long as the figures read from
        # it (report_summary.CACHE_SECONDS; every change of a figure makes a new batch):
        # rendering the 290 rows of the benchmark data's tables costs more than reading them.
        figures_cache_seconds=CACHE_SECONDS,
        figures_cache_key=(
            f"{freshness.batch_key}:{filters['section_id']}:{filters['position_id']}:{get_language()}"
            if freshness is not None and freshness.batch_key
            else None
        ),
        # The single points of failure are today's, on their own page, within the same filters.
        risk_url=f"{reverse('competencies:risk_report')}?{urlencode(query_without_day)}".rstrip("?"),
        filtered=bool(query),
        tables=[
            {
                "key": key,
                "heading": heading,
                "label": EXPORT_TABLES[key],
                "rows": rows,
                "caption": caption,
                "links": {fmt: f"{export_url}?{urlencode({**query, 'table': key, 'format': fmt})}" for fmt in FORMATS},
            }
            for key, heading, rows, caption in tables
        ],
    )
    return render(request, "competencies/reports.html", context)


@login_required
def risk_report(request: AuthenticatedRequest) -> HttpResponse:
    """Single points of failure of each section, within the report's section and position filters.

    A page of its own, linked from the report: worked out from every level of the population,
    they cost as much as the rest of the report together on the benchmark data (1.2 s of 3.1 s,
    bench/report_timing.py), and a section-filtered page answers at once.
    """
    require_report_viewer(request)
    form = _filter_form(request.GET or None, form_class=RiskFilterForm)
    context: dict = {"form": form, "section_risks": None}
    if form.is_bound and not form.is_valid():
        return render(request, "competencies/risk_report.html", context)
    filters = form.filters() if form.is_bound else {"section_id": None, "position_id": None}
    context.update(
        section_risks=section_risks(**filters),
        filtered=any(value is not None for value in filters.values()),
    )
    return render(request, "competencies/risk_report.html", context)


# Column titles for people reading the file (nothing imports it), so in their language.
FIGURE_HEADERS = [
    gettext_lazy("Assignments"),
    gettext_lazy("Met"),
    gettext_lazy("Share met (%)"),
    gettext_lazy("Average gap"),
    gettext_lazy("Total gap"),
    gettext_lazy("Employees in gap"),
]


def _dataset_rows(rows: list[GroupFigures], *, competencies: bool) -> list[list]:
    # A competency has one assignment per employee: its table has a code, not an employee count.
    return [
        [
            *([row.code, row.name] if competencies else [row.name, row.employees]),
            row.assignments,
            row.met,
            row.share_met_percent,
            row.average_gap,
            row.gap_total,
            row.employees_in_gap,
        ]
        for row in rows
    ]


@login_required
def report_export(request: AuthenticatedRequest) -> HttpResponse:
    """One table of the report as CSV or XLSX: ?table=section|position|competency&format=csv|xlsx,
    plus the page's section and position filters."""
    require_report_viewer(request)
    form = _filter_form(request.GET, ReportExportForm)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in form.errors.items())
        return HttpResponseBadRequest(
            _("Cannot export: %(errors)s") % {"errors": errors}, content_type="text/plain; charset=utf-8"
        )
    table = form.cleaned_data["table"]
    day = form.cleaned_data["as_of"]
    if day is not None and day >= _today():
        day = None  # today: the live figures
    moment = end_of_day(day) if day is not None else None
    if moment is None:
        # Today's figures from the summary, or live when it is behind: a file cannot say so.
        report = summary_report(today=_today(), **form.filters(), live_when_behind=True).report
        by_competency, by_section, by_position = report.by_competency, report.by_section, report.by_position
    elif table == "competency":
        by_competency, by_section, by_position = competency_figures(**form.filters(), as_of=moment), [], []
    else:
        groups = group_figures(**form.filters(), as_of=moment)
        by_competency, by_section, by_position = [], groups.by_section, groups.by_position
    if table == "competency":
        headers: list[StrOrPromise] = [_("Code"), _("Competency"), *FIGURE_HEADERS]
        rows = _dataset_rows(by_competency, competencies=True)
    else:
        headers = [EXPORT_TABLES[table], _("Employees"), *FIGURE_HEADERS]
        rows = _dataset_rows(by_section if table == "section" else by_position, competencies=False)
    sheet_titles = {
        "section": _("Gaps by section"),
        "position": _("Gaps by position"),
        "competency": _("Gaps by competency"),
    }
    dataset = build_dataset(headers, rows, title=sheet_titles[table])
    filename = f"gaps-by-{table}-{day or _today():%Y-%m-%d}"
    return download_response(dataset, filename=filename, fmt=form.cleaned_data["format"])
