from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from competencies.expiry import levels_next_change
from competencies.models import Competency
from competencies.selectors.gaps import employee_gaps
from hrportal.access import active_delegator_ids, approval_reach, can_approve_for, can_view_employee, viewable_employee
from hrportal.delegation import delegation_create, delegation_end_own
from hrportal.models import ApprovalDelegation, User
from hrportal.page_cache import page_fragments, render_page, rows_with_stamps
from hrportal.typing import AuthenticatedRequest
from idp import services
from idp.forms import BulkDecisionForm, CommentForm, CompleteForm, DelegationForm, IdpItemForm, RejectForm, VerifyForm
from idp.models import IdpItem, ItemStatus
from idp.selectors import (
    active_items_by_competency,
    approval_queue,
    approval_scope,
    competency_suggestion,
    delegations_given,
    delegations_received,
    idp_suggestions,
    plan_items,
    plan_sections,
)
from idp.workflow import TRANSITIONS, available_transitions, may_take

# What the item page shows of the item; an action needs what the workflow's rule reads (the
# employee and their supervisor; an escalated item's second line is read when asked) and the
# competency its notifications name, and the service takes them from there (idp.services._locked).
_PAGE_RELATED = (
    "employee__position",
    "employee__section",
    "employee__supervisor__supervisor",
    "competency",
    "assessment",
)
_ACTION_RELATED = ("employee__supervisor", "competency")


def _item_for_viewer(request: AuthenticatedRequest, item_id: int, related: tuple[str, ...] = _PAGE_RELATED) -> IdpItem:
    """The item if the viewer may see its employee's data, or may decide it now (a delegate, an
    escalation approver: this one submitted item, nothing else of the employee's); 404
    otherwise, so ids leak nothing."""
    try:
        # get(), not first(): first() orders by pk, and matching that ordering against the
        # joined rows' seventy-odd columns costs more than the rest of compiling the query.
        item = IdpItem.objects.select_related(*related).get(pk=item_id)
    except IdpItem.DoesNotExist:
        raise Http404(_("No such item.")) from None
    if can_view_employee(request.user, item.employee):
        return item
    if item.status == ItemStatus.SUBMITTED and can_approve_for(request.user, item.employee, escalation=item.escalation):
        return item
    raise Http404(_("No such item."))


def _current_user(request: AuthenticatedRequest) -> User:
    return User.objects.select_related("position", "section").get(pk=request.user.pk)


def _suggestions_for(employee: User):
    report = employee_gaps(employee=employee)
    active = active_items_by_competency(employee=employee)
    return report, active, idp_suggestions(employee=employee, report=report, active_items=active)


@login_required
def my_plan(request: AuthenticatedRequest) -> HttpResponse:
    def build() -> dict:
        employee = _current_user(request)
        report, _, suggestions = _suggestions_for(employee)
        items = plan_items(employee=employee)
        return {"employee": employee, "report": report, "suggestions": suggestions, "sections": plan_sections(items)}

    # The body is cached (hrportal/page_cache.py): the viewer's own stamp covers their items,
    # dismissals and levels; a hit runs no selector, not even the viewer's position.
    fragments = page_fragments(
        request,
        page="idp",
        people=[],
        # The suggestions follow the gaps, which change when a level lapses.
        changes_at=lambda now: levels_next_change(employee_ids=[request.user.pk], now=now),
    )
    return render_page(request, "idp/my_plan.html", fragments=fragments, context={}, build=build)


