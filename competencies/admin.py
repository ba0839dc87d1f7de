"""HC's admin for the framework, the matrix and levels. Writes to targets and levels go
through competencies.services so that history is always kept."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from competencies.models import (
    CareerPath,
    CareerPathStep,
    Competency,
    CompetencyLevel,
    CompetencyLevelHistory,
    LevelDescriptor,
    PositionTarget,
    PositionTargetHistory,
    SkillGroup,
    level_label,
)
from competencies.services import level_override, target_set
from competencies.spreadsheets import (
    descriptors_dataset,
    descriptors_import_apply,
    descriptors_import_plan,
    matrix_dataset,
    matrix_import_apply,
    matrix_import_plan,
)
from hrportal.admin import (
    EMPLOYEE_SEARCH_FIELDS,
    ReadOnlyAdmin,
    SpreadsheetAdminMixin,
    SpreadsheetExport,
    SpreadsheetImporter,
    TranslatedNameAdmin,
)
from hrportal.models import User
from hrportal.translated import search_columns


# The framework's texts are edited in both languages side by side (hrportal.admin.TranslatedNameAdmin
# says why); lists show the reader's language, search finds either.
@admin.register(SkillGroup)
class SkillGroupAdmin(TranslatedNameAdmin):
    list_display = ("name", "competency_count")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(competency_count=Count("competencies"))

    @admin.display(description=_("competencies"), ordering="competency_count")
    def competency_count(self, obj) -> int:
        return obj.competency_count


class LevelDescriptorInline(TranslationStackedInline):
    model = LevelDescriptor
    extra = 0
    max_num = 5


class PositionTargetInlineForm(forms.ModelForm):
    class Meta:
        model = PositionTarget
        fields = ("position", "target_level", "weight", "is_critical")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Moving a target to another position would lose its history: delete and add instead.
            self.fields["position"].disabled = True


class PositionTargetInline(admin.TabularInline):
    model = PositionTarget
    form = PositionTargetInlineForm
    extra = 0
    autocomplete_fields = ("position",)
    verbose_name = _("target level of a position")
    verbose_name_plural = _("target levels by position (a position not listed: not applicable)")


def _save_targets_through_service(request, formset, competency: Competency | None = None) -> None:
    """Apply an edited formset of PositionTargets via target_set, which keeps the dated history."""
    instances = formset.save(commit=False)
    for target in formset.deleted_objects:
        target_set(position=target.position, competency=target.competency, level=None, by=request.user, note="admin")
    for target in instances:
        target_set(
            position=target.position,
            competency=competency or target.competency,
            level=target.target_level,
            weight=target.weight,
            is_critical=target.is_critical,
            by=request.user,
            note="admin",
        )


MATRIX_IMPORT = SpreadsheetImporter(
    key="matrix",
    title=_("Import matrix"),
    # The column names stay as they are in every language: they are the headers the file must have.
    columns=_(
        "Columns: skill_group_en, skill_group_id, code, name_en, name_id, definition_en, definition_id, then "
        "one column per position, headed by its English name (a file with plain skill_group, name and "
        "definition columns is read as English). An empty Indonesian cell means no Indonesian text (readers "
        "see the English); without the Indonesian columns, the Indonesian texts stay as they are. "
        "Each cell: a target level 0–5, optionally followed by its weight w1–w5 and “!” when it is critical "
        "(“3”, “3 w2”, “3 !”, “3 w2 !”; a plain level is weight 1, not critical), “-” for not applicable, or "
        "empty to leave that target as it is. "
        "Missing skill groups and competencies are created; a column that names no existing position is an "
        "error (add the position first), so a typo never creates one. Competencies and positions the file "
        "does not mention are left alone. Target changes are dated in the target history under your name."
    ),
    permissions=("competencies.change_positiontarget",),
    plan=lambda content, fmt, options: matrix_import_plan(
        content=content, fmt=fmt, remove=options.remove, create_missing=options.create_missing, by=options.by
    ),
    apply=lambda plan, by, note: matrix_import_apply(plan=plan, by=by, note=note),
    remove_label=_("Remove targets whose cell is “-” (make them not applicable)"),
    create_missing_label=_("Create the positions this file's columns name that do not exist yet"),
)
DESCRIPTORS_IMPORT = SpreadsheetImporter(
    key="descriptors",
    title=_("Import level descriptors"),
    columns=_(
        "Columns: code, level (1–5), behaviour_indicators_en, behaviour_indicators_id, syllabus_en, "
        "syllabus_id, deliverable_en, deliverable_id (a file with plain behaviour_indicators, syllabus and "
        "deliverable columns is read as English, and leaves the Indonesian texts as they are). One row per "
        "competency and level, stating the descriptor in full; the competencies must exist already. "
        "Descriptors the file does not mention are left alone."
    ),
    permissions=("competencies.change_leveldescriptor", "competencies.add_leveldescriptor"),
    plan=lambda content, fmt, options: descriptors_import_plan(content=content, fmt=fmt),
    apply=lambda plan, by, note: descriptors_import_apply(plan=plan),
)


@admin.register(Competency)
class CompetencyAdmin(SpreadsheetAdminMixin, TranslationAdmin):
    spreadsheet_imports = (MATRIX_IMPORT, DESCRIPTORS_IMPORT)
    spreadsheet_exports = (
        SpreadsheetExport(
            key="matrix",
            label=_("Export matrix"),
            filename="competency-matrix",
            permissions=("competencies.view_positiontarget",),
            dataset=matrix_dataset,
        ),
        SpreadsheetExport(
            key="descriptors",
            label=_("Export descriptors"),
            filename="level-descriptors",
            permissions=("competencies.view_leveldescriptor",),
            dataset=descriptors_dataset,
        ),
    )
    list_display = ("code", "name", "group", "position_count")
    list_filter = ("group",)
    search_fields = ("code", *search_columns("name"), *search_columns("definition"))
    autocomplete_fields = ("group",)
    list_select_related = ("group",)
    inlines = (PositionTargetInline, LevelDescriptorInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(position_count=Count("targets"))

    @admin.display(description=_("positions targeting it"), ordering="position_count")
    def position_count(self, obj) -> int:
        return obj.position_count

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is PositionTarget:
            _save_targets_through_service(request, formset, competency=form.instance)
        else:
            super().save_formset(request, form, formset, change)


class PositionTargetRowForm(forms.ModelForm):
    """A row of the target changelist: its level box says whose target it sets (a screen reader
    hears "Target level of GSH-01 for Operator", not a bare list box)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            names = {"competency": self.instance.competency.code, "position": self.instance.position.name}
            self.fields["target_level"].widget.attrs["aria-label"] = (
                _("Target level of %(competency)s for %(position)s") % names
            )
            if "weight" in self.fields:
                self.fields["weight"].widget.attrs["aria-label"] = (
                    _("Weight of %(competency)s for %(position)s") % names
                )
            if "is_critical" in self.fields:
                self.fields["is_critical"].widget.attrs["aria-label"] = (
                    _("Critical: %(competency)s for %(position)s") % names
                )


