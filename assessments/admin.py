"""HC's admin for assessments, mappings and results. Results are recorded through
assessments.services.result_record, the same path every other entry point uses."""

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from assessments.models import Assessment, AssessmentResult, CompetencyMapping
from assessments.services import result_record
from competencies.models import CompetencyLevelHistory, level_label
from hrportal.admin import EMPLOYEE_SEARCH_FIELDS
from hrportal.models import User


class SpecificAssessmentMappingInline(admin.TabularInline):
    """Mappings that name this very assessment (category mappings live in their own list)."""

    model = CompetencyMapping
    fk_name = "assessment"
    fields = ("competency", "level_granted", "minimum_score")
    autocomplete_fields = ("competency",)
    extra = 0
    verbose_name = "competency this assessment validates"
    verbose_name_plural = "competencies this assessment validates (mappings naming this assessment)"


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "pass_percentage", "result_count")
    list_filter = ("category",)
    search_fields = ("title", "category")
    inlines = (SpecificAssessmentMappingInline,)
    readonly_fields = ("category_mappings",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(result_count=Count("results"))

    @admin.display(description="results", ordering="result_count")
    def result_count(self, obj) -> int:
        return obj.result_count

    @admin.display(description="also validated through category mappings")
    def category_mappings(self, obj: Assessment) -> str:
        if obj.pk is None:
            return "Shown after saving."
        matching = [
            m for m in CompetencyMapping.objects.filter(assessment__isnull=True).candidates_for(obj) if m.matches(obj)
        ]
        if not matching:
            return "None."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((str(m),) for m in matching)))


class CompetencyMappingForm(forms.ModelForm):
    class Meta:
        model = CompetencyMapping
        fields = ("competency", "level_granted", "minimum_score", "assessment", "category", "title_pattern")
        help_texts = {
            "assessment": "Either one specific assessment …",
            "category": "… or a category (compared case-insensitively), optionally narrowed by a title pattern.",
            "minimum_score": "Optional. Replaces the assessment's pass percentage for this mapping; "
            "several mappings with rising minimum scores make score bands (the highest reached wins).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keep whitespace so a pattern of only spaces is reported, not silently dropped.
        cast(forms.CharField, self.fields["title_pattern"]).strip = False


@admin.register(CompetencyMapping)
class CompetencyMappingAdmin(admin.ModelAdmin):
    form = CompetencyMappingForm
    list_display = ("competency", "level_granted", "source_description", "minimum_score", "matching_count")
    list_filter = ("level_granted", "category", "competency__group")
    search_fields = ("competency__code", "competency__name", "category", "title_pattern", "assessment__title")
    autocomplete_fields = ("competency", "assessment")
    list_select_related = ("competency", "assessment")
    readonly_fields = ("matching_assessments",)
    fieldsets = (
        (None, {"fields": ("competency", "level_granted", "minimum_score")}),
        ("Which assessments", {"fields": ("assessment", "category", "title_pattern", "matching_assessments")}),
    )

    def changelist_view(self, request, extra_context=None):
        # One query for all assessments, shared by every row's match count.
        self._all_assessments = list(Assessment.objects.all())
        return super().changelist_view(request, extra_context)

    def _matching(self, mapping: CompetencyMapping, assessments=None) -> list[Assessment]:
        if assessments is None:
            assessments = Assessment.objects.all()
        return [a for a in assessments if mapping.matches(a)]

    @admin.display(description="matches")
    def matching_count(self, obj: CompetencyMapping) -> int:
        return len(self._matching(obj, getattr(self, "_all_assessments", None)))

    @admin.display(description="existing assessments it matches")
    def matching_assessments(self, obj: CompetencyMapping) -> str:
        if obj.pk is None:
            return "Shown after saving (use “Save and continue editing”)."
        matching = self._matching(obj)
        if not matching:
            return "None of the existing assessments match."
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{} (pass {} %)</li>", ((str(a), a.pass_percentage) for a in matching)),
        )


class ResultRecordForm(forms.ModelForm):
    class Meta:
        model = AssessmentResult
        fields = ("employee", "assessment", "score", "completed_at")

    # Set per request by AssessmentResultAdmin.get_form: the HC member recording the result.
    current_user: User | None = None

    def clean_employee(self):
        employee = self.cleaned_data["employee"]
        if self.current_user is not None and employee == self.current_user:
            raise forms.ValidationError("Nobody records their own result: ask another HC member.")
        return employee

    def clean_completed_at(self):
        completed_at = self.cleaned_data["completed_at"]
        if completed_at > timezone.now():
            raise forms.ValidationError("The completion time is in the future.")
        return completed_at


@admin.register(AssessmentResult)
class AssessmentResultAdmin(admin.ModelAdmin):
    """Results are immutable: HC records new ones here and views old ones read-only."""

    form = ResultRecordForm
    list_display = ("employee", "assessment", "score", "passed", "completed_at", "recorded_by")
    list_filter = ("passed", "assessment__category", "assessment")
    search_fields = (
        *EMPLOYEE_SEARCH_FIELDS,
        "assessment__title",
    )
    autocomplete_fields = ("employee", "assessment")
    list_select_related = ("employee", "assessment", "recorded_by")
    date_hierarchy = "completed_at"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A subclass for this request that knows who is filling the form in.
        return type(form.__name__, (form,), {"current_user": request.user})

    def get_fields(self, request, obj=None):
        if obj:
            return (
                "employee",
                "assessment",
                "score",
                "passed",
                "completed_at",
                "recorded_by",
                "recorded_at",
                "levels_granted",
            )
        return ("employee", "assessment", "score", "completed_at")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else ()

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="levels this result raised")
    def levels_granted(self, obj: AssessmentResult) -> str:
        rows = CompetencyLevelHistory.objects.filter(
            evidence_type__app_label="assessments", evidence_type__model="assessmentresult", evidence_id=obj.pk
        ).select_related("competency")
        if not rows:
            return "None."
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            ((h.competency, level_label(h.old_level), level_label(h.new_level)) for h in rows),
        )

    def save_model(self, request, obj, form, change) -> None:
        recorded = result_record(
            employee=obj.employee,
            assessment=obj.assessment,
            score=obj.score,
            completed_at=obj.completed_at,
            recorded_by=request.user,
        )
        obj.pk, obj.passed = recorded.result.pk, recorded.result.passed
        if recorded.level_changes:
            changes = "; ".join(
                f"{c.competency.code} {level_label(c.old_level)} → {level_label(c.new_level)}"
                for c in recorded.level_changes
            )
            messages.success(request, f"Levels raised: {changes}.")
        else:
            messages.info(
                request, "No level changed (failed, below every mapping's threshold, or already at that level)."
            )
