"""The result admin's own pages: voiding a result (one, or a wrong file's worth), and the export.

Kept apart from assessments/admin.py, which registers AssessmentResultAdmin with this mixin.
Voiding goes through assessments.services.voiding (result_void, and result_void_preview for
what the page shows before HC confirms); the export through assessments.results_export.

Who may void: HC staff with `assessments.change_assessmentresult`, never on their own result.
A result is otherwise immutable, so voiding is the one change this permission allows.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments.models import Assessment, AssessmentResult
from assessments.results_export import ResultExportFilter, results_dataset, results_export_filename
from assessments.services.voiding import VOID_PERMISSION, ResultAlreadyVoided, result_void, result_void_preview
from competencies.models import CompetencyLevelHistory, LevelSource, level_label
from hrportal.models import Position, Section, User
from hrportal.spreadsheets import FORMATS, download_response

REASON_MAX_LENGTH = 1000


class VoidReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for voiding"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Required. The employee reads it in their notification; it stays with the result."),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Give the reason for voiding."))
        return reason


class ResultExportForm(forms.Form):
    assessment = forms.ModelChoiceField(
        label=gettext_lazy("Assessment"),
        queryset=Assessment.objects.order_by("title"),
        required=False,
        empty_label=gettext_lazy("All assessments"),
    )
    section = forms.ModelChoiceField(
        label=gettext_lazy("Section"),
        queryset=Section.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All sections"),
    )
    position = forms.ModelChoiceField(
        label=gettext_lazy("Position"),
        queryset=Position.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All positions"),
    )
    completed_from = forms.DateField(
        label=gettext_lazy("Completed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Inclusive, in the portal's time zone. Empty: from the first result."),
    )
    completed_to = forms.DateField(
        label=gettext_lazy("Completed to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Inclusive. Empty: up to now."),
    )
    include_voided = forms.BooleanField(
        label=gettext_lazy("Include voided results"),
        required=False,
        help_text=gettext_lazy("Off: only results that count. On: voided ones too, with when and why."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("File format"),
        choices=[("csv", "CSV"), ("xlsx", "XLSX")],
        initial="csv",
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("completed_from"), cleaned.get("completed_to")
        if start and end and start > end:
            self.add_error("completed_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> ResultExportFilter:
        data = self.cleaned_data
        return ResultExportFilter(
            assessment=data.get("assessment"),
            section=data.get("section"),
            position=data.get("position"),
            completed_from=data.get("completed_from"),
            completed_to=data.get("completed_to"),
            include_voided=bool(data.get("include_voided")),
        )


class VoidedFilter(admin.SimpleListFilter):
    title = gettext_lazy("voided")
    parameter_name = "voided"

    def lookups(self, request, model_admin):
        return (("no", _("Counted (not voided)")), ("yes", _("Voided")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(voided_at__isnull=self.value() == "no")
        return queryset


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _raised_by(result: AssessmentResult) -> list[CompetencyLevelHistory]:
    """The level history rows that name `result` as the evidence of a rise."""
    return list(
        CompetencyLevelHistory.objects.filter(
            evidence_type__app_label="assessments",
            evidence_type__model="assessmentresult",
            evidence_id=result.pk,
        )
        .exclude(source=LevelSource.VOIDED)
        .select_related("competency")
        .order_by("changed_at", "pk")
    )


def void_outcome_message(result: AssessmentResult, changes: list, had_raised: bool) -> str:
    """What HC reads after voiding one result."""
    if changes:
        fallen = "; ".join(
            _("%(code)s %(old)s → %(new)s")
            % {"code": c.competency.code, "old": level_label(c.old_level or 0), "new": level_label(c.new_level)}
            for c in changes
        )
        return _("Voided %(result)s. Levels fell back: %(changes)s.") % {"result": result, "changes": fallen}
    if had_raised:
        return _("Voided %(result)s. No level changed: other evidence supports them.") % {"result": result}
    return _("Voided %(result)s. It had raised no level, so none changed.") % {"result": result}


if TYPE_CHECKING:
    _ModelAdminBase = admin.ModelAdmin[AssessmentResult]
else:
    _ModelAdminBase = object


class ResultAdminPagesMixin(_ModelAdminBase):
    """Adds to the result admin: the void page, the "Void selected results" action, the export page."""

    change_list_template = "admin/assessments/assessmentresult/change_list.html"
    change_form_template = "admin/assessments/assessmentresult/change_form.html"

    def has_void_permission(self, request: HttpRequest, obj: AssessmentResult | None = None) -> bool:
        """HC with the permission; for a result, only someone else's one that still counts."""
        user = request.user
        if not isinstance(user, User) or not user.is_hc or not user.has_perm(VOID_PERMISSION):
            return False
        return obj is None or (obj.employee_id != user.pk and not obj.is_voided)

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name=f"{prefix}_export"),
            path("<path:object_id>/void/", self.admin_site.admin_view(self.void_view), name=f"{prefix}_void"),
            *super().get_urls(),
        ]

    def _changelist_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def _change_url(self, result: AssessmentResult) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[result.pk])

    # --- The list -----------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = dict(extra_context or {})
        if self.has_view_permission(request):
            export_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_export")
            # The list filtered by one assessment offers to export that assessment's results.
            assessment_id = request.GET.get("assessment__id__exact", "")
            if assessment_id.isdigit():
                export_url += f"?assessment={assessment_id}"
            context["export_url"] = export_url
        return super().changelist_view(request, context)

    @admin.display(description=gettext_lazy("voided"), ordering="voided_at")
    def voided(self, obj: AssessmentResult) -> str:
        return _when(obj.voided_at) if obj.voided_at else "–"

    @admin.display(description=gettext_lazy("voided"))
    def voided_when(self, obj: AssessmentResult) -> str:
        if obj.voided_at is None:
            return "–"
        return _("%(when)s by %(who)s") % {"when": _when(obj.voided_at), "who": obj.voided_by}

    @admin.display(description=gettext_lazy("levels that fell back when it was voided"))
    def voided_levels(self, obj: AssessmentResult) -> str:
        rows = CompetencyLevelHistory.objects.filter(
            evidence_type__app_label="assessments",
            evidence_type__model="assessmentresult",
            evidence_id=obj.pk,
            source=LevelSource.VOIDED,
        ).select_related("competency")
        if not rows:
            return _("None: other evidence supported them, or it had raised none.")
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            ((h.competency, level_label(h.old_level), level_label(h.new_level)) for h in rows.order_by("pk")),
        )

    # --- Voiding one result ---------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = dict(extra_context or {})
        result = self.get_object(request, unquote(object_id))
        if result is not None and self.has_void_permission(request, result):
            context["void_url"] = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_void", args=[result.pk])
        return super().change_view(request, object_id, form_url, context)

    def _result_to_void(self, request: HttpRequest, object_id: str) -> AssessmentResult:
        """The result the void page is about: 403 for whoever may not void, 404 for an unknown id,
        403 for the asker's own result."""
        if not self.has_void_permission(request):
            raise PermissionDenied
        result = self.get_object(request, unquote(object_id))
        if result is None:
            raise Http404(_("There is no such result."))
        if result.employee_id == request.user.pk:
            raise PermissionDenied(_("Nobody voids their own result: another HC member does."))
        return result

    def void_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        result = self._result_to_void(request, object_id)
        if result.is_voided:
            messages.info(
                request,
                _("This result was already voided on %(day)s: %(reason)s")
                % {"day": _when(result.voided_at), "reason": result.void_reason},
            )
            return HttpResponseRedirect(self._change_url(result))
        form = VoidReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                outcome = result_void(result=result, reason=form.cleaned_data["reason"], by=_actor(request))
            except ResultAlreadyVoided as error:
                messages.warning(request, " ".join(error.messages))
                return HttpResponseRedirect(self._change_url(result))
            except ValidationError as error:
                form.add_error("reason", error)
            else:
                messages.success(
                    request, void_outcome_message(outcome.result, outcome.level_changes, outcome.had_raised)
                )
                return HttpResponseRedirect(self._change_url(result))
        preview = result_void_preview(result=result)
        raised: dict[int, list[str]] = {}
        for row in _raised_by(result):
            raised.setdefault(row.competency_id, []).append(
                _("%(old)s → %(new)s") % {"old": level_label(row.old_level), "new": level_label(row.new_level)}
            )
        preview_rows = [
            {
                "competency": fall_back.competency,
                "raised": "; ".join(raised.get(fall_back.competency.pk, [])),
                "now": level_label(fall_back.current),
                "after": level_label(fall_back.after),
                "falls": fall_back.falls,
                "support": fall_back.grant.note,
            }
            for fall_back in preview.levels
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Void this result"),
            "result": result,
            "preview": preview,
            "preview_rows": preview_rows,
            "form": form,
            "change_url": self._change_url(result),
        }
        return TemplateResponse(request, "admin/assessments/assessmentresult/void.html", context)

    # --- Voiding several: a wrong file ------------------------------------------------------------

    @admin.action(description=gettext_lazy("Void selected results"), permissions=["void"])
    def void_selected(self, request: HttpRequest, queryset: QuerySet[AssessmentResult]) -> HttpResponse | None:
        """One reason for all; all or nothing. Refused, with nothing voided, when a selected result
        is the asker's own or already voided."""
        if not self.has_void_permission(request):
            raise PermissionDenied
        results = list(queryset.select_related("employee", "assessment").order_by("completed_at", "pk"))
        own = [r for r in results if r.employee_id == request.user.pk]
        voided = [r for r in results if r.is_voided]
        if own or voided:
            problems = []
            if own:
                problems.append(
                    ngettext(
                        "%(count)s of them is your own result (another HC member voids it)",
                        "%(count)s of them are your own results (another HC member voids them)",
                        len(own),
                    )
                    % {"count": len(own)}
                )
            if voided:
                problems.append(
                    ngettext("%(count)s was voided already", "%(count)s were voided already", len(voided))
                    % {"count": len(voided)}
                )
            messages.error(
                request,
                _("Nothing was voided: %(problems)s. Select only results that still count and are not yours.")
                % {"problems": "; ".join(problems)},
            )
            return None
        form = VoidReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            by = _actor(request)
            changed = 0
            try:
                with transaction.atomic():
                    for result in results:
                        changed += len(
                            result_void(result=result, reason=form.cleaned_data["reason"], by=by).level_changes
                        )
            except (ResultAlreadyVoided, ValidationError, PermissionDenied) as error:
                messages.error(
                    request,
                    _("Nothing was voided: %(problem)s")
                    % {"problem": " ".join(getattr(error, "messages", [str(error)]))},
                )
                return None
            messages.success(
                request,
                ngettext(
                    "Voided %(count)s result with the reason “%(reason)s”; %(levels)s level fell back.",
                    "Voided %(count)s results with the reason “%(reason)s”; %(levels)s levels fell back.",
                    len(results),
                )
                % {"count": len(results), "reason": form.cleaned_data["reason"], "levels": changed},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Void the selected results"),
            "results": results,
            "form": form,
            "action_name": "void_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, "admin/assessments/assessmentresult/void_selected.html", context)

    # --- Export -------------------------------------------------------------------------------------

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        asked = "format" in request.GET
        form = ResultExportForm(request.GET if asked else None, initial=self._export_initial(request))
        if asked and form.is_valid():
            fmt = form.cleaned_data["format"]
            if fmt not in FORMATS:
                raise Http404
            filters = form.filters()
            return download_response(
                results_dataset(filters=filters), filename=results_export_filename(filters=filters), fmt=fmt
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export results"),
            "form": form,
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, "admin/assessments/assessmentresult/export.html", context)

    def _export_initial(self, request: HttpRequest) -> dict[str, Any]:
        assessment_id = request.GET.get("assessment", "")
        return {"assessment": int(assessment_id)} if assessment_id.isdigit() else {}
