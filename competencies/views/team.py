from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.expiry import levels_next_change
from competencies.selectors.gaps import level_labels
from competencies.selectors.risk import team_risks
from competencies.selectors.team import CELL_LABELS, CellKind, team_heatmap
from competencies.views.as_of import AsOfForm, as_of_of
from hrportal.models import Section, User
from hrportal.page_cache import page_fragments, render_page, rows_with_stamps
from hrportal.typing import AuthenticatedRequest


class TeamViewForm(AsOfForm):
    """Sorting and the day (as of) for everyone; HC also picks whose team to see (a section or
    a supervisor's reports)."""

    section = forms.ModelChoiceField(
        Section.objects.all(), label=gettext_lazy("Section"), required=False, empty_label="—"
    )
    supervisor = forms.ModelChoiceField(
        User.objects.filter(direct_reports__is_active=True).distinct(),
        label=gettext_lazy("Supervisor"),
        required=False,
        empty_label="—",
    )
    rows = forms.ChoiceField(
        label=gettext_lazy("Rows"),
        choices=[
            ("name", gettext_lazy("Name")),
            ("gap", gettext_lazy("Largest gap")),
            ("progress", gettext_lazy("Least progress")),
        ],
        required=False,
    )
    columns = forms.ChoiceField(
        label=gettext_lazy("Columns"),
        choices=[("code", gettext_lazy("Code")), ("gap", gettext_lazy("Largest gap"))],
        required=False,
    )

    field_order = ["section", "supervisor", "rows", "columns", "as_of"]

    def __init__(self, *args, may_choose_team: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_choose_team:
            del self.fields["section"], self.fields["supervisor"]

    def clean(self):
        data = super().clean() or {}
        if data.get("section") and data.get("supervisor"):
            raise forms.ValidationError(_("Pick a section or a supervisor, not both."))
        return data


def _members(viewer: User, form: TeamViewForm) -> tuple[list[User], str]:
    """The employees on the heatmap and a caption saying who they are."""
    data = form.cleaned_data if form.is_valid() else {}
    people = (
        User.objects.filter(is_active=True).select_related("position", "section").order_by("last_name", "first_name")
    )
    if data.get("section"):
        return list(people.filter(section=data["section"])), _("Everyone in %(section)s") % {"section": data["section"]}
    if data.get("supervisor"):
        supervisor = data["supervisor"]
        caption = _("Direct reports of %(supervisor)s") % {"supervisor": supervisor.display_name}
        return list(people.filter(supervisor=supervisor)), caption
    return list(people.filter(supervisor=viewer)), _("Your direct reports")


@login_required
def team_view(request: AuthenticatedRequest) -> HttpResponse:
    viewer = request.user
    may_choose_team = viewer.is_hc
    form = TeamViewForm(request.GET or None, may_choose_team=may_choose_team)
    # The default view (the viewer's reports) is cached under the members' stamps (hrportal/
    # page_cache.py), read with the members themselves in one query; who is a member changes
    # only in the admin or a people import, which bump the framework's stamp.
    rows, stamps = rows_with_stamps(User.objects.direct_reports_of(viewer), viewer=viewer, people=["pk"])
    if not may_choose_team and not rows:
        raise PermissionDenied(_("The team view is for supervisors and HC."))
    member_ids = [pk for (pk,) in rows]
    fragments = page_fragments(
        request,
        page="team",
        people=member_ids,
        stamps=stamps,
        changes_at=lambda now: levels_next_change(employee_ids=member_ids, now=now),
    )

    def build() -> dict:
        members, caption = _members(viewer, form)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        as_of = as_of_of(request, form)
        heatmap = team_heatmap(
            members=members,
            row_sort=data.get("rows") or "name",
            column_sort=data.get("columns") or "code",
            as_of=as_of.moment,
        )
        return {
            **as_of.context,
            "form": form,
            "heatmap": heatmap,
            "risks": team_risks(heatmap),
            "caption": caption,
            "legend": [(kind.value, CELL_LABELS[kind]) for kind in CellKind],
            "level_labels": level_labels(),
        }

    return render_page(request, "competencies/team.html", fragments=fragments, context={}, build=build)
