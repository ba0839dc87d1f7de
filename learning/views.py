from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hrportal.access import can_view_employee, viewable_employee
from hrportal.models import User
from hrportal.page_cache import page_fragments, render_page
from hrportal.typing import AuthenticatedRequest
from learning import services
from learning.forms import ObjectiveForm
from learning.models import LearningObjective
from learning.selectors import learning_plan


def _objective_for_owner(request: AuthenticatedRequest, objective_id: int) -> LearningObjective:
    """The objective if the viewer owns it. Someone who may see the plan but not change it
    (the supervisor, HC) gets 403; anyone else 404, so ids leak nothing."""
    objective = (
        LearningObjective.objects.select_related("plan__employee", "competency", "phase", "idp_item")
        .filter(pk=objective_id)
        .first()
    )
    if objective is None or not can_view_employee(request.user, objective.plan.employee):
        raise Http404(_("No such objective."))
    if objective.plan.employee_id != request.user.pk:
        raise PermissionDenied(_("Only the employee edits their own learning plan."))
    return objective


def _current_user(request: AuthenticatedRequest) -> User:
    return User.objects.select_related("position", "section").get(pk=request.user.pk)


def _render_plan(request: AuthenticatedRequest, employee: User, *, is_owner: bool) -> HttpResponse:
    # The page is cached (hrportal/page_cache.py) under the employee's stamp, which the
    # learning services bump with every plan edit and the IDP services with every item (the
    # objectives' badges, "an active item already"); the framework's covers names and labels.
    # Nothing on it changes with time alone (its dates are dates, and the key has the day).
    # A hit runs no selector, not even the owner's position.
    fragments = page_fragments(request, page="learning" if is_owner else "learning_employee", people=[employee.pk])

    def build() -> dict:
        shown = _current_user(request) if is_owner else employee
        return {"employee": shown, "view": learning_plan(employee=shown)}

    return render_page(
        request,
        "learning/plan.html",
        fragments=fragments,
        context={"employee": employee, "is_owner": is_owner},
        build=build,
    )


@login_required
def my_plan(request: AuthenticatedRequest) -> HttpResponse:
    return _render_plan(request, request.user, is_owner=True)


@login_required
def employee_plan(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """A direct report's learning plan, read-only, for their supervisor and HC."""
    if user_id == request.user.pk:
        return redirect("learning:my_plan")
    return _render_plan(request, viewable_employee(request.user, user_id), is_owner=False)


@login_required
def plan_draft(request: AuthenticatedRequest) -> HttpResponse:
    """GET: what drafting does (and, with a plan, what replacing it loses); POST: draft. A POST
    without `replace` when a plan exists changes nothing and comes back here to ask."""
    employee = _current_user(request)
    if request.method == "POST":
        try:
            services.learning_plan_draft(employee=employee, by=request.user, replace=bool(request.POST.get("replace")))
        except services.PlanExists as error:
            messages.warning(request, str(error))
            return redirect("learning:draft")
        except services.NothingToPlan as error:
            messages.info(request, str(error))
            return redirect("learning:my_plan")
        messages.success(request, _("Learning plan drafted from your gaps. Edit any objective to make it yours."))
        return redirect("learning:my_plan")
    return render(request, "learning/draft.html", {"employee": employee, "view": learning_plan(employee=employee)})


@login_required
def objective_edit(request: AuthenticatedRequest, objective_id: int) -> HttpResponse:
    objective = _objective_for_owner(request, objective_id)
    form = ObjectiveForm(request.POST or None, instance=LearningObjective.objects.get(pk=objective.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.learning_objective_update(objective=objective, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Objective saved."))
            return redirect(f"{reverse('learning:my_plan')}#objective-{objective.pk}")
    status = 400 if form.errors else 200
    return render(request, "learning/objective_form.html", {"form": form, "objective": objective}, status=status)


@login_required
@require_POST
def objective_delete(request: AuthenticatedRequest, objective_id: int) -> HttpResponse:
    objective = _objective_for_owner(request, objective_id)
    services.learning_objective_delete(objective=objective, by=request.user)
    messages.success(
        request,
        _("Objective removed: %(competency)s, %(level)s.")
        % {"competency": objective.competency.name, "level": objective.to_label},
    )
    return redirect("learning:my_plan")


@login_required
@require_POST
def objective_to_idp_item(request: AuthenticatedRequest, objective_id: int) -> HttpResponse:
    objective = _objective_for_owner(request, objective_id)
    try:
        item = services.learning_objective_to_idp_item(objective=objective, by=request.user)
    except services.AlreadyPlanned as error:
        messages.info(request, str(error))
    else:
        messages.success(
            request,
            _("Draft IDP item made for %(competency)s, %(level)s: open it from the objective to submit it.")
            % {"competency": item.competency.name, "level": objective.to_label},
        )
    return redirect(f"{reverse('learning:my_plan')}#objective-{objective.pk}")
