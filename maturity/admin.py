"""HC keep the questionnaire here (both languages side by side); recorded assessments are history: read-only."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from hrportal.translated import search_columns
from maturity.models import MaturityAnswer, MaturityAssessment, MaturityOption, MaturityQuestion


class MaturityOptionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("text_en")
        ]
        if self.instance.is_active and len(kept) < 2:
            raise ValidationError(_("An active question needs at least two answers to choose from."))


class MaturityOptionInline(TranslationTabularInline):
    model = MaturityOption
    formset = MaturityOptionFormSet
    fields = ("order", "text", "score")
    extra = 0


@admin.register(MaturityQuestion)
class MaturityQuestionAdmin(TranslationAdmin):
    list_display = ("order", "text", "area", "is_active", "option_count")
    list_display_links = ("text",)
    list_filter = ("is_active",)
    search_fields = (*search_columns("text"), *search_columns("area"))
    fields = ("order", "area", "text", "help_text", "is_active")
    inlines = (MaturityOptionInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(option_count=Count("options"))

    @admin.display(description=_("answers"), ordering="option_count")
    def option_count(self, obj) -> int:
        return obj.option_count


class MaturityAnswerInline(admin.TabularInline):
    model = MaturityAnswer
    fields = ("question_text", "option_text", "score", "max_score")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MaturityAssessment)
class MaturityAssessmentAdmin(admin.ModelAdmin):
    """Written by maturity.services only: nobody adds, edits or deletes history here."""

    list_display = ("answered_at", "percent", "band", "score", "max_score", "answered_by")
    list_filter = ("band",)
    list_select_related = ("answered_by",)
    date_hierarchy = "answered_at"
    fields = ("answered_at", "answered_by", "score", "max_score", "percent", "band")
    readonly_fields = fields
    inlines = (MaturityAnswerInline,)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
