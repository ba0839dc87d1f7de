"""HC's maturity pages: the latest score with its history, and the questionnaire."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hrportal.access import require_hc
from hrportal.formatting import format_percent
from hrportal.typing import AuthenticatedRequest
from maturity.bands import BAND_FLOORS
from maturity.forms import MaturityQuestionnaireForm
from maturity.selectors import maturity_history, maturity_questionnaire
from maturity.services import maturity_assessment_record


def _require_maturity_viewer(request: AuthenticatedRequest) -> None:
    require_hc(request.user, _("The organisation's maturity is for HC staff."))


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    _require_maturity_viewer(request)
    history = maturity_history()  # one query
    chart = [
        {"at": int(score.answered_at.timestamp() * 1000), "percent": float(score.percent)}
        for score in reversed(history)
    ]
    return render(
        request,
        "maturity/overview.html",
        {
            "latest": history[0] if history else None,
            "history": history,
            "chart": chart,
            "bands": [(band, floor) for floor, band in reversed(BAND_FLOORS)],
        },
    )


@login_required
def answer(request: AuthenticatedRequest) -> HttpResponse:
    _require_maturity_viewer(request)
    questions = maturity_questionnaire()  # two queries
    form = MaturityQuestionnaireForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = maturity_assessment_record(answers=form.answers(), by=request.user)
        except ValidationError as problems:
            form.add_error(None, problems)
        else:
            messages.success(
                request,
                _("Maturity recorded: %(percent)s, band %(band)s.")
                % {"percent": format_percent(assessment.percent), "band": assessment.band_label},
            )
            return redirect("maturity:overview")
    return render(request, "maturity/answer.html", {"form": form, "questions": questions})
