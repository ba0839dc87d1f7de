from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from competencies.models import Competency, PositionTarget
from competencies.views.gaps import _employee_for_viewer
from hrportal.access import can_rate_as_supervisor
from hrportal.page_cache import page_fragments, render_page
from hrportal.typing import AuthenticatedRequest
from surveys.forms import SelfAssessmentForm, SupervisorRatingForm, level_field_name
from surveys.rounds import open_rounds_asking
from surveys.selectors import self_assessment_rows
from surveys.services import self_ratings_set, supervisor_rating_set


@login_required
def self_assessment(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in person rates themselves on their position's competencies: all of them
    saved in one transaction, or none (a competency removed from the position meanwhile)."""
    employee = request.user
    # The form as it stands (a GET) is cached (hrportal/page_cache.py): the person's stamp
    # covers their ratings, the framework's the descriptors, targets and rounds. A POST, and
    # the form with its errors, never is.
    fragments = page_fragments(request, page="self_assessment", people=[])
    if fragments is not None and fragments.hit:
        return render_page(request, "surveys/self_assessment.html", fragments=fragments, context={}, build=dict)
    rows = self_assessment_rows(employee=employee)
    form = SelfAssessmentForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            changes = self_ratings_set(employee=employee, levels=form.levels(), by=employee)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changes:
                messages.success(
                    request,
                    ngettext(
                        "Your self-assessment is saved: %(count)s rating changed.",
                        "Your self-assessment is saved: %(count)s ratings changed.",
                        len(changes),
                    )
                    % {"count": len(changes)},
                )
            else:
                messages.info(request, _("Nothing changed: your ratings were already these."))
            return redirect("surveys:self_assessment")
    groups = [(row, form[level_field_name(row.competency_id)]) for row in rows]
    context = {
        "form": form,
        "rated": sum(1 for row in rows if row.current is not None),
        "open_rounds": open_rounds_asking(person=employee) if rows else [],
        # Each competency with its radios beside the level's descriptor.
        "groups": [(row, field, list(zip(field, row.choices, strict=True))) for row, field in groups],
    }
    return render_page(request, "surveys/self_assessment.html", fragments=fragments, context=context, build=dict)


@login_required
@require_POST
def supervisor_rating(request: AuthenticatedRequest, user_id: int, competency_id: int) -> HttpResponse:
    """The supervisor's rating and comment, posted from the employee's competency page. 404
    for an employee the viewer cannot see or a competency not of their position; 403 for a
    viewer who sees them but is not their supervisor (HC, the employee themself)."""
    employee = _employee_for_viewer(request, user_id)
    target = (
        PositionTarget.objects.filter(position_id=employee.position_id, competency_id=competency_id)
        .select_related("competency")
        .first()
        if employee.position_id
        else None
    )
    if target is None:
        raise Http404(_("No such competency."))
    competency: Competency = target.competency
    if not can_rate_as_supervisor(request.user, employee):
        raise PermissionDenied(_("Only the employee's supervisor rates them, and nobody rates themselves."))
    form = SupervisorRatingForm(request.POST)
    if form.is_valid():
        supervisor_rating_set(
            employee=employee,
            competency=competency,
            level=form.cleaned_data["level"],
            comment=form.cleaned_data["comment"],
            by=request.user,
        )
        messages.success(
            request,
            _("Your rating of %(name)s in %(competency)s is saved.")
            % {"name": employee.display_name, "competency": competency.name},
        )
    else:
        messages.error(
            request,
            _("Nothing saved: %(errors)s")
            % {"errors": " ".join(str(error) for errors in form.errors.values() for error in errors)},
        )
    return redirect("competencies:employee_competency", user_id=employee.pk, competency_id=competency.pk)
