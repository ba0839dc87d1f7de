"""Taking an assessment: the list, the start page, answering, submitting, the result.

An attempt is only ever its taker's: anyone else (HC included) gets a 404 for it, and every
attempt is started for the signed-in person, so nobody takes an assessment for another.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.availability import Refusal, availability
from assessments.middleware import forget_attempt, remember_open_attempt
from assessments.models import Assessment, Attempt, FinishReason
from assessments.selectors.taking import (
    AssessmentCard,
    assessments_for_taker,
    attempt_outcome,
    cards_next_change,
    questions_drawn,
    seconds_left,
    taker_questions,
)
from assessments.services import attempts
from assessments.services.attempts import AttemptClosed, AttemptRefused, grace, is_overdue
from hrportal.page_cache import page_fragments, render_page
from hrportal.typing import AuthenticatedRequest


def _assessment_for_taker(request: AuthenticatedRequest, assessment_id: int) -> Assessment:
    """A published assessment (any, for HC, who preview unpublished ones); 404 otherwise."""
    assessment = Assessment.objects.filter(pk=assessment_id).first()
    if assessment is None or not (assessment.is_published or request.user.is_hc):
        raise Http404(_("No such assessment."))
    return assessment


def _attempt_for_taker(
    request: AuthenticatedRequest, attempt_id: int, related: tuple[str, ...] = ("assessment", "result")
) -> Attempt:
    """The signed-in person's own attempt (with `related`); 404 for anyone else's, so ids leak nothing."""
    attempts = Attempt.objects.select_related(*related) if related else Attempt.objects.all()
    attempt = attempts.filter(pk=attempt_id, employee=request.user).first()
    if attempt is None:
        raise Http404(_("No such attempt."))
    return attempt


def _refused(request: AuthenticatedRequest, assessment: Assessment, message: str) -> HttpResponse:
    return render(request, "assessments/refused.html", {"assessment": assessment, "message": message}, status=403)


def _wants_json(request: AuthenticatedRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _submitted_answers(request: AuthenticatedRequest) -> dict[int, list[str]]:
    """{question position: values} for every question the form showed ("shown" fields)."""
    answers: dict[int, list[str]] = {}
    for shown in request.POST.getlist("shown"):
        try:
            position = int(shown)
        except ValueError:
            raise ValidationError(_("The form was damaged: reload the page and try again.")) from None
        answers[position] = request.POST.getlist(f"q{position}")
    return answers


@login_required
def assessment_list(request: AuthenticatedRequest) -> HttpResponse:
    cards: list[AssessmentCard] = []

    def build() -> dict:
        nonlocal cards
        cards = assessments_for_taker(employee=request.user)
        if any(card.availability.open_attempt and is_overdue(card.availability.open_attempt) for card in cards):
            attempts.attempts_finalise_overdue(employee=request.user)
            cards = assessments_for_taker(employee=request.user)
        return {"cards": cards}

    # The list is cached (hrportal/page_cache.py) under the taker's stamp, which every change
    # of their attempts bumps (start; submit, time up and the overdue task through
    # result_record; a void), and the framework's (assessments, questions, audiences in the
    # admin). Time changes it too: it is kept until the next window, cooldown or deadline.
    fragments = page_fragments(
        request,
        page="assessments",
        people=[],
        changes_at=lambda now: cards_next_change(cards, now=now, grace=grace()),
    )
    return render_page(request, "assessments/list.html", fragments=fragments, context={}, build=build)


@login_required
def assessment_detail(request: AuthenticatedRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment_for_taker(request, assessment_id)
    mine = attempts.counted_attempts(employee=request.user, assessment=assessment)
    if any(is_overdue(attempt) for attempt in mine):
        attempts.attempts_finalise_overdue(employee=request.user)
        mine = attempts.counted_attempts(employee=request.user, assessment=assessment)
    available = availability(
        assessment=assessment,
        attempts=mine,
        eligible=Assessment.objects.eligible_for(request.user).filter(pk=assessment.pk).exists(),
    )
    if available.refusal == Refusal.NOT_ELIGIBLE and not request.user.is_hc:
        return _refused(request, assessment, available.message)
    context = {
        "assessment": assessment,
        "availability": available,
        # Only HC reach an unpublished assessment (the helper 404s others): they may preview it.
        "availability_message": available.message
        if assessment.is_published
        else _("Not published: employees cannot start it yet."),
        "questions_drawn": questions_drawn(assessment, assessment.questions.count()),
        "finished": [attempt for attempt in mine if not attempt.is_open],
    }
    return render(request, "assessments/detail.html", context)


@login_required
@require_POST
def attempt_start(request: AuthenticatedRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment_for_taker(request, assessment_id)
    if not assessment.is_published:
        raise Http404(_("No such assessment."))
    try:
        attempt = attempts.attempt_start(assessment=assessment, by=request.user)
    except AttemptRefused as refused:
        return _refused(request, assessment, refused.availability.message)
    remember_open_attempt(request, attempt)
    return redirect("assessments:attempt", attempt.pk)


@login_required
@require_POST
def attempt_preview(request: AuthenticatedRequest, assessment_id: int) -> HttpResponse:
    assessment = _assessment_for_taker(request, assessment_id)
    if not request.user.is_hc:
        return _refused(request, assessment, _("Only HC staff preview assessments."))
    try:
        attempt = attempts.attempt_start(assessment=assessment, by=request.user, preview=True)
    except AttemptRefused as refused:
        return _refused(request, assessment, refused.availability.message)
    remember_open_attempt(request, attempt)
    return redirect("assessments:attempt", attempt.pk)


def _finish_if_overdue(request: AuthenticatedRequest, attempt: Attempt) -> Attempt:
    if is_overdue(attempt):
        attempt = attempts.attempt_finalise(attempt=attempt, reason=FinishReason.TIME_UP)
        forget_attempt(request, attempt.pk)
        messages.warning(request, _("Time ran out: your attempt was submitted with the answers saved by then."))
    return attempt


@login_required
def attempt_page(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _finish_if_overdue(request, _attempt_for_taker(request, attempt_id))
    if not attempt.is_open:
        return redirect("assessments:result", attempt.pk)
    questions = taker_questions(attempt=attempt)
    config = {
        "attemptId": attempt.pk,
        "answerUrl": reverse("assessments:answer", args=[attempt.pk]),
        "submitUrl": reverse("assessments:submit", args=[attempt.pk]),
        "eventsUrl": reverse("assessments:events", args=[attempt.pk]),
        "resultUrl": reverse("assessments:result", args=[attempt.pk]),
        "deadline": attempt.deadline.isoformat(),
        "secondsLeft": seconds_left(attempt),
        "requiresFullscreen": attempt.assessment.requires_fullscreen and not attempt.is_preview,
    }
    context = {
        "attempt": attempt,
        "assessment": attempt.assessment,
        "questions": questions,
        "answered": sum(1 for q in questions if q.answer_text or any(o.chosen for o in q.options)),
        "attempt_config": config,
        "local_deadline": timezone.localtime(attempt.deadline),
        "time_left": "{}:{:02d}".format(*divmod(seconds_left(attempt), 60)),
    }
    return render(request, "assessments/attempt.html", context)


@login_required
@require_POST
def attempt_answer(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    """Autosave (JSON, from static/js/attempt.js) or the page's "Save answers" button."""
    # No read of the attempt here: an autosave comes every few seconds, and the service's
    # locked read checks the taker too, refusing anyone else's attempt, which is a 404 as
    # everywhere (_attempt_for_taker).
    try:
        saved = attempts.attempt_answers_save(
            attempt_id=attempt_id, by=request.user, answers=_submitted_answers(request)
        )
    except PermissionDenied:
        raise Http404(_("No such attempt.")) from None
    except AttemptClosed:
        _finish_if_overdue(request, _attempt_for_taker(request, attempt_id, related=()))
        message = _("This attempt is closed: the answer was not saved.")
        if _wants_json(request):
            return JsonResponse(
                {"error": message, "resultUrl": reverse("assessments:result", args=[attempt_id])}, status=409
            )
        messages.error(request, message)
        return redirect("assessments:result", attempt_id)
    except ValidationError as invalid:
        if _wants_json(request):
            return JsonResponse({"error": " ".join(invalid.messages)}, status=400)
        messages.error(request, " ".join(invalid.messages))
        return redirect("assessments:attempt", attempt_id)
    if _wants_json(request):
        return JsonResponse({"saved": saved, "savedAt": timezone.localtime().strftime("%H:%M:%S")})
    messages.success(request, _("Your answers are saved."))
    return redirect("assessments:attempt", attempt_id)


@login_required
@require_POST
def attempt_submit(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_for_taker(request, attempt_id)
    if attempt.is_open:
        try:
            attempts.attempt_answers_save(attempt_id=attempt.pk, by=request.user, answers=_submitted_answers(request))
        except AttemptClosed:
            if is_overdue(attempt):
                messages.warning(
                    request, _("Time ran out before you submitted: answers sent after that were not counted.")
                )
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
            return redirect("assessments:attempt", attempt.pk)
        attempt = attempts.attempt_finalise(attempt=attempt, reason=FinishReason.SUBMITTED)
    forget_attempt(request, attempt.pk)
    return redirect("assessments:result", attempt.pk)


@login_required
def attempt_result(request: AuthenticatedRequest, attempt_id: int) -> HttpResponse:
    attempt = _finish_if_overdue(request, _attempt_for_taker(request, attempt_id))
    if attempt.is_open:
        return redirect("assessments:attempt", attempt.pk)
    outcome = attempt_outcome(attempt=attempt)
    return render(
        request, "assessments/result.html", {"outcome": outcome, "attempt": attempt, "assessment": attempt.assessment}
    )
