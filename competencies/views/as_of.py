"""`?as_of=YYYY-MM-DD` on the gap pages (the dashboard, the team heatmap, the organisation
report): the field, its checks and what the page's banner needs. What the figures mean on
a past day is competencies.selectors.as_of's docstring."""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.selectors.as_of import end_of_day


class AsOfForm(forms.Form):
    """The "As of" date; the team and report forms inherit it beside their own fields."""

    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Empty: today. A past day shows levels and targets as they stood at its end."),
        error_messages={"invalid": gettext_lazy("Enter the date as YYYY-MM-DD, for example 2026-05-12.")},
    )

    def clean_as_of(self) -> date | None:
        day = self.cleaned_data.get("as_of")
        today = timezone.localdate()
        if day is not None and day > today:
            raise forms.ValidationError(
                _("%(date)s is in the future: choose today or an earlier day.")
                % {"date": date_format(day, "DATE_FORMAT")}
            )
        return day


@dataclass(frozen=True)
class AsOf:
    """The day asked for (None: today, the live figures), its moment, and the page without it."""

    day: date | None
    moment: datetime | None
    today_url: str

    @property
    def context(self) -> dict:
        """For templates/includes/as_of_banner.html and the read-only switches."""
        return {"as_of": self.day, "as_of_today_url": self.today_url, "is_past": self.day is not None}


def as_of_of(request: HttpRequest, form: forms.Form) -> AsOf:
    """The as_of of `form` (an AsOfForm, bound to request.GET): None unless it is valid."""
    day = None
    if form.is_bound and form.is_valid():
        day = form.cleaned_data.get("as_of")
    elif form.is_bound and "as_of" not in form.errors:
        # Another field is invalid: the date still counts when it is valid on its own.
        field = AsOfForm(request.GET)
        day = field.cleaned_data.get("as_of") if field.is_valid() else None
    others = [(key, value) for key, value in request.GET.lists() if key != "as_of"]
    query = urlencode([(key, value) for key, values in others for value in values])
    if day is not None and day >= timezone.localdate():
        day = None  # today: the live figures, which history up to now would only repeat
    return AsOf(
        day=day,
        moment=end_of_day(day) if day is not None else None,
        today_url=f"{request.path}?{query}" if query else request.path,
    )
