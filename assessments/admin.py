"""HC's admin for assessments, their question banks, mappings, results and attempts.

Results are recorded through assessments.services.result_record, the same path every other
entry point uses; attempts are written by the attempt services only, so the admin shows them
read-only. Whether an assessment (or a question of a published one) is ready to take is
decided by assessments.services.question_bank, which the question bank import asks too.
"""

import base64
import copy
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments.models import (
    AnswerOption,
    Assessment,
    AssessmentResult,
    Attempt,
    CompetencyMapping,
    CompetencyMappingQuerySet,
    Question,
    ReviewStatus,
)
from assessments.result_admin import ResultAdminPagesMixin, VoidedFilter
from assessments.result_import_admin import ResultImportPagesMixin
from assessments.selectors.mappings import mapping_coverage, mapping_health
from assessments.services import result_record
from assessments.services.question_bank import (
    MAX_OPTIONS,
    QuestionBankPlan,
    assessment_publish_problems,
    question_bank_dataset,
    question_bank_filename,
    question_bank_import_apply,
    question_bank_import_plan,
    question_problems,
)
from assessments.services.results import ReevaluationOutdated, reevaluation_apply, reevaluation_plan
from competencies.models import CompetencyLevelHistory, LevelSource, level_label
from hrportal.admin import EMPLOYEE_SEARCH_FIELDS, ImportOptions, SpreadsheetImporter, SpreadsheetImportForm
from hrportal.audit import audit_event
from hrportal.models import AuditEvent, User
from hrportal.spreadsheets import FORMATS, ImportFileError, download_response, format_from_name
from hrportal.translated import search_columns
from hrportal.typing import AuthenticatedRequest

# Who may replace a bank from a file, and who may download one.
QUESTION_BANK_IMPORT_PERMISSIONS = (
    "assessments.change_assessment",
    "assessments.add_question",
    "assessments.change_question",
    "assessments.delete_question",
)
QUESTION_BANK_EXPORT_PERMISSIONS = ("assessments.view_question",)

# The question bank file's columns, for the import page: (column, what it holds).
QUESTION_BANK_COLUMNS = (
    (
        "number",
        gettext_lazy("Required. The question's place in the bank (1, 2, 3, …); it says which question a row updates."),
    ),
    (
        "type",
        gettext_lazy(
            "Required. single, multiple, true_false or short_answer (the names the admin shows, such as "
            "“Single choice”, are accepted too)."
        ),
    ),
    ("question", gettext_lazy("Required. The question's text.")),
    ("points", gettext_lazy("A number above 0, at most two decimals; empty: 1.")),
    ("competency", gettext_lazy("The code of the competency the question is tagged with, or empty for none.")),
    ("partial_credit", gettext_lazy("yes or no (empty: no). Multiple choice only.")),
    (
        "option_a … option_h",
        gettext_lazy(
            "The answer options of a choice question, from option_a on without gaps; empty for the other types."
        ),
    ),
    (
        "correct",
        gettext_lazy(
            "Choice questions: the letters of the correct options (“A”, or “A,C”). True or false: true or false. "
            "Short answer: empty."
        ),
    ),
    (
        "accepted_answers",
        gettext_lazy("Short answer: the accepted answers, separated by “|” (compared ignoring case)."),
    ),
    ("explanation", gettext_lazy("Optional. Shown after submitting, if the review setting allows.")),
)


def _count_per_assessment(model: type[Any], **filters: Any) -> Coalesce:
    """How many `model` rows point at the assessment, as a subquery: one per count, so that
    several counts on one list neither multiply each other nor add a query per row."""
    rows = (
        model.objects.filter(assessment=OuterRef("pk"), **filters)
        .order_by()
        .values("assessment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


class SpecificAssessmentMappingInline(admin.TabularInline):
    """Mappings that name this very assessment (category mappings live in their own list)."""

    model = CompetencyMapping
    fk_name = "assessment"
    fields = ("competency", "level_granted", "minimum_score", "validity_months")
    autocomplete_fields = ("competency",)
    extra = 0
    verbose_name = gettext_lazy("competency this assessment validates")
    verbose_name_plural = gettext_lazy("competencies this assessment validates (mappings naming this assessment)")


class QuestionBankInline(admin.TabularInline):
    """The bank, read-only, on the assessment's page; each question is edited on its own page
    (with its answer options), or the whole bank is replaced from a file."""

    model = Question
    template = "admin/assessments/assessment/question_bank_inline.html"
    fields = ("number", "kind", "question_text", "points", "competency", "option_count", "readiness", "edit_link")
    readonly_fields = fields
    extra = 0
    verbose_name = gettext_lazy("question")
    verbose_name_plural = gettext_lazy("question bank")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("competency").prefetch_related("options")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("question"))
    def question_text(self, obj: Question) -> str:
        return Truncator(obj.text).chars(80)

    @admin.display(description=gettext_lazy("options"))
    def option_count(self, obj: Question) -> int:
        return len(obj.options.all())

    @admin.display(description=gettext_lazy("ready?"))
    def readiness(self, obj: Question) -> str:
        problems = question_problems(obj)
        if not problems:
            return _("Ready")
        return format_html_join("", "<div>{}</div>", ((problem,) for problem in problems))

    @admin.display(description=gettext_lazy("edit"))
    def edit_link(self, obj: Question) -> str:
        url = reverse("admin:assessments_question_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Edit question %(number)s") % {"number": obj.number})


