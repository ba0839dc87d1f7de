"""HC's strategy pages: the list (with what the maturity score suggests), one strategy with the
form to apply it to positions, the preview of the target changes, and the confirmation."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hrportal.access import require_hc
from hrportal.typing import AuthenticatedRequest
from maturity.selectors import maturity_latest
from strategies.forms import StrategyApplyForm
from strategies.models import Strategy
from strategies.selectors import positions_by_name, strategy_rows, strategy_summaries
from strategies.services import StrategyPlan, StrategyPlanOutdated, strategy_apply


def _require_strategy_user(request: AuthenticatedRequest) -> None:
    require_hc(request.user, _("Qualification strategies are for HC staff."))


def _strategy_for_hc(request: AuthenticatedRequest, strategy_id: int) -> Strategy:
    """The strategy, for HC only: everyone else gets 403 before any id is looked at."""
    _require_strategy_user(request)
    return get_object_or_404(Strategy, pk=strategy_id)


@login_required
def strategy_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every strategy, those whose maturity band holds the latest maturity score marked "suggested"."""
    _require_strategy_user(request)
    maturity = maturity_latest()
    percent = maturity.percent if maturity else None
    return render(
        request,
        "strategies/list.html",
        {"strategies": strategy_summaries(maturity_percent=percent), "maturity": maturity},
    )


def _apply_form(request: AuthenticatedRequest, strategy: Strategy, data=None) -> StrategyApplyForm:
    return StrategyApplyForm(data, strategy=strategy, by=request.user, positions=positions_by_name())


def _render_detail(request: AuthenticatedRequest, strategy: Strategy, form: StrategyApplyForm) -> HttpResponse:
    maturity = maturity_latest()
    return render(
        request,
        "strategies/detail.html",
        {
            "strategy": strategy,
            "rows": strategy_rows(strategy=strategy),
            "form": form,
            "maturity": maturity,
            "suggested": strategy.suggested_for(maturity.percent if maturity else None),
        },
    )


def _render_preview(request: AuthenticatedRequest, strategy: Strategy, plan: StrategyPlan) -> HttpResponse:
    return render(
        request,
        "strategies/preview.html",
        {"strategy": strategy, "plan": plan, "sections": plan.sections(), "fingerprint": plan.fingerprint()},
    )


@login_required
def strategy_detail(request: AuthenticatedRequest, strategy_id: int) -> HttpResponse:
    strategy = _strategy_for_hc(request, strategy_id)
    return _render_detail(request, strategy, _apply_form(request, strategy))


@login_required
def strategy_preview(request: AuthenticatedRequest, strategy_id: int) -> HttpResponse:
    """What applying the strategy to the ticked positions (GET: it changes nothing) would change."""
    strategy = _strategy_for_hc(request, strategy_id)
    form = _apply_form(request, strategy, request.GET)
    if not form.is_valid() or form.plan is None:
        return _render_detail(request, strategy, form)
    return _render_preview(request, strategy, form.plan)


def _changed_again(request: AuthenticatedRequest) -> None:
    messages.warning(
        request,
        _(
            "The targets or the strategy changed since you saw the preview, so nothing was changed. "
            "This is what applying it would change now: check it again."
        ),
    )


@login_required
@require_POST
def strategy_apply_view(request: AuthenticatedRequest, strategy_id: int) -> HttpResponse:
    """Confirm the preview: applies exactly what was previewed (its fingerprint), or nothing."""
    strategy = _strategy_for_hc(request, strategy_id)
    form = _apply_form(request, strategy, request.POST)
    if not form.is_valid() or form.plan is None:
        return _render_detail(request, strategy, form)
    if form.plan.fingerprint() != request.POST.get("fingerprint"):
        _changed_again(request)
        return _render_preview(request, strategy, form.plan)
    try:
        changed = strategy_apply(plan=form.plan, by=request.user)
    except StrategyPlanOutdated as outdated:
        _changed_again(request)
        return _render_preview(request, strategy, outdated.plan)
    query = urlencode({"position__id__in": ",".join(str(pk) for pk in form.plan.position_ids)})
    matrix_url = f"{reverse('admin:competencies_positiontarget_changelist')}?{query}"
    if changed:
        text = _("Applied “%(strategy)s”: %(summary)s Each change is dated today in the target history.") % {
            "strategy": strategy.name,
            "summary": form.plan.summary(),
        }
    else:
        text = _("Nothing to change: the positions already match “%(strategy)s”.") % {"strategy": strategy.name}
    messages.success(request, format_html('{} <a href="{}">{}</a>', text, matrix_url, _("See their targets")))
    return redirect("strategies:detail", strategy_id=strategy.pk)
