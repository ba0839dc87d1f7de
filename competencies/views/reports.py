"""The organisation report for HC: the page and its CSV/XLSX exports.

The figures and their definitions live in `competencies.selectors.reports`.
"""

from datetime import date
from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from competencies.report_summary import SummaryStatus, summary_report, summary_status
from competencies.selectors.as_of import end_of_day
from competencies.selectors.reports import GroupFigures, competency_figures, group_figures, organisation_report
from competencies.selectors.risk import section_risks
from competencies.views.as_of import AsOfForm, as_of_of
from hrportal.access import require_hc
from hrportal.models import Position, Section
from hrportal.page_cache import page_fragments, release, render_page
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


# The filter form's fields: a request with no other parameter may be served from the cache.
_FILTER_PARAMETERS = frozenset({"section", "position", "as_of"})


def _cacheable_query(request: AuthenticatedRequest) -> str | None:
    """The query string as part of a cache key, when the page it asks for may be kept: the
    filter form's fields only, once each, ids of ASCII digits and no past day. None otherwise
    (a past day is computed from the histories; anything else is shown with the form's errors)."""
    pairs = []
    for name, values in request.GET.lists():
        if name not in _FILTER_PARAMETERS or len(values) != 1:
            return None
        value = values[0]
        if name == "as_of" and value not in ("", _today().isoformat()):
            return None
        if name != "as_of" and value and not (value.isascii() and value.isdigit()):
            return None
        pairs.append((name, value))
    return urlencode(sorted(pairs))


@login_required
def report(request: AuthenticatedRequest) -> HttpResponse:
    """The report: today's figures from the summary (competencies.report_summary), or a past
    day's from the histories.

    Rendering its 290 table rows (on the benchmark data) costs far more than reading them, and
    every HC viewer sees the same page until the summary changes. So the page's body, which
    shows nothing of its reader, is kept once for everyone under the summary's version (its
    batch, whether it is behind, the names' stamp), the filter, the language, the time zone and
    the day; and each viewer's whole page around it (the navbar) by the page cache
    (hrportal/page_cache.py) under the same. Never a report computed for the page (`live`), which
    is no summary's, nor a past day."""
    require_report_viewer(request)
    query = _cacheable_query(request)
    status, fragments = None, None
    if query is not None:
        status = summary_status(today=_today())
        filtered = bool(request.GET.get("section") or request.GET.get("position"))
        if not status.is_live(filtered=filtered):
            fragments = page_fragments(
                request, page="reports", people=[], extra=f"{status.version}:{query}", query_in_extra=True
            )

    def build() -> dict:
        body_key = None
        if fragments is not None and status is not None:
            body_key = ":".join(
                [
                    "report-body",
                    release(),
                    get_language() or "",
                    timezone.get_current_timezone_name(),
                    _today().isoformat(),
                    str(status.version),
                    str(query),
                ]
            )
        return {"body": _body(request, status, body_key)}

    return render_page(request, "competencies/reports.html", fragments=fragments, context={}, build=build)


def _body(request: AuthenticatedRequest, status: SummaryStatus | None, key: str | None) -> dict:
    """The page's body ({"content": html, "charts": whether it draws any}): from the cache
    under `key`, or rendered (and kept under `key` unless it is None)."""
    cache = caches[settings.PAGE_CACHE_ALIAS]
    found = cache.get(key) if key is not None else None
    if isinstance(found, dict):
        return {**found, "content": mark_safe(found["content"])}  # noqa: S308 (the template's own output, escaped when rendered)
    context = _body_context(request, status)
    report = context["report"]
    body = {
        "content": render_to_string("competencies/report_body.html", context, request),
        "charts": bool(report is not None and report.total.assignments),
    }
    if key is not None:
        cache.set(key, body, settings.PAGE_CACHE_SECONDS)
    return body


def _body_context(request: AuthenticatedRequest, status: SummaryStatus | None) -> dict:
    form = _filter_form(request.GET or None)  # unbound without parameters: the whole organisation
    context: dict = {"form": form, "report": None}
    if form.is_bound and not form.is_valid():
        return context
    filters = form.filters() if form.is_bound else {"section_id": None, "position_id": None}
    as_of = as_of_of(request, form)
    freshness = None
    if as_of.moment is None:
        # Today's figures come from the summary (competencies.report_summary says when they are current).
        summary = summary_report(today=_today(), status=status, **filters)
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
    return context


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