@admin.register(PositionTarget)
class PositionTargetAdmin(admin.ModelAdmin):
    list_display = ("position", "competency", "target_level", "weight", "is_critical")
    list_editable = ("target_level", "weight", "is_critical")
    list_filter = ("position", "is_critical", "weight", "competency__group")
    search_fields = (*search_columns("position__name"), "competency__code", *search_columns("competency__name"))
    autocomplete_fields = ("position", "competency")
    list_select_related = ("position", "competency")

    def get_readonly_fields(self, request, obj=None):
        return ("position", "competency") if obj else ()

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=PositionTargetRowForm, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        # The targets of one's own position are for another HC member (competencies.services.target_set).
        if obj is not None and not request.user.is_superuser and obj.position_id == request.user.position_id:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        target_set(
            position=obj.position,
            competency=obj.competency,
            level=obj.target_level,
            weight=obj.weight,
            is_critical=obj.is_critical,
            by=request.user,
            note="admin",
        )
        obj.pk = PositionTarget.objects.get(position=obj.position, competency=obj.competency).pk

    def delete_model(self, request, obj) -> None:
        target_set(position=obj.position, competency=obj.competency, level=None, by=request.user, note="admin")

    def delete_queryset(self, request, queryset) -> None:
        for target in queryset.select_related("position", "competency"):
            self.delete_model(request, target)