ASSESSMENT_FORM_FIELDS = (
    "title",
    "code",
    "category",
    "pass_percentage",
    "validity_months",
    "is_published",
    "instructions",
    "time_limit_minutes",
    "questions_per_attempt",
    "draw_per_competency",
    "shuffle_questions",
    "shuffle_options",
    "max_attempts",
    "cooldown_minutes",
    "opens_at",
    "closes_at",
    "review_policy",
    "requires_fullscreen",
    "flag_threshold",
    "audience",
    "eligible_positions",
    "eligible_sections",
    "eligible_employees",
)


class AssessmentForm(forms.ModelForm):
    """Refuses to publish an assessment that is not ready; a draft may be saved in any state."""

    class Meta:
        model = Assessment
        # The admin's fieldsets choose the fields; a form needs a list of its own.
        fields = ASSESSMENT_FORM_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("is_published"):
            # The settings as they would be saved, judged against the bank as it is.
            candidate = copy.copy(self.instance)
            for name in ("questions_per_attempt", "draw_per_competency", "opens_at", "closes_at"):
                if name in cleaned:
                    setattr(candidate, name, cleaned[name])
            # Publishing checks the window; an assessment published earlier whose window has
            # since closed may still be edited, as long as its closing time is left alone.
            already_published = bool(self.instance.pk and self.initial.get("is_published"))
            check_window = not already_published or "closes_at" in self.changed_data
            problems = assessment_publish_problems(candidate, check_window=check_window)
            if problems:
                self.add_error(
                    "is_published",
                    [
                        _("It cannot be published yet:"),
                        *problems,
                        _("Untick “published” to save it as a draft."),
                    ],
                )
        return cleaned


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    form = AssessmentForm
    change_form_template = "admin/assessments/assessment/change_form.html"
    list_display = (
        "title",
        "category",
        "is_published",
        "question_count",
        "time_limit",
        "window",
        "attempt_count",
        "result_count",
    )
    list_filter = ("is_published", "category")
    search_fields = ("title", "code", "category")
    inlines = (QuestionBankInline, SpecificAssessmentMappingInline)
    readonly_fields = ("category_mappings", "publish_check")
    autocomplete_fields = ("eligible_positions", "eligible_sections", "eligible_employees")
    fieldsets = (
        (
            gettext_lazy("Assessment"),
            {"fields": ("title", "code", "category", "pass_percentage", "validity_months", "category_mappings")},
        ),
        (
            gettext_lazy("Taking it online"),
            {
                "fields": (
                    "is_published",
                    "publish_check",
                    "instructions",
                    "time_limit_minutes",
                    ("questions_per_attempt", "draw_per_competency"),
                    ("shuffle_questions", "shuffle_options"),
                    ("max_attempts", "cooldown_minutes"),
                    ("opens_at", "closes_at"),
                    "review_policy",
                    "requires_fullscreen",
                    "flag_threshold",
                )
            },
        ),
        (
            gettext_lazy("Who may take it"),
            {
                "fields": ("audience", "eligible_positions", "eligible_sections", "eligible_employees"),
                "description": gettext_lazy(
                    "With “Only the positions, sections and people listed”, an employee may take it when their "
                    "position, their section or they themselves are listed."
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_count=_count_per_assessment(Question),
                attempt_count=_count_per_assessment(Attempt, is_preview=False),
                result_count=_count_per_assessment(AssessmentResult),
            )
        )

    @admin.display(description=gettext_lazy("questions"), ordering="question_count")
    def question_count(self, obj) -> int:
        return obj.question_count

    @admin.display(description=gettext_lazy("time"), ordering="time_limit_minutes")
    def time_limit(self, obj: Assessment) -> str:
        return _("%(minutes)s min") % {"minutes": obj.time_limit_minutes}

    @admin.display(description=gettext_lazy("attempts taken"), ordering="attempt_count")
    def attempt_count(self, obj) -> int:
        return obj.attempt_count

    @admin.display(description=gettext_lazy("results"), ordering="result_count")
    def result_count(self, obj) -> int:
        return obj.result_count

    @admin.display(description=gettext_lazy("window"), ordering="opens_at")
    def window(self, obj: Assessment) -> str:
        if obj.opens_at and obj.closes_at:
            return _("%(start)s to %(end)s") % {"start": _when(obj.opens_at), "end": _when(obj.closes_at)}
        if obj.opens_at:
            return _("from %(start)s") % {"start": _when(obj.opens_at)}
        if obj.closes_at:
            return _("until %(end)s") % {"end": _when(obj.closes_at)}
        return _("always")

    @admin.display(description=gettext_lazy("also validated through category mappings"))
    def category_mappings(self, obj: Assessment) -> str:
        if obj.pk is None:
            return _("Shown after saving.")
        matching = [
            m for m in CompetencyMapping.objects.filter(assessment__isnull=True).candidates_for(obj) if m.matches(obj)
        ]
        if not matching:
            return _("None.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((str(m),) for m in matching)))

    @admin.display(description=gettext_lazy("ready to publish?"))
    def publish_check(self, obj: Assessment) -> str:
        if obj.pk is None:
            return _("Save it first, then add questions or import a question bank.")
        problems = assessment_publish_problems(obj)
        if not problems:
            return _("Yes: its bank and settings are ready for employees.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems)))

    # The change page's tools: preview as a taker, add a question, the bank as a file.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = dict(extra_context or {})
        if object_id and object_id.isdigit():
            pk = int(object_id)
            context["preview_url"] = reverse("assessments:preview", args=[pk])
            tools = []
            if request.user.has_perm("assessments.add_question"):
                tools.append((_("Add a question"), reverse("admin:assessments_question_add") + f"?assessment={pk}"))
            if request.user.has_perms(QUESTION_BANK_IMPORT_PERMISSIONS):
                tools.append(
                    (_("Import questions"), reverse("admin:assessments_assessment_import_questions", args=[pk]))
                )
            if request.user.has_perms(QUESTION_BANK_EXPORT_PERMISSIONS):
                tools += [
                    (
                        _("Export questions (%(format)s)") % {"format": fmt.upper()},
                        reverse("admin:assessments_assessment_export_questions", args=[pk, fmt]),
                    )
                    for fmt in FORMATS
                ]
            context["question_bank_tools"] = tools
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path(
                "<int:assessment_id>/import-questions/",
                view(self.question_bank_import_view),
                name="assessments_assessment_import_questions",
            ),
            path(
                "<int:assessment_id>/export-questions/<str:fmt>/",
                view(self.question_bank_export_view),
                name="assessments_assessment_export_questions",
            ),
            *super().get_urls(),
        ]

    # The question bank as a spreadsheet. The same three steps as the other imports
    # (hrportal.admin.SpreadsheetAdminMixin: upload, preview or errors, confirm what was
    # previewed), but for one assessment, whose id is in the address.

    def _assessment_for_bank(
        self, request: HttpRequest, assessment_id: int, permissions: tuple[str, ...]
    ) -> Assessment:
        if not request.user.has_perms(permissions):
            raise PermissionDenied
        assessment = Assessment.objects.filter(pk=assessment_id).first()
        if assessment is None:
            raise Http404
        return assessment

    def question_bank_export_view(self, request: HttpRequest, assessment_id: int, fmt: str) -> HttpResponse:
        assessment = self._assessment_for_bank(request, assessment_id, QUESTION_BANK_EXPORT_PERMISSIONS)
        if fmt not in FORMATS:
            raise Http404
        filename = f"{question_bank_filename(assessment)}-{timezone.localdate():%Y-%m-%d}"
        return download_response(question_bank_dataset(assessment), filename=filename, fmt=fmt)

    @staticmethod
    def _importer(assessment: Assessment) -> SpreadsheetImporter[QuestionBankPlan]:
        return SpreadsheetImporter(
            key="questions",
            title=_("Import the question bank of “%(assessment)s”") % {"assessment": assessment.title},
            columns=_(
                "One row per question. The file replaces this assessment's bank: a question whose number is "
                "in the file is updated, a new number adds a question, and a question the file does not have "
                "is removed (attempts already made keep their own copy)."
            ),
            permissions=QUESTION_BANK_IMPORT_PERMISSIONS,
            plan=lambda content, fmt, options: question_bank_import_plan(
                assessment=assessment, content=content, fmt=fmt
            ),
            apply=lambda plan, by, note: question_bank_import_apply(plan=plan),
        )

    @staticmethod
    def _session_key(assessment: Assessment) -> str:
        return f"question_bank_import:{assessment.pk}"

    def question_bank_import_view(self, request: AuthenticatedRequest, assessment_id: int) -> HttpResponse:
        assessment = self._assessment_for_bank(request, assessment_id, QUESTION_BANK_IMPORT_PERMISSIONS)
        importer = self._importer(assessment)
        if request.method == "POST" and "fingerprint" in request.POST:
            return self._question_bank_confirm(request, assessment, importer)
        posted = request.method == "POST"
        form = SpreadsheetImportForm(
            request.POST if posted else None, request.FILES if posted else None, importer=importer
        )
        if posted and form.is_valid():
            upload = form.cleaned_data["file"]
            stored = {"name": upload.name, "content": base64.b64encode(upload.read()).decode("ascii")}
            request.session[self._session_key(assessment)] = stored
            return self._question_bank_preview(request, assessment, importer, stored)
        return self._render_question_bank_import(request, assessment, importer, form=form)

    @staticmethod
    def _plan(importer: SpreadsheetImporter[QuestionBankPlan], stored: dict[str, str]) -> QuestionBankPlan:
        content = base64.b64decode(stored["content"])
        return importer.plan(content, format_from_name(stored["name"]), ImportOptions())

    def _question_bank_preview(
        self,
        request: HttpRequest,
        assessment: Assessment,
        importer: SpreadsheetImporter[QuestionBankPlan],
        stored: dict[str, str],
    ) -> HttpResponse:
        try:
            plan = self._plan(importer, stored)
        except ImportFileError as error:
            request.session.pop(self._session_key(assessment), None)
            return self._render_question_bank_import(
                request,
                assessment,
                importer,
                form=SpreadsheetImportForm(importer=importer),
                errors=error.errors,
                error_count=error.total,
                filename=stored["name"],
            )
        return self._render_question_bank_import(request, assessment, importer, plan=plan, filename=stored["name"])

    def _question_bank_confirm(
        self, request: AuthenticatedRequest, assessment: Assessment, importer: SpreadsheetImporter[QuestionBankPlan]
    ) -> HttpResponse:
        import_url = reverse("admin:assessments_assessment_import_questions", args=[assessment.pk])
        stored = request.session.get(self._session_key(assessment))
        if stored is None:
            messages.warning(request, _("There is no previewed file to import: upload it again."))
            return redirect(import_url)
        try:
            plan = self._plan(importer, stored)
        except ImportFileError:
            return self._question_bank_preview(request, assessment, importer, stored)
        if plan.fingerprint() != request.POST["fingerprint"]:
            messages.warning(
                request, _("What this file would change is different now from what you previewed. Check it again.")
            )
            return self._question_bank_preview(request, assessment, importer, stored)
        try:
            importer.apply(plan, request.user, f"import {stored['name']}")
        except IntegrityError:
            messages.warning(request, _("The data changed while importing, so nothing was imported. Check it again."))
            return self._question_bank_preview(request, assessment, importer, stored)
        request.session.pop(self._session_key(assessment), None)
        audit_event(
            event=AuditEvent.IMPORT,
            obj=assessment,
            request=request,
            data={"import": "questions", "file": stored["name"], "summary": str(plan.summary()), "door": "admin"},
        )
        messages.success(
            request,
            _("Imported %(file)s into the question bank: %(summary)s")
            % {"file": stored["name"], "summary": plan.summary()},
        )
        return redirect("admin:assessments_assessment_change", assessment.pk)

    def _render_question_bank_import(
        self,
        request: HttpRequest,
        assessment: Assessment,
        importer: SpreadsheetImporter[QuestionBankPlan],
        **context: Any,
    ) -> TemplateResponse:
        plan = context.get("plan")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": importer.title,
            "importer": importer,
            "assessment": assessment,
            "columns": QUESTION_BANK_COLUMNS,
            "sections": plan.sections() if plan else [],
            "fingerprint": plan.fingerprint() if plan else "",
            "changelist_url": reverse("admin:assessments_assessment_changelist"),
            "change_url": reverse("admin:assessments_assessment_change", args=[assessment.pk]),
            "import_url": reverse("admin:assessments_assessment_import_questions", args=[assessment.pk]),
            **context,
        }
        return TemplateResponse(request, "admin/assessments/assessment/question_bank_import.html", context)


class AnswerOptionForm(forms.ModelForm):
    class Meta:
        model = AnswerOption
        fields = ("order", "text", "is_correct")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A table's cells have no <label>: each input says which option it belongs to.
        row = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        number = int(row) + 1 if row.isdigit() else ""
        for name, label in (
            ("order", _("Order of option %(number)s")),
            ("text", _("Text of option %(number)s")),
            ("is_correct", _("Option %(number)s is correct")),
        ):
            self.fields[name].widget.attrs["aria-label"] = label % {"number": number}


class AnswerOptionFormSet(forms.BaseInlineFormSet):
    """The options of a question of a published assessment must leave the question ready to take."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            number = index + 1 if index is not None else ""
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete option %(number)s") % {"number": number}

    def clean(self) -> None:
        super().clean()
        question = cast(Question, self.instance)
        if question.assessment_id is None or any(form.errors for form in self.forms):
            return
        if not Assessment.objects.filter(pk=question.assessment_id, is_published=True).exists():
            return
        options = [
            AnswerOption(text=form.cleaned_data["text"], is_correct=form.cleaned_data.get("is_correct", False))
            for form in self.forms
            if form.cleaned_data.get("text") and not form.cleaned_data.get("DELETE")
        ]
        problems = question_problems(question, options=options)
        if problems:
            raise forms.ValidationError(
                [
                    _("The assessment is published, so this question must stay ready to take:"),
                    *problems,
                    _("Correct it, or unpublish the assessment first."),
                ]
            )


class AnswerOptionInline(admin.TabularInline):
    model = AnswerOption
    form = AnswerOptionForm
    formset = AnswerOptionFormSet
    fields = ("order", "text", "is_correct")
    max_num = MAX_OPTIONS  # the question bank file has option_a … option_h
    verbose_name = gettext_lazy("answer option")
    verbose_name_plural = gettext_lazy("answer options (choice questions only; order is the order in the bank)")

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return 0 if obj is not None and obj.options.exists() else 4


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("number", "question_text", "assessment", "kind", "points", "competency", "option_count")
    list_display_links = ("number", "question_text")
    list_filter = ("assessment", "kind", ("competency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("text", "assessment__title", "competency__code")
    list_select_related = ("assessment", "competency")
    # Assessments are few (a plain list, preselected from the assessment's page); competencies many.
    autocomplete_fields = ("competency",)
    inlines = (AnswerOptionInline,)
    # No bulk delete: questions are removed one at a time (their page says when they may be)
    # or by importing a bank, both of which keep a published assessment ready to take.
    actions = None
    fieldsets = (
        (None, {"fields": ("assessment", "number", "kind", "text", "points", "competency")}),
        (
            gettext_lazy("Answer"),
            {
                "fields": ("partial_credit", "true_false_answer", "accepted_answers", "explanation"),
                "description": gettext_lazy(
                    "Choice questions: tick the correct options below (single choice: exactly one). "
                    "True or false: say whether the statement is true. Short answer: list the accepted answers."
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(option_count=Count("options"))

    def has_delete_permission(self, request, obj=None) -> bool:
        # A published assessment's bank shrinks only through an import, which checks it stays ready.
        if obj is not None and obj.assessment.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request) -> dict[str, Any]:
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        assessment_id = str(initial.get("assessment", ""))
        if assessment_id.isdigit():
            last = Question.objects.filter(assessment_id=int(assessment_id)).order_by("-number").first()
            initial.setdefault("number", last.number + 1 if last else 1)
        return initial

    @admin.display(description=gettext_lazy("question"))
    def question_text(self, obj: Question) -> str:
        return Truncator(obj.text).chars(80)

    @admin.display(description=gettext_lazy("options"), ordering="option_count")
    def option_count(self, obj) -> int:
        return obj.option_count

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        problems = question_problems(form.instance)
        if problems:
            messages.warning(
                request,
                _("Saved, but question %(number)s is not ready to publish: %(problems)s")
                % {"number": form.instance.number, "problems": " ".join(problems)},
            )

    def _back_to_assessment(self, request: HttpRequest, obj: Question, response: HttpResponse) -> HttpResponse:
        """After "Save", HC returns to the assessment's bank; "Save and add another" stays on it."""
        if IS_POPUP_VAR in request.POST or "_continue" in request.POST or "_saveasnew" in request.POST:
            return response
        if "_addanother" in request.POST:
            return HttpResponseRedirect(reverse("admin:assessments_question_add") + f"?assessment={obj.assessment_id}")
        return HttpResponseRedirect(reverse("admin:assessments_assessment_change", args=[obj.assessment_id]))

    def response_add(self, request, obj, post_url_continue=None):
        return self._back_to_assessment(request, obj, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._back_to_assessment(request, obj, super().response_change(request, obj))


class PreviewFilter(admin.SimpleListFilter):
    title = gettext_lazy("taken by")
    parameter_name = "preview"

    def lookups(self, request, model_admin):
        return (("no", _("employees (counted)")), ("yes", _("HC previewing (never counted)")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_preview=self.value() == "yes")
        return queryset


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Attempts are written by the attempt services only (start, answer, finalise, review):
    here HC reads them."""

    list_display = ("started", "taker", "assessment", "state", "score", "review", "integrity")
    list_filter = ("status", "review_status", PreviewFilter, "assessment")
    search_fields = (*EMPLOYEE_SEARCH_FIELDS, "assessment__title")
    list_select_related = ("employee", "assessment")
    date_hierarchy = "started_at"
    fieldsets = (
        (None, {"fields": ("taker", "assessment", "preview_display", "state", "started", "deadline", "finished")}),
        (gettext_lazy("Result"), {"fields": ("score", "passed_display", "points", "result")}),
        (
            gettext_lazy("Integrity"),
            {"fields": ("integrity", "seconds_away", "review", "reviewer", "review_note", "review_link")},
        ),
    )
    readonly_fields = (
        "taker",
        "assessment",
        "preview_display",
        "state",
        "started",
        "deadline",
        "finished",
        "score",
        "passed_display",
        "points",
        "result",
        "integrity",
        "seconds_away",
        "review",
        "reviewer",
        "review_note",
        "review_link",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("started"), ordering="started_at")
    def started(self, obj: Attempt) -> str:
        return _when(obj.started_at)

    @admin.display(description=gettext_lazy("deadline"))
    def deadline(self, obj: Attempt) -> str:
        return _when(obj.deadline)

    @admin.display(description=gettext_lazy("finished"))
    def finished(self, obj: Attempt) -> str:
        if obj.finished_at is None:
            return "–"
        return _("%(when)s (%(reason)s)") % {"when": _when(obj.finished_at), "reason": obj.get_finish_reason_display()}

    @admin.display(description=gettext_lazy("employee"), ordering="employee__last_name")
    def taker(self, obj: Attempt) -> str:
        return str(obj.employee)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def state(self, obj: Attempt) -> str:
        if obj.is_preview:
            return _("%(status)s (HC preview)") % {"status": obj.get_status_display()}
        return obj.get_status_display()

    @admin.display(description=gettext_lazy("passed"), boolean=True, ordering="passed")
    def passed_display(self, obj: Attempt) -> bool | None:
        return obj.passed

    @admin.display(description=gettext_lazy("points"))
    def points(self, obj: Attempt) -> str:
        if obj.points_possible is None:
            return "–"
        return f"{obj.points_earned} / {obj.points_possible}"

    @admin.display(description=gettext_lazy("review"), ordering="review_status")
    def review(self, obj: Attempt) -> str:
        return obj.get_review_status_display()

    @admin.display(description=gettext_lazy("integrity points"), ordering="integrity_points")
    def integrity(self, obj: Attempt) -> int:
        return obj.integrity_points

    @admin.display(description=gettext_lazy("preview"), boolean=True, ordering="is_preview")
    def preview_display(self, obj: Attempt) -> bool:
        return obj.is_preview

    @admin.display(description=gettext_lazy("reviewed by"))
    def reviewer(self, obj: Attempt) -> str:
        if obj.reviewed_by is None:
            return "–"
        if obj.reviewed_at is None:
            return str(obj.reviewed_by)
        return _("%(who)s on %(when)s") % {"who": obj.reviewed_by, "when": _when(obj.reviewed_at)}

    @admin.display(description=gettext_lazy("review page"))
    def review_link(self, obj: Attempt) -> str:
        if obj.review_status != ReviewStatus.FLAGGED:
            return "–"
        url = reverse("assessments:review_attempt", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Review this flagged attempt"))


class CompetencyMappingForm(forms.ModelForm):
    class Meta:
        model = CompetencyMapping
        fields = ("competency", "level_granted", "minimum_score", "assessment", "category", "title_pattern")
        help_texts = {
            "assessment": gettext_lazy("Either one specific assessment …"),
            "category": gettext_lazy(
                "… or a category (compared case-insensitively), optionally narrowed by a title pattern."
            ),
            "minimum_score": gettext_lazy(
                "Optional. Replaces the assessment's pass percentage for this mapping; "
                "several mappings with rising minimum scores make score bands (the highest reached wins)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keep whitespace so a pattern of only spaces is reported, not silently dropped.
        cast(forms.CharField, self.fields["title_pattern"]).strip = False


class MappingCategoryFilter(admin.AllValuesFieldListFilter):
    """The mappings by category; those naming one assessment have none, and their choice says so
    (Django's would be a link without text)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "" or choice["display"].startswith(" ("):  # " (3)" with facets
                choice = {**choice, "display": _("None: one assessment") + choice["display"]}
            yield choice


# Who may re-evaluate the stored results after a mapping change: HC (User.is_hc) who may change mappings.
REEVALUATE_PERMISSION = "assessments.change_competencymapping"
# The most rises a re-evaluation preview lists one by one (the count and the confirm cover all).
REEVALUATION_PREVIEW_ROWS = 200


@admin.register(CompetencyMapping)
class CompetencyMappingAdmin(admin.ModelAdmin):
    form = CompetencyMappingForm
    change_list_template = "admin/assessments/competencymapping/change_list.html"
    list_display = (
        "competency",
        "level_granted",
        "source_description",
        "minimum_score",
        "matching_count",
        "results_matched",
        "levels_granted",
    )
    list_filter = ("level_granted", ("category", MappingCategoryFilter), "competency__group")
    search_fields = (
        "competency__code",
        *search_columns("competency__name"),
        "category",
        "title_pattern",
        "assessment__title",
    )
    autocomplete_fields = ("competency", "assessment")
    list_select_related = ("competency", "assessment")
    readonly_fields = ("matching_assessments", "usage")
    fieldsets = (
        (None, {"fields": ("competency", "level_granted", "minimum_score", "validity_months")}),
        (
            gettext_lazy("Which assessments"),
            {"fields": ("assessment", "category", "title_pattern", "matching_assessments", "usage")},
        ),
    )

    def get_queryset(self, request):
        # results_matched and levels_granted: two subqueries in the list's one query.
        return cast(CompetencyMappingQuerySet, super().get_queryset(request)).with_usage()

    def get_urls(self) -> list[URLPattern]:
        return [
            path("health/", self.admin_site.admin_view(self.health_view), name="assessments_competencymapping_health"),
            path(
                "reevaluate/",
                self.admin_site.admin_view(self.reevaluate_view),
                name="assessments_competencymapping_reevaluate",
            ),
            *super().get_urls(),
        ]

    def has_reevaluate_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_hc and user.has_perm(REEVALUATE_PERMISSION)

    def changelist_view(self, request, extra_context=None):
        # One query for all assessments, shared by every row's match count.
        self._all_assessments = list(Assessment.objects.all())
        context = {**(extra_context or {}), "health_url": reverse("admin:assessments_competencymapping_health")}
        if self.has_reevaluate_permission(request):
            context["reevaluate_url"] = reverse("admin:assessments_competencymapping_reevaluate")
        return super().changelist_view(request, context)

    def _matching(self, mapping: CompetencyMapping, assessments=None) -> list[Assessment]:
        if assessments is None:
            assessments = Assessment.objects.all()
        return mapping_coverage(mappings=[mapping], assessments=assessments)[mapping.pk]

    @admin.display(description=gettext_lazy("source"))
    def source_description(self, obj: CompetencyMapping) -> str:
        return obj.source_description

    @admin.display(description=gettext_lazy("matches"))
    def matching_count(self, obj: CompetencyMapping) -> int:
        return len(self._matching(obj, getattr(self, "_all_assessments", None)))

    @admin.display(description=gettext_lazy("results matched"), ordering="results_matched")
    def results_matched(self, obj) -> int:
        return obj.results_matched

    @admin.display(description=gettext_lazy("levels granted"), ordering="levels_granted")
    def levels_granted(self, obj) -> int:
        return obj.levels_granted

    @admin.display(description=gettext_lazy("use so far"))
    def usage(self, obj) -> str:
        if obj.pk is None:
            return _("Shown after saving.")
        return _(
            "%(results)s stored results reach its threshold on the assessments it covers; "
            "%(levels)s levels were raised to its level by such results (voided results left out)."
        ) % {"results": obj.results_matched, "levels": obj.levels_granted}

    @admin.display(description=gettext_lazy("existing assessments it matches"))
    def matching_assessments(self, obj: CompetencyMapping) -> str:
        if obj.pk is None:
            return _("Shown after saving (use “Save and continue editing”).")
        matching = self._matching(obj)
        if not matching:
            return _("None of the existing assessments match.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}</li>",
                (
                    (_("%(assessment)s (pass %(pass)s %%)") % {"assessment": a, "pass": a.pass_percentage},)
                    for a in matching
                ),
            ),
        )

    # Mapping health and re-evaluation

    def _page_context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "changelist_url": reverse("admin:assessments_competencymapping_changelist"),
            "health_url": reverse("admin:assessments_competencymapping_health"),
            "reevaluate_url": reverse("admin:assessments_competencymapping_reevaluate")
            if self.has_reevaluate_permission(request)
            else "",
        }

    def health_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        health = mapping_health()
        findings = [
            {
                "finding": finding,
                "first_url": reverse("admin:assessments_competencymapping_change", args=[finding.first.pk]),
                "second_url": reverse("admin:assessments_competencymapping_change", args=[finding.second.pk]),
            }
            for finding in health.findings
        ]
        uncovered = [
            (assessment, reverse("admin:assessments_assessment_change", args=[assessment.pk]))
            for assessment in health.uncovered
        ]
        context = {
            **self._page_context(request, _("Mapping health")),
            "health": health,
            "findings": findings,
            "uncovered": uncovered,
            "add_url": reverse("admin:assessments_competencymapping_add"),
        }
        return TemplateResponse(request, "admin/assessments/competencymapping/health.html", context)

    def reevaluate_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_reevaluate_permission(request):
            raise PermissionDenied
        by = cast(User, request.user)
        if request.method == "POST":
            try:
                plan = reevaluation_apply(fingerprint=request.POST.get("fingerprint", ""), by=by)
            except ReevaluationOutdated:
                messages.warning(
                    request,
                    _("What re-evaluating would raise is different now from what you previewed. Check it again."),
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "Re-evaluated: %(count)s level raised.",
                        "Re-evaluated: %(count)s levels raised.",
                        len(plan.raises),
                    )
                    % {"count": len(plan.raises)},
                )
                return HttpResponseRedirect(reverse("admin:assessments_competencymapping_reevaluate"))
        plan = reevaluation_plan(by=by)
        context = {
            **self._page_context(request, _("Re-evaluate results under the current mappings")),
            "plan": plan,
            "rows": [
                {
                    "change": change,
                    "result_url": reverse("admin:assessments_assessmentresult_change", args=[change.result.pk]),
                    "mapping_url": reverse("admin:assessments_competencymapping_change", args=[change.mapping.pk]),
                }
                for change in plan.raises[:REEVALUATION_PREVIEW_ROWS]
            ],
            "more": max(0, len(plan.raises) - REEVALUATION_PREVIEW_ROWS),
            "fingerprint": plan.fingerprint(),
        }
        return TemplateResponse(request, "admin/assessments/competencymapping/reevaluate.html", context)


class ResultRecordForm(forms.ModelForm):
    class Meta:
        model = AssessmentResult
        fields = ("employee", "assessment", "score", "completed_at")

    # Set per request by AssessmentResultAdmin.get_form: the HC member recording the result.
    current_user: User | None = None

    def clean_employee(self):
        employee = self.cleaned_data["employee"]
        if self.current_user is not None and employee == self.current_user:
            raise forms.ValidationError(_("Nobody records their own result: ask another HC member."))
        return employee

    def clean_completed_at(self):
        completed_at = self.cleaned_data["completed_at"]
        if completed_at > timezone.now():
            raise forms.ValidationError(_("The completion time is in the future."))
        return completed_at


@admin.register(AssessmentResult)
class AssessmentResultAdmin(ResultImportPagesMixin, ResultAdminPagesMixin, admin.ModelAdmin):
    """Results are immutable: HC records new ones here and views old ones read-only; HC may
    void one (or a wrong file's worth) with a reason, and export them (assessments.result_admin),
    and import a file of them (assessments.result_import_admin)."""

    form = ResultRecordForm
    list_display = ("employee", "assessment", "score", "passed", "completed_at", "recorded_by", "voided")
    # "import": a wrong file's results, to void them with one action.
    list_filter = (
        VoidedFilter,
        "passed",
        "assessment__category",
        "assessment",
        ("import_batch", admin.RelatedOnlyFieldListFilter),
    )
    actions = ("void_selected",)
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
                *(("voided_when", "void_reason", "voided_levels") if obj.is_voided else ()),
            )
        return ("employee", "assessment", "score", "completed_at")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else ()

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("levels this result raised"))
    def levels_granted(self, obj: AssessmentResult) -> str:
        # A void's fall-backs name the result too; they are listed apart (voided_levels).
        rows = (
            CompetencyLevelHistory.objects.filter(
                evidence_type__app_label="assessments", evidence_type__model="assessmentresult", evidence_id=obj.pk
            )
            .exclude(source=LevelSource.VOIDED)
            .select_related("competency")
            .order_by("changed_at", "pk")
        )
        if not rows:
            return _("None.")
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
                _("%(code)s %(old)s → %(new)s")
                % {"code": c.competency.code, "old": level_label(c.old_level), "new": level_label(c.new_level)}
                for c in recorded.level_changes
            )
            messages.success(request, _("Levels raised: %(changes)s.") % {"changes": changes})
        else:
            messages.info(
                request, _("No level changed (failed, below every mapping's threshold, or already at that level).")
            )
