"""HC's review of flagged attempts: the queue, one attempt's record, clearing and voiding.

HC only (403 for everyone else); nobody reviews their own attempt (403 with the reason).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessments.models import Attempt, ReviewStatus
from assessments.selectors.review import (
    DEFAULT_FILTER,
    QUEUE_FILTERS,
    attempt_for_review,
    review_detail,
    review_queue_attempts,
    review_queue_counts,
    review_queue_rows,
)
from assessments.services.integrity import attempt_review_clear
from assessments.services.voiding import result_void
from competencies.models import level_label
from hrportal.access import require_hc
from hrportal.typing import AuthenticatedRequest

QUEUE_PER_PAGE = 50


class ClearForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Why the events are no cause for concern, for the record."),
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for voiding"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Required. The employee is told, and every level this result raised falls back to what "
            "their other evidence grants."
        ),
        error_messages={"required": gettext_lazy("Give the reason for voiding this result.")},
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise ValidationError(_("Give the reason for voiding this result."))
        return reason


def _require_hc(request: AuthenticatedRequest) -> None:
    require_hc(request.user, _("Reviewing attempts is for HC staff."))


def _attempt_for_reviewer(request: AuthenticatedRequest, attempt_id: int) -> Attempt:
    """The attempt for HC's review: 403 for anyone else, 404 for no such attempt (or a preview),
    and a PermissionDenied naming the reason for one's own attempt."""
    _require_hc(request)
    attempt = attempt_for_review(attempt_id=attempt_id)
    if attempt is None:
        raise Http404(_("No such attempt."))
    return attempt


def _own_attempt_refused(request: AuthenticatedRequest, attempt: Attempt) -> HttpResponse:
    return render(
        request,
        "assessments/review_attempt.html",
        {"attempt": attempt, "refusal": _("This is your own attempt: another HC member reviews it.")},
        status=403,
    )


@login_required
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    _require_hc(request)
    show = request.GET.get("show", DEFAULT_FILTER)
    if show not in QUEUE_FILTERS:
        show = DEFAULT_FILTER
    page = Paginator(review_queue_attempts(show=show), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    counts = review_queue_counts()
    filters = [
        {"name": name, "label": label, "count": counts[name], "active": name == show}
        for name, (label, _condition) in QUEUE_FILTERS.items()
    ]
    context = {
        "rows": review_queue_rows(attempts=list(page.object_list), viewer=request.user),
        "page": page,
        "show": show,
        "show_label": QUEUE_FILTERS[show][0],
        "filters": filters,
    }
    return render(request, "assessments/review_queue.html", context)


def _render_review(
    request: AuthenticatedRequest,
    attempt: Attempt,
    *,
    clear_form: ClearForm | None = None,
    void_form: VoidForm | None = None,
    status: int = 200,
) -> HttpResponse:
    result = attempt.result
    may_decide = not attempt.is_open and attempt.review_status != ReviewStatus.VOIDED
    context = {
        "attempt": attempt,
        "detail": review_detail(attempt=attempt),
        "may_clear": may_decide and attempt.review_status != ReviewStatus.CLEARED,
        "may_void": may_decide and result is not None and not result.is_voided,
        "clear_form": clear_form or ClearForm(),
        "void_form": void_form or VoidForm(),
    }
    return render(request, "assessments/review_attempt.html", context, status=status)


@login_required
def review_attempt(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_for_reviewer(request, attempt_id)
    if attempt.employee_id == request.user.pk:
        return _own_attempt_refused(request, attempt)
    return _render_review(request, attempt)


@login_required
@require_POST
def review_clear(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_for_reviewer(request, attempt_id)
    if attempt.employee_id == request.user.pk:
        return _own_attempt_refused(request, attempt)
    form = ClearForm(request.POST)
    if not form.is_valid():
        return _render_review(request, attempt, clear_form=form, status=400)
    try:
        attempt_review_clear(attempt=attempt, by=request.user, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Cleared: %(employee)s's attempt at %(assessment)s stands.")
            % {"employee": attempt.employee.display_name, "assessment": attempt.assessment.title},
        )
    return redirect("assessments:review_attempt", attempt.pk)


@login_required
@require_POST
def review_void(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_for_reviewer(request, attempt_id)
    if attempt.employee_id == request.user.pk:
        return _own_attempt_refused(request, attempt)
    form = VoidForm(request.POST)
    if not form.is_valid():
        return _render_review(request, attempt, void_form=form, status=400)
    if attempt.result is None:
        messages.error(request, _("This attempt has no result to void."))
        return redirect("assessments:review_attempt", attempt.pk)
    try:
        outcome = result_void(result=attempt.result, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:review_attempt", attempt.pk)
    if outcome.level_changes:
        changes = "; ".join(
            _("%(code)s %(old)s → %(new)s")
            % {"code": c.competency.code, "old": level_label(c.old_level or 0), "new": level_label(c.new_level)}
            for c in outcome.level_changes
        )
        messages.success(
            request, _("Result voided. Levels fell back: %(changes)s. The employee is notified.") % {"changes": changes}
        )
    elif outcome.had_raised:
        messages.success(
            request, _("Result voided. No level changed: other evidence supports them. The employee is notified.")
        )
    else:
        messages.success(request, _("Result voided. It had raised no level. The employee is notified."))
    return redirect("assessments:review_attempt", attempt.pk)
