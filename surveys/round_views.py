"""HC's pages of self-assessment rounds: the list, one round's completion by section, its export."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from hrportal.access import require_hc
from hrportal.spreadsheets import FORMATS, download_response
from hrportal.typing import AuthenticatedRequest
from surveys.models import SurveyRound
from surveys.round_export import round_dataset, round_export_filename
from surveys.rounds import round_completion, round_for_hc, rounds_overview


def _round_for_hc(request: AuthenticatedRequest, round_id: int) -> SurveyRound:
    """HC only (403 for everyone else, before the id is looked at); 404 for a round that does not exist."""
    require_hc(request.user, _("Self-assessment rounds are run by HC."))
    try:
        return round_for_hc(round_id)
    except SurveyRound.DoesNotExist:
        raise Http404(_("No such self-assessment round.")) from None


@login_required
def rounds(request: AuthenticatedRequest) -> HttpResponse:
    require_hc(request.user, _("Self-assessment rounds are run by HC."))
    return render(request, "surveys/rounds.html", {"summaries": rounds_overview(today=timezone.localdate())})


@login_required
def round_detail(request: AuthenticatedRequest, round_id: int) -> HttpResponse:
    round_ = _round_for_hc(request, round_id)
    completion = round_completion(round_=round_, today=timezone.localdate())
    context = {
        "completion": completion,
        "round": round_,
        "sections_chosen": list(round_.sections.all()),
        "positions_chosen": list(round_.positions.all()),
        "formats": list(FORMATS),
    }
    return render(request, "surveys/round.html", context)


@login_required
def round_export(request: AuthenticatedRequest, round_id: int, fmt: str) -> HttpResponse:
    round_ = _round_for_hc(request, round_id)
    if fmt not in FORMATS:
        raise Http404(_("Export as csv or xlsx."))
    return download_response(round_dataset(round_), filename=round_export_filename(round_), fmt=fmt)