@admin.register(PositionTargetHistory)
class PositionTargetHistoryAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "position", "competency", "old_level", "new_level", "changed_by", "note")
    list_filter = ("position", "competency__group")
    search_fields = (*search_columns("position__name"), "competency__code", *search_columns("competency__name"))
    list_select_related = ("position", "competency", "changed_by")
    date_hierarchy = "changed_at"


class LevelOverrideForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. Recorded in the level history as the evidence for this change."),
    )

    class Meta:
        model = CompetencyLevel
        fields = ("employee", "competency", "level")
        # The model's fields have no verbose_name of their own (adding one would be a migration).
        labels = {"employee": _("Employee"), "competency": _("Competency"), "level": _("Level")}

    # Set per request by CompetencyLevelAdmin.get_form: the HC member filling the form in.
    current_user: User | None = None

    def clean_employee(self):
        employee = self.cleaned_data["employee"]
        if self.current_user is not None and employee == self.current_user:
            raise forms.ValidationError(_("Nobody overrides their own level: ask another HC member."))
        return employee

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason for overriding the level."))
        return reason


@admin.register(CompetencyLevel)
class CompetencyLevelAdmin(admin.ModelAdmin):
    """Levels change only through services: here, HC's override with a reason (up or down)."""

    form = LevelOverrideForm
    list_display = ("employee", "competency", "level_display", "source", "evidence_note", "achieved_at", "updated_by")
    list_filter = ("source", "level", "competency__group", "employee__section")
    search_fields = (
        *EMPLOYEE_SEARCH_FIELDS,
        "competency__code",
        *search_columns("competency__name"),
    )
    autocomplete_fields = ("employee", "competency")
    list_select_related = ("employee", "competency", "updated_by")
    date_hierarchy = "achieved_at"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A subclass for this request that knows who is filling the form in.
        return type(form.__name__, (form,), {"current_user": request.user})

    def get_readonly_fields(self, request, obj=None):
        facts = ("source", "evidence_note", "achieved_at", "updated_by")
        return ("employee", "competency", *facts) if obj else ()

    def get_fields(self, request, obj=None):
        if obj:
            return ("employee", "competency", "level", "reason", "source", "evidence_note", "achieved_at", "updated_by")
        return ("employee", "competency", "level", "reason")

    @admin.display(description=_("level"), ordering="level")
    def level_display(self, obj: CompetencyLevel) -> str:
        return level_label(obj.level)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a level would change it without a history row; override it to 0 instead.
        return False

    def save_model(self, request, obj, form, change) -> None:
        change_made = level_override(
            employee=obj.employee,
            competency=obj.competency,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
        obj.pk = CompetencyLevel.objects.get(employee=obj.employee, competency=obj.competency).pk
        if change_made is None:
            messages.info(request, _("The level was already at that value: nothing changed."))


@admin.register(CompetencyLevelHistory)
class CompetencyLevelHistoryAdmin(ReadOnlyAdmin):
    list_display = (
        "changed_at",
        "employee",
        "competency",
        "old_level",
        "new_level",
        "source",
        "evidence_note",
        "changed_by",
    )
    list_filter = ("source", "competency__group", "employee__section")
    search_fields = (
        *EMPLOYEE_SEARCH_FIELDS,
        "competency__code",
        "evidence_note",
    )
    list_select_related = ("employee", "competency", "changed_by")
    date_hierarchy = "changed_at"


class CareerPathStepInline(admin.TabularInline):
    model = CareerPathStep
    extra = 1
    ordering = ("order",)
    autocomplete_fields = ("position",)
    verbose_name = _("step")
    verbose_name_plural = _("steps, in order (1 for the first position on the path)")


@admin.register(CareerPath)
class CareerPathAdmin(admin.ModelAdmin):
    list_display = ("name", "step_count")
    search_fields = ("name", *search_columns("steps__position__name"))
    inlines = (CareerPathStepInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(step_count=Count("steps"))

    @admin.display(description=_("number of steps"), ordering="step_count")
    def step_count(self, obj) -> int:
        return obj.step_count