@login_required
def employee_plan(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """A direct report's whole plan, read-only, for their supervisor and HC."""
    if user_id == request.user.pk:
        return redirect("idp:my_plan")
    employee = viewable_employee(request.user, user_id)
    fragments = page_fragments(request, page="employee_plan", people=[employee.pk])
    return render_page(
        request,
        "idp/employee_plan.html",
        fragments=fragments,
        context={"employee": employee},
        build=lambda: {"sections": plan_sections(plan_items(employee=employee))},
    )


def _render_item_form(request: AuthenticatedRequest, form: IdpItemForm, item: IdpItem | None) -> HttpResponse:
    return render(request, "idp/item_form.html", {"form": form, "item": item})


@login_required
def item_new(request: AuthenticatedRequest) -> HttpResponse:
    employee = request.user
    if request.method == "POST":
        form = IdpItemForm(request.POST, employee=employee)
        if form.is_valid():
            item = services.idp_item_create(employee=employee, by=request.user, **form.cleaned_data)
            messages.success(request, _("Draft saved. Submit it for approval when it is ready."))
            return redirect(item)
    else:
        # Prefill from the dashboard's "Plan it" link; anything but a known id prefills nothing.
        competency_id = request.GET.get("competency", "")
        competency = Competency.objects.filter(pk=int(competency_id)).first() if competency_id.isdigit() else None
        initial: dict[str, object] = {"competency": competency}
        if competency:
            initial["target_level"] = services.default_target_level(employee=employee, competency=competency)
        form = IdpItemForm(initial=initial, employee=employee)
    return _render_item_form(request, form, None)


@login_required
def item_edit(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = _item_for_viewer(request, item_id)
    if item.employee_id != request.user.pk:
        raise PermissionDenied(_("Only the employee edits their own items."))
    if not item.is_editable:
        messages.warning(
            request,
            _("This item is %(status)s and can no longer be edited.") % {"status": item.get_status_display().lower()},
        )
        return redirect(item)
    form = IdpItemForm(request.POST or None, instance=IdpItem.objects.get(pk=item.pk), employee=item.employee)
    if request.method == "POST" and form.is_valid():
        try:
            services.idp_item_update(item=item, by=request.user, **form.cleaned_data)
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Changes saved."))
        return redirect(item)
    return _render_item_form(request, form, item)


def _action_forms(request: AuthenticatedRequest, item: IdpItem) -> dict[str, object]:
    """An unbound form for each action the viewer may take that needs input."""
    forms: dict[str, object] = {}
    for transition in available_transitions(request.user, item):
        if transition.action == "reject":
            forms["reject"] = RejectForm(prefix="reject")
        elif transition.action == "approve":
            forms["approve"] = CommentForm(prefix="approve")
        elif transition.action == "complete":
            forms["complete"] = CompleteForm(prefix="complete")
        elif transition.action == "verify":
            forms["verify"] = VerifyForm(prefix="verify", item=item)
    return forms


@login_required
def item_detail(request: AuthenticatedRequest, item_id: int, bound_forms: dict | None = None) -> HttpResponse:
    item = _item_for_viewer(request, item_id)
    transitions = available_transitions(request.user, item)
    forms = _action_forms(request, item) | (bound_forms or {})
    context = {
        "item": item,
        "timeline": item.transitions.select_related("by", "on_behalf_of"),
        "sees_plan": can_view_employee(request.user, item.employee),
        "transitions": transitions,
        "simple_actions": [t for t in transitions if t.action not in forms],
        "action_forms": forms,
        "is_owner": item.employee_id == request.user.pk,
    }
    return render(request, "idp/item_detail.html", context, status=400 if bound_forms else 200)


def _run_action(request: AuthenticatedRequest, item: IdpItem, action: str) -> HttpResponse | None:
    """Take `action` with the posted form: None on success, else the page showing the form's errors.

    The services raise TransitionNotAllowed, PermissionDenied or ValidationError; the caller reports them.
    """
    by = request.user
    handlers: dict[str, tuple[Callable | None, Callable]] = {
        "submit": (None, lambda f: services.idp_item_submit(item=item, by=by)),
        "start": (None, lambda f: services.idp_item_start(item=item, by=by)),
        "revise": (None, lambda f: services.idp_item_revise(item=item, by=by)),
        "cancel": (None, lambda f: services.idp_item_cancel(item=item, by=by)),
        "approve": (
            lambda: CommentForm(request.POST, prefix="approve"),
            lambda f: services.idp_item_approve(item=item, by=by, comment=f.cleaned_data["comment"]),
        ),
        "reject": (
            lambda: RejectForm(request.POST, prefix="reject"),
            lambda f: services.idp_item_reject(item=item, by=by, comment=f.cleaned_data["comment"]),
        ),
        "complete": (
            lambda: CompleteForm(request.POST, request.FILES, prefix="complete"),
            lambda f: services.idp_item_complete(item=item, by=by, **f.cleaned_data),
        ),
        "verify": (
            lambda: VerifyForm(request.POST, prefix="verify", item=item),
            lambda f: services.idp_item_verify(
                item=item, by=by, level=f.cleaned_data["level"], comment=f.cleaned_data["comment"]
            ),
        ),
    }
    make_form, call = handlers[action]
    form = make_form() if make_form else None
    if form is not None and not form.is_valid():
        return item_detail(request, item.pk, bound_forms={action: form})
    call(form)
    return None


@login_required
@require_POST
def item_action(request: AuthenticatedRequest, item_id: int, action: str) -> HttpResponse:
    item = _item_for_viewer(request, item_id, related=_ACTION_RELATED)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Http404(_("No such action."))
    if not may_take(request.user, item, transition):
        raise PermissionDenied(transition.refusal())
    try:
        error_page = _run_action(request, item, action)
    except services.TransitionNotAllowed as error:
        messages.warning(request, str(error))
        return redirect(item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(item)
    if error_page is not None:
        return error_page
    messages.success(request, transition.done_message())
    if not can_view_employee(request.user, item.employee):
        # A delegate's or escalation approver's view of the item ends with their decision.
        return redirect("idp:approvals")
    return redirect(_safe_next(request) or item.get_absolute_url())


def _safe_next(request: AuthenticatedRequest) -> str | None:
    """The posted `next` page, if it is on this site (actions from the plan page return there)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


@login_required
def item_evidence(request: AuthenticatedRequest, item_id: int) -> FileResponse:
    """The uploaded evidence, for those who may see the item; never served by URL directly."""
    item = _item_for_viewer(request, item_id)
    if not item.evidence_file:
        raise Http404(_("This item has no evidence file."))
    filename = (item.evidence_file.name or "").rsplit("/", 1)[-1] or "evidence"
    return FileResponse(item.evidence_file.open("rb"), as_attachment=True, filename=filename)


@login_required
@require_POST
def suggestion_accept(request: AuthenticatedRequest, competency_id: int) -> HttpResponse:
    employee = _current_user(request)
    # This competency's suggestion whatever its rank among the gaps: the competency page offers
    # it ("Plan it") for any gap, and the ranking may have changed since the page was shown.
    row = next((r for r in employee_gaps(employee=employee).rows if r.competency_id == competency_id), None)
    suggestion = None
    if row is not None:
        active = active_items_by_competency(employee=employee)
        suggestion = competency_suggestion(employee=employee, row=row, active_items=active)
    if suggestion is None:
        messages.info(request, _("That suggestion is no longer open: it has an active item or the gap has closed."))
        return redirect("idp:my_plan")
    item = services.idp_item_create(
        employee=employee,
        competency=Competency.objects.get(pk=competency_id),
        activity_type=suggestion.activity_type,
        description=suggestion.description,
        target_date=suggestion.target_date,
        target_level=suggestion.target_level,
        by=request.user,
    )
    messages.success(
        request, _("Draft created from the suggestion. Adjust it if you like, then submit it for approval.")
    )
    return redirect(item)


@login_required
@require_POST
def suggestion_dismiss(request: AuthenticatedRequest, competency_id: int) -> HttpResponse:
    employee = _current_user(request)
    row = next((r for r in employee_gaps(employee=employee).rows if r.competency_id == competency_id), None)
    if row is None:
        raise Http404(_("That competency is not part of your position."))
    services.suggestion_dismiss(employee=employee, competency=Competency.objects.get(pk=competency_id), gap=row.gap)
    messages.info(
        request,
        _("Suggestion for %(competency)s dismissed. It comes back if the gap changes.") % {"competency": row.name},
    )
    return redirect("idp:my_plan")


def _may_use_approvals(user: User) -> bool:
    """HC, supervisors, and whoever holds someone's approvals by a delegation today."""
    return (
        user.is_hc
        or User.objects.direct_reports_of(user).exists()
        or ApprovalDelegation.objects.active_on(timezone.localdate()).filter(delegate=user).exists()
    )


@login_required
def approvals(request: AuthenticatedRequest) -> HttpResponse:
    viewer = request.user
    if request.method == "POST":
        if not _may_use_approvals(viewer):
            raise PermissionDenied(_("Only supervisors, their delegates and HC approve development items."))
        queue = approval_queue(approver=viewer)
        form = BulkDecisionForm(request.POST, item_ids=[item.pk for item in queue])
        if form.is_valid():
            _decide_in_bulk(request, [i for i in queue if i.pk in form.cleaned_data["items"]], form.cleaned_data)
            return redirect("idp:approvals")
        return render(request, "idp/approvals.html", {"queue": queue, "form": form})
    # The queue is cached (hrportal/page_cache.py) under the page stamps of everyone whose items
    # it may hold (approval_reach: the reports, and their reports, of the viewer and of whoever's
    # approvals they hold today, who are in the key too), read with them in one query. What the
    # queue shows of a person's items and gap changes their stamp (every transition, an
    # escalation included, bumps it); who holds their items changes with their supervisor's
    # stamp or their supervisor's supervisor's, or with a delegation. HC's queue may hold
    # anyone's items: its key has the people of the items in it and their supervisors.
    delegators = active_delegator_ids(viewer)
    if viewer.is_hc:
        rows, stamps = rows_with_stamps(
            approval_scope(approver=viewer, delegators=delegators),
            viewer=viewer,
            people=["employee_id", "employee__supervisor_id"],
        )
        people_ids = {pk for row in rows for pk in row if pk is not None}
    else:
        rows, stamps = rows_with_stamps(
            User.objects.filter(pk__in=approval_reach([viewer.pk, *delegators])),
            viewer=viewer,
            people=["pk"],
            also=["supervisor_id", "is_active"],
        )
        people_ids = {pk for pk, _supervisor_id, _is_active in rows}
        # HC, a delegation held or an active report of one's own is a right to the page (as
        # _may_use_approvals says): the question is asked only of those with none of them.
        has_reports = any(supervisor_id == viewer.pk and is_active for _pk, supervisor_id, is_active in rows)
        if not delegators and not has_reports and not _may_use_approvals(viewer):
            raise PermissionDenied(_("Only supervisors, their delegates and HC approve development items."))
    fragments = page_fragments(
        request,
        page="approvals",
        people=sorted(people_ids),
        stamps=stamps,
        extra="delegators=" + ",".join(map(str, delegators)),
        # The gap column counts a level only until it lapses.
        changes_at=lambda now: levels_next_change(employee_ids=people_ids, now=now),
    )

    def build() -> dict:
        queue = approval_queue(approver=viewer)
        return {"queue": queue, "form": BulkDecisionForm(item_ids=[item.pk for item in queue])}

    return render_page(request, "idp/approvals.html", fragments=fragments, context={}, build=build)


def _decide_in_bulk(request: AuthenticatedRequest, items: list[IdpItem], data: dict) -> None:
    decide = services.idp_item_approve if data["decision"] == "approve" else services.idp_item_reject
    done = 0
    for item in items:
        try:
            decide(item=item, by=request.user, comment=data["comment"])
            done += 1
        except (services.TransitionNotAllowed, PermissionDenied) as error:
            messages.warning(
                request,
                _("%(employee)s, %(competency)s: %(problem)s")
                % {"employee": item.employee.display_name, "competency": item.competency.code, "problem": error},
            )
    if data["decision"] == "approve":
        outcome = ngettext("%(count)s item approved.", "%(count)s items approved.", done)
    else:
        outcome = ngettext("%(count)s item rejected.", "%(count)s items rejected.", done)
    messages.success(request, outcome % {"count": done})


def _may_delegate(user: User) -> bool:
    return User.objects.direct_reports_of(user).exists()


@login_required
def delegations(request: AuthenticatedRequest) -> HttpResponse:
    """A supervisor's delegations of their approvals: create one, see them, end one early."""
    if not _may_delegate(request.user):
        raise PermissionDenied(_("Only supervisors delegate their approvals."))
    form = DelegationForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            delegation = delegation_create(delegator=request.user, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s may approve for you from %(start)s to %(end)s.")
                % {
                    "name": delegation.delegate.display_name,
                    "start": date_format(delegation.starts_on),
                    "end": date_format(delegation.ends_on),
                },
            )
            return redirect("idp:delegations")
    today = timezone.localdate()
    context = {
        "form": form,
        "given": delegations_given(delegator=request.user),
        "received": delegations_received(delegate=request.user),
        "today": today,
    }
    return render(request, "idp/delegations.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def delegation_end(request: AuthenticatedRequest, delegation_id: int) -> HttpResponse:
    delegation = ApprovalDelegation.objects.filter(pk=delegation_id, delegator=request.user).first()
    if delegation is None:
        raise Http404(_("No such delegation."))
    delegation_end_own(delegation=delegation, by=request.user)
    messages.success(
        request,
        _("Ended: %(name)s no longer approves for you.") % {"name": delegation.delegate.display_name},
    )
    return redirect("idp:delegations")
