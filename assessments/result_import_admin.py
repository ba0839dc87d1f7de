"""The results import's admin door: upload → (columns and completion date, when needed) →
preview → confirm, and the list of imports with each one's progress.

The reading, planning and writing are assessments.results_import's (the command's too); this
module only asks for what the file lacks and shows the plan. The file waits in the session
between the steps, as in hrportal.admin.SpreadsheetAdminMixin, and the preview's fingerprint
travels in the confirm form, so a confirmation whose plan has changed meanwhile shows the new
preview instead of applying something unseen.

A file of at most IN_REQUEST_MAX new results is imported in the request. A larger one is a
background task (assessments.tasks.results_import_run, on the TASKS backend: django-tasks-db's
worker, `manage.py db_worker`), which plans the file again and refuses it if the plan is no
longer the one previewed; its ResultImport row shows the progress on its page.

Who: HC with `assessments.add_assessmentresult`; nobody imports their own result (the plan
refuses the file, naming the line).
"""

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks_db.models import DBTaskResult

from assessments.models import (
    Assessment,
    AssessmentResult,
    ImportStatus,
    ResultImport,
)
from assessments.results_import import (
    IGNORE,
    PREVIEW_LINES,
    FileNeeds,
    GradebookColumn,
    ImportOutdated,
    ResultsPlan,
    file_needs,
    result_column_mappings_remember,
    results_import_apply,
    results_import_plan,
)
from assessments.tasks import mappings_to_remember, names_for_plan, results_import_run
from hrportal.admin import clean_import_upload
from hrportal.formatting import format_percent
from hrportal.models import User
from hrportal.spreadsheets import (
    ImportFileError,
    SpreadsheetError,
    format_from_name,
    import_file_help,
)

# The most new results imported while HC waits for the page; a larger file is a background task.
IN_REQUEST_MAX = 2_000
IMPORT_PERMISSION = "assessments.add_assessmentresult"
SESSION_KEY = "results_import"

# django-tasks-db's own admin lists raw task rows (arguments included, which for an import hold
# the file); HC follows an import on its ResultImport page instead.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


def _count(number: int) -> str:
    return number_format(number, force_grouping=True)


def _file_help() -> str:
    return _(
        "One row per result (employee_number or email, assessment (code or title), score, completed_at), "
        "or an LMS gradebook such as Moodle's grade export (one row per person, columns like \"Quiz: GSH Basic "
        '(Percentage)"). %(formats)s'
    ) % {"formats": import_file_help()}


COMPLETED_AT_HELP = gettext_lazy(
    "Needed for a gradebook file (one row per person), which has no dates, and for rows without a "
    "completion date: the day the results were obtained, in the portal's time zone. Leave it empty "
    "when every row has its own date."
)


class ResultsUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Results file"), help_text=lazy(_file_help, str)())
    completed_at = forms.DateField(
        label=gettext_lazy("Completion date for the whole file"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=COMPLETED_AT_HELP,
    )

    def clean_file(self):
        return clean_import_upload(self.cleaned_data["file"])


def _assessment_choices() -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", _("Choose…")), (IGNORE, _("Ignore this column"))]
    assessments = [
        (str(assessment.pk), f"{assessment.title} ({assessment.code})" if assessment.code else assessment.title)
        for assessment in Assessment.objects.order_by("title", "pk").only("pk", "title", "code")
    ]
    return [*choices, (_("Assessments"), assessments)]


class ColumnMappingForm(forms.Form):
    """One select per column to decide, the completion date when the file needs one, and whether
    to remember the choices for the next file."""

    def __init__(self, *args: Any, needs: FileNeeds, chosen: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs = needs
        choices = _assessment_choices() if needs.to_decide else []
        self.column_fields: list[tuple[str, GradebookColumn]] = []
        for column in needs.to_decide:
            name = f"column_{column.index}"
            initial = chosen.get(column.header)
            if initial is None and column.how == "remembered":
                initial = str(column.assessment_id) if column.assessment_id else IGNORE
            self.fields[name] = forms.ChoiceField(
                label=column.label,
                choices=choices,
                initial=initial or "",
                help_text=_("Remembered from an earlier file.") if column.how == "remembered" else "",
            )
            self.column_fields.append((name, column))
        if needs.needs_date:
            self.fields["completed_at"] = forms.DateField(
                label=_("Completion date for the whole file"),
                required=True,  # asked only when some result has no date of its own
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text=COMPLETED_AT_HELP,
            )
        if self.column_fields:
            self.fields["remember"] = forms.BooleanField(
                label=_("Remember these mappings for the next file"),
                required=False,
                initial=True,
                help_text=_("A later file with the same column headers then goes straight to the preview."),
            )

    def columns(self) -> dict[str, str]:
        """{header: assessment pk or "-"} as chosen."""
        return {column.header: self.cleaned_data[name] for name, column in self.column_fields}


# The admin pages


def _by(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@dataclass(frozen=True)
class PreviewSection:
    title: str
    total: str  # the whole count, with thousands separators
    lines: list[str]
    note: str
    is_change: bool


def preview_sections(plan: ResultsPlan) -> list[PreviewSection]:
    """The plan's lists, each with its complete count and at most PREVIEW_LINES lines shown."""
    totals = {
        _("New results"): len(plan.new_results),
        _("Level changes"): len(plan.level_changes),
        _("Duplicates skipped"): len(plan.duplicates),
        _("Repeated in the file"): len(plan.repeated),
        _("No grade"): len(plan.no_grade),
        _("Columns mapped"): len(plan.columns_mapped),
        _("Columns ignored"): len(plan.columns_ignored),
    }
    sections = []
    for section in plan.sections():
        lines = section.lines
        total = totals.get(section.title, len(lines))
        if len(lines) > PREVIEW_LINES + 1:  # level changes come in full
            more = len(lines) - PREVIEW_LINES
            lines = [
                *lines[:PREVIEW_LINES],
                ngettext("…and %(count)s more.", "…and %(count)s more.", more) % {"count": f"{more:,}"},
            ]
        sections.append(PreviewSection(section.title, _count(total), lines, section.note, section.is_change))
    return sections


if TYPE_CHECKING:
    _ModelAdminBase = admin.ModelAdmin[AssessmentResult]
else:
    _ModelAdminBase = object


class ResultImportPagesMixin(_ModelAdminBase):
    """Adds the "Import results" page to the result admin."""

    def has_import_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_hc and user.has_perm(IMPORT_PERMISSION)

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{prefix}_import"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = dict(extra_context or {})
        if self.has_import_permission(request):
            context["import_url"] = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        return super().changelist_view(request, context)

    def _import_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            request.session.pop(SESSION_KEY, None)
            return self._render(request, step="upload", form=ResultsUploadForm())
        step = request.POST.get("step", "upload")
        if step == "upload":
            form = ResultsUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                return self._render(request, step="upload", form=form)
            upload = form.cleaned_data["file"]
            day = form.cleaned_data.get("completed_at")
            stored = {
                "name": upload.name,
                "content": base64.b64encode(upload.read()).decode("ascii"),
                "completed_at": day.isoformat() if day else "",
                "columns": {},
                "remember": True,
            }
            request.session[SESSION_KEY] = stored
            return self._after_upload(request, stored)
        kept = request.session.get(SESSION_KEY)
        if kept is None:
            messages.warning(request, _("There is no uploaded file to import: upload it again."))
            return HttpResponseRedirect(self._import_url())
        stored = dict(kept)
        if step == "mapping":
            return self._mapping(request, stored)
        if step == "remap":
            return self._mapping(request, stored, show_only=True)
        if step == "confirm":
            return self._confirm(request, stored)
        return HttpResponseRedirect(self._import_url())

    # --- Steps ------------------------------------------------------------------------------------

    def _content(self, stored: dict[str, Any]) -> tuple[bytes, str]:
        return base64.b64decode(stored["content"]), format_from_name(stored["name"])

    def _after_upload(self, request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
        try:
            needs = file_needs(*self._content(stored))
        except ImportFileError as error:
            return self._errors(request, stored, error)
        unmapped = any(column.how == "unmapped" for column in needs.columns)
        if unmapped or (needs.needs_date and not stored["completed_at"]):
            return self._render_mapping(request, stored, needs, _mapping_form(stored, needs))
        return self._preview(request, stored)

    def _mapping(self, request: HttpRequest, stored: dict[str, Any], *, show_only: bool = False) -> HttpResponse:
        try:
            needs = file_needs(*self._content(stored))
        except ImportFileError as error:
            return self._errors(request, stored, error)
        if show_only:
            return self._render_mapping(request, stored, needs, _mapping_form(stored, needs))
        form = _mapping_form(stored, needs, request.POST)
        if not form.is_valid():
            return self._render_mapping(request, stored, needs, form)
        day = form.cleaned_data.get("completed_at")
        if "completed_at" in form.fields:
            stored["completed_at"] = day.isoformat() if day else ""
        stored["columns"] = form.columns()
        stored["remember"] = bool(form.cleaned_data.get("remember"))
        request.session[SESSION_KEY] = stored
        return self._preview(request, stored)

    def _plan(self, request: HttpRequest, stored: dict[str, Any]) -> ResultsPlan:
        content, fmt = self._content(stored)
        return results_import_plan(
            content=content,
            fmt=fmt,
            file_name=stored["name"],
            by=_by(request),
            completed_at=stored["completed_at"] or None,
            columns=names_for_plan(stored["columns"]),
        )

    def _preview(self, request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
        try:
            plan = self._plan(request, stored)
        except ImportFileError as error:
            return self._errors(request, stored, error)
        return self._render(
            request,
            step="preview",
            plan=plan,
            sections=preview_sections(plan),
            fingerprint=plan.fingerprint(),
            in_background=len(plan.new_results) > IN_REQUEST_MAX,
            stored=stored,
        )

    def _errors(self, request: HttpRequest, stored: dict[str, Any], error: ImportFileError) -> HttpResponse:
        return self._render(
            request,
            step="upload",
            form=ResultsUploadForm(),
            errors=error.errors,
            error_count=error.total,
            stored=stored,
            can_remap=bool(stored.get("columns")) or _is_wide(stored),
        )

    def _confirm(self, request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
        try:
            plan = self._plan(request, stored)
        except ImportFileError as error:
            return self._errors(request, stored, error)
        if plan.fingerprint() != request.POST.get("fingerprint"):
            messages.warning(
                request, _("What this file would change is different now from what you previewed. Check it again.")
            )
            return self._preview(request, stored)
        if plan.is_empty:
            messages.info(request, _("Nothing to import: every result in this file is recorded already."))
            return self._preview(request, stored)
        by = _by(request)
        if len(plan.new_results) > IN_REQUEST_MAX:
            return self._enqueue(request, stored, plan, by)
        try:
            batch = results_import_apply(plan=plan, by=by, door="admin")
        except (ImportOutdated, IntegrityError):
            messages.warning(request, _("The data changed while importing, so nothing was imported. Check it again."))
            return self._preview(request, stored)
        if stored["columns"] and stored["remember"]:
            result_column_mappings_remember(mappings=mappings_to_remember(stored["columns"]), by=by)
        request.session.pop(SESSION_KEY, None)
        messages.success(
            request, _("Imported %(file)s: %(summary)s") % {"file": stored["name"], "summary": plan.summary()}
        )
        return HttpResponseRedirect(f"{reverse('admin:assessments_assessmentresult_changelist')}?{_batch_query(batch)}")

    def _enqueue(self, request: HttpRequest, stored: dict[str, Any], plan: ResultsPlan, by: User) -> HttpResponse:
        batch = ResultImport.objects.create(
            file_name=plan.file_name[:255], shape=plan.shape, imported_by=by, rows_total=len(plan.new_results)
        )
        results_import_run.enqueue(
            import_id=batch.pk,
            file_name=plan.file_name,
            content=stored["content"],
            completed_at=stored["completed_at"],
            columns=stored["columns"],
            remember=bool(stored["columns"] and stored["remember"]),
            fingerprint=plan.fingerprint(),
            language=translation.get_language() or "",
        )
        request.session.pop(SESSION_KEY, None)
        messages.info(
            request,
            _("The import of %(file)s runs in the background: this page shows how far it is.")
            % {"file": plan.file_name},
        )
        return HttpResponseRedirect(reverse("admin:assessments_resultimport_change", args=[batch.pk]))

    # --- Rendering --------------------------------------------------------------------------------

    def _render_mapping(
        self, request: HttpRequest, stored: dict[str, Any], needs: FileNeeds, form: ColumnMappingForm
    ) -> HttpResponse:
        return self._render(
            request,
            step="mapping",
            form=form,
            needs=needs,
            settled=[column for column in needs.columns if column.how in ("by name", "ignored")],
            stored=stored,
        )

    def _render(self, request: HttpRequest, **context: Any) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import results"),
            "changelist_url": reverse("admin:assessments_assessmentresult_changelist"),
            "import_url": self._import_url(),
            "in_request_max": _count(IN_REQUEST_MAX),
            **context,
        }
        return TemplateResponse(request, "admin/assessments/assessmentresult/import.html", context)


def _mapping_form(stored: dict[str, Any], needs: FileNeeds, data: Any = None) -> ColumnMappingForm:
    """The mapping step's form, showing what was chosen so far (the upload's date included)."""
    initial = {"completed_at": stored["completed_at"] or None, "remember": stored["remember"]}
    return ColumnMappingForm(data, needs=needs, chosen=stored["columns"], initial=initial)


def _is_wide(stored: dict[str, Any]) -> bool:
    try:
        return file_needs(base64.b64decode(stored["content"]), format_from_name(stored["name"])).shape == "wide"
    except (ImportFileError, SpreadsheetError):
        return False


def _batch_query(batch: ResultImport) -> str:
    return f"import_batch__id__exact={batch.pk}"


# The imports themselves: a read-only list, and each one's page with its progress


def import_progress(batch: ResultImport) -> dict[str, Any]:
    """What the progress page shows, as its script polls it."""
    total, done = batch.rows_total, batch.rows_done
    percent = 100 if total == 0 and batch.status == ImportStatus.DONE else (done * 100 // total if total else 0)
    return {
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "rows_done": done,
        "rows_total": total,
        "percent": percent,
        # As the page writes it ("40%", "40 %"): the script shows this text, never its own.
        "percent_text": format_percent(percent),
        "text": _("%(done)s of %(total)s results recorded") % {"done": _count(done), "total": _count(total)},
        "finished": batch.status in (ImportStatus.DONE, ImportStatus.FAILED),
    }


@admin.register(ResultImport)
class ResultImportAdmin(admin.ModelAdmin):
    """Every results file imported: who, when, status, progress and counts; each one's page
    follows a background import as it runs and links to its results. Read-only."""

    list_display = ("__str__", "imported_by", "status", "progress", "results_created", "level_changes", "results_link")
    list_filter = ("status", "shape")
    list_select_related = ("imported_by",)
    search_fields = ("file_name",)
    date_hierarchy = "created_at"

    def has_view_permission(self, request: HttpRequest, obj: ResultImport | None = None) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_hc and user.has_perm("assessments.view_assessmentresult")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ResultImport | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ResultImport | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="assessments_resultimport_progress",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: ResultImport) -> str:
        return _("%(done)s of %(total)s") % {"done": _count(obj.rows_done), "total": _count(obj.rows_total)}

    @admin.display(description=gettext_lazy("results"))
    def results_link(self, obj: ResultImport) -> str:
        if not obj.results_created:
            return "–"
        url = f"{reverse('admin:assessments_assessmentresult_changelist')}?{_batch_query(obj)}"
        return format_html('<a href="{}">{}</a>', url, _("Its results"))

    def _batch(self, request: HttpRequest, object_id: str) -> ResultImport:
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = self.get_object(request, object_id)
        if batch is None:
            raise Http404(_("There is no such import."))
        return batch

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self._batch(request, object_id)
        if request.method == "POST":
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Results import: %(file)s") % {"file": batch.file_name},
            "batch": batch,
            "progress": import_progress(batch),
            "progress_url": reverse("admin:assessments_resultimport_progress", args=[batch.pk]),
            "results_url": f"{reverse('admin:assessments_assessmentresult_changelist')}?{_batch_query(batch)}",
            "changelist_url": reverse("admin:assessments_resultimport_changelist"),
            "history_url": reverse("admin:assessments_resultimport_history", args=[batch.pk]),
            "started": timezone.localtime(batch.created_at),
            "counts": [
                (_("New results"), _count(batch.results_created)),
                (_("Duplicates skipped"), _count(batch.duplicates_skipped)),
                (_("Level changes"), _count(batch.level_changes)),
            ],
        }
        return TemplateResponse(request, "admin/assessments/resultimport/progress.html", context)

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        return JsonResponse(import_progress(self._batch(request, object_id)))
