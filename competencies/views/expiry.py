"""HC's page of expired and expiring levels, by section and competency, with an export."""

from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.models import Competency
from competencies.selectors.expiry import expiring_levels, expiry_overview, expiry_rows
from competencies.views.reports import require_report_viewer
from hrportal.models import Section
from hrportal.spreadsheets import FORMATS, build_dataset, download_response
from hrportal.typing import AuthenticatedRequest


class ExpiryFilterForm(forms.Form):
    section = forms.TypedChoiceField(label=gettext_lazy("Section"), required=False, coerce=int, empty_value=None)
    competency = forms.TypedChoiceField(label=gettext_lazy("Competency"), required=False, coerce=int, empty_value=None)
    format = forms.ChoiceField(required=False, choices=[("", ""), *((fmt, fmt.upper()) for fmt in FORMATS)])

    def __init__(self, data, **kwargs) -> None:
        super().__init__(data, **kwargs)
        # Two queries: the choices.
        cast(forms.TypedChoiceField, self.fields["section"]).choices = [
            ("", _("All sections")),
            *Section.objects.values_list("pk", "name"),
        ]
        cast(forms.TypedChoiceField, self.fields["competency"]).choices = [
            ("", _("All competencies")),
            *((pk, f"{code} {name}") for pk, code, name in Competency.objects.values_list("pk", "code", "name")),
        ]

    def filters(self) -> dict:
        if not self.is_bound:
            return {"section_id": None, "competency_id": None}
        return {"section_id": self.cleaned_data["section"], "competency_id": self.cleaned_data["competency"]}


# Machine-facing column keys, the same in every language and named like the employee import's
# (employee_number, first_name, …), so that a file can be joined with the others by script;
# the status column holds the codes "expired" and "expiring" for the same reason.
EXPORT_HEADERS = [
    "employee_number",
    "first_name",
    "last_name",
    "section",
    "position",
    "competency_code",
    "competency",
    "level",
    "expires_at",
    "status",
]


@login_required
def expiry_report(request: AuthenticatedRequest) -> HttpResponse:
    """?section=&competency= narrow it; &format=csv|xlsx downloads every listed level."""
    require_report_viewer(request)
    form = ExpiryFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        if request.GET.get("format"):
            return HttpResponseBadRequest(_("Cannot export: the filter is not valid."), content_type="text/plain")
        return render(request, "competencies/expiry.html", {"form": form, "overview": None})
    now = timezone.now()
    fmt = form.cleaned_data.get("format") if form.is_bound else ""
    if fmt:
        rows = expiry_rows(expiring_levels(now=now, **form.filters()), now=now)
        dataset = build_dataset(
            EXPORT_HEADERS,
            (
                [
                    row.employee.employee_number,
                    row.employee.first_name,
                    row.employee.last_name,
                    row.employee.section.name if row.employee.section else "",
                    row.employee.position.name if row.employee.position else "",
                    row.code,
                    row.competency,
                    row.level,
                    timezone.localtime(row.expires_at).isoformat(),
                    "expired" if row.expired else "expiring",
                ]
                for row in rows
            ),
            title=_("Expiry"),
        )
        return download_response(dataset, filename=f"expiring-levels-{timezone.localdate():%Y-%m-%d}", fmt=fmt)
    overview = expiry_overview(now=now, **form.filters())
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "form": form,
        "overview": overview,
        "window_end": date_format(timezone.localtime(overview.until), "DATE_FORMAT"),
        "export_query": query.urlencode(),
        "formats": list(FORMATS),
    }
    return render(request, "competencies/expiry.html", context)
