import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import tablib
from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from hrportal.access import account_readonly_fields, can_manage_account, can_manage_delegation
from hrportal.accounts import account_change_notify
from hrportal.audit import audit_event
from hrportal.background import enqueue_on_commit, task_failures_resolve, task_label
from hrportal.delegation import delegation_create, delegation_end, validate_delegation
from hrportal.forms import PortalPasswordResetForm
from hrportal.joining import code_format, join_code_create, join_code_revoke, validate_join_code
from hrportal.models import (
    ApprovalDelegation,
    AuditEntry,
    AuditEvent,
    JoinCode,
    JoinCodeStatus,
    Notification,
    PeriodicJob,
    Position,
    Section,
    SpreadsheetImport,
    TaskFailure,
    User,
)
from hrportal.people_import import employees_dataset, employees_import_apply, employees_import_plan
from hrportal.periodic import job_label
from hrportal.spreadsheets import (
    FORMATS,
    ImportFileError,
    ImportOptions,
    ImportPlan,
    SpreadsheetError,
    SpreadsheetImporter,
    download_response,
    format_from_name,
    import_file_help,
)
from hrportal.tasks import spreadsheet_import_run, spreadsheet_importer
from hrportal.translated import localized, search_columns
from hrportal.typing import AuthenticatedRequest

# For admins of models with an `employee` foreign key: find rows by the person's name or number.
EMPLOYEE_SEARCH_FIELDS = (
    "employee__username",
    "employee__first_name",
    "employee__last_name",
    "employee__employee_number",
)


# Spreadsheet import and export in the admin. An import is three steps: upload, a preview of
# what would change (or the file's errors), and a confirmation that queues exactly what was
# previewed. The file waits in the session between the steps (they are small); the preview's
# fingerprint travels in the confirm form, so a confirmation whose plan has changed meanwhile
# (another import, an edit) shows the new preview instead of applying something unseen. The
# confirmed file is applied by a background task (hrportal.tasks.spreadsheet_import_run), which
# checks the fingerprint once more when its turn comes; its SpreadsheetImport row shows HC how
# it went.

MAX_IMPORT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SpreadsheetExport:
    key: str
    label: "str | Promise"  # "Export matrix"
    filename: str  # without date and extension
    permissions: tuple[str, ...]
    dataset: Callable[[], tablib.Dataset]


class SpreadsheetImportForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=lazy(import_file_help, str)())
    remove = forms.BooleanField(required=False)
    create_missing = forms.BooleanField(required=False)

    def __init__(self, *args, importer: "SpreadsheetImporter[Any]", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A typo in a header must not create a position: new ones need this explicit tick.
        for name, label in (("remove", importer.remove_label), ("create_missing", importer.create_missing_label)):
            if label:
                self.fields[name].label = str(label)
            else:
                del self.fields[name]

    def clean_file(self):
        return clean_import_upload(self.cleaned_data["file"])


def clean_import_upload(upload):
    """An uploaded import file, refused (ValidationError) unless it is a .csv or .xlsx of at most
    MAX_IMPORT_BYTES: what every import form checks before reading it."""
    try:
        format_from_name(upload.name)
    except SpreadsheetError as error:
        raise forms.ValidationError(str(error)) from None
    if upload.size > MAX_IMPORT_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    return upload


if TYPE_CHECKING:
    # To the type checker the mixin is the ModelAdmin it is mixed into, so that `opts`,
    # `admin_site` and the views it extends through super() are known. At run time it stays
    # a plain mixin.
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object


class SpreadsheetAdminMixin(_ModelAdminBase):
    """Adds `spreadsheet_imports` and `spreadsheet_exports` to a ModelAdmin, with buttons on its list."""

    # Each importer has its own plan type, hence Any: the views only pass an importer's plan
    # back to that same importer.
    spreadsheet_imports: tuple[SpreadsheetImporter[Any], ...] = ()
    spreadsheet_exports: tuple[SpreadsheetExport, ...] = ()
    change_list_template = "admin/spreadsheet_change_list.html"

    def _url_name(self, action: str, key: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{action}_{key}"

    def get_urls(self) -> list[URLPattern]:
        def wrap(view, item):
            return self.admin_site.admin_view(lambda request, **kwargs: view(request, item, **kwargs))

        urls = [
            path(f"import-{item.key}/", wrap(self.import_view, item), name=self._url_name("import", item.key))
            for item in self.spreadsheet_imports
        ] + [
            path(f"export-{item.key}/<str:fmt>/", wrap(self.export_view, item), name=self._url_name("export", item.key))
            for item in self.spreadsheet_exports
        ]
        return urls + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        links = [
            (item.title, reverse(f"admin:{self._url_name('import', item.key)}"))
            for item in self.spreadsheet_imports
            if request.user.has_perms(item.permissions)
        ] + [
            (f"{item.label} ({fmt.upper()})", reverse(f"admin:{self._url_name('export', item.key)}", args=[fmt]))
            for item in self.spreadsheet_exports
            if request.user.has_perms(item.permissions)
            for fmt in FORMATS
        ]
        return super().changelist_view(request, {**(extra_context or {}), "spreadsheet_links": links})

    def export_view(self, request: HttpRequest, export: SpreadsheetExport, fmt: str) -> HttpResponse:
        if not request.user.has_perms(export.permissions):
            raise PermissionDenied
        if fmt not in FORMATS:
            raise Http404(_("Unknown format."))
        filename = f"{export.filename}-{timezone.localdate():%Y-%m-%d}"
        return download_response(export.dataset(), filename=filename, fmt=fmt)

    def import_view(self, request: AuthenticatedRequest, importer: SpreadsheetImporter[Any]) -> HttpResponse:
        if not request.user.has_perms(importer.permissions):
            raise PermissionDenied
        if request.method == "POST" and "fingerprint" in request.POST:
            return self._import_confirm(request, importer)
        form = SpreadsheetImportForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            importer=importer,
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            stored = {
                "name": upload.name,
                "content": base64.b64encode(upload.read()).decode("ascii"),
                "remove": bool(form.cleaned_data.get("remove")),
                "create_missing": bool(form.cleaned_data.get("create_missing")),
            }
            request.session[self._session_key(importer)] = stored
            return self._import_preview(request, importer, stored)
        return self._render_import(request, importer, form=form)

    def _session_key(self, importer: SpreadsheetImporter[Any]) -> str:
        return f"spreadsheet_import:{self._url_name('import', importer.key)}"

    def _plan[PlanT: ImportPlan](
        self, request: HttpRequest, importer: SpreadsheetImporter[PlanT], stored: dict[str, Any]
    ) -> PlanT:
        content = base64.b64decode(stored["content"])
        options = ImportOptions(
            remove=stored["remove"],
            create_missing=stored.get("create_missing", False),
            by=request.user if isinstance(request.user, User) else None,
        )
        return importer.plan(content, format_from_name(stored["name"]), options)

    def _import_preview(
        self, request: HttpRequest, importer: SpreadsheetImporter[Any], stored: dict[str, Any]
    ) -> HttpResponse:
        try:
            plan = self._plan(request, importer, stored)
        except ImportFileError as error:
            request.session.pop(self._session_key(importer), None)
            form = SpreadsheetImportForm(importer=importer)
            return self._render_import(
                request, importer, form=form, errors=error.errors, error_count=error.total, filename=stored["name"]
            )
        return self._render_import(
            request,
            importer,
            plan=plan,
            filename=stored["name"],
            remove=stored["remove"],
            create_missing=stored.get("create_missing", False),
        )

    def _import_confirm[PlanT: ImportPlan](
        self, request: AuthenticatedRequest, importer: SpreadsheetImporter[PlanT]
    ) -> HttpResponse:
        import_url = reverse(f"admin:{self._url_name('import', importer.key)}")
        stored = request.session.get(self._session_key(importer))
        if stored is None:
            messages.warning(request, _("There is no previewed file to import: upload it again."))
            return redirect(import_url)
        try:
            plan = self._plan(request, importer, stored)
        except ImportFileError:
            return self._import_preview(request, importer, stored)
        if plan.fingerprint() != request.POST["fingerprint"]:
            messages.warning(
                request, _("What this file would change is different now from what you previewed. Check it again.")
            )
            return self._import_preview(request, importer, stored)
        # Applying outlives a request at scale (100,000 employees): it is a background task, which
        # plans the file again and applies it only if the plan is still this one.
        # PostgreSQL stores no NUL (in the row, nor in the task's JSON), which an uploaded file's name may hold.
        file_name = stored["name"].replace("\x00", "")
        with transaction.atomic():
            batch = SpreadsheetImport.objects.create(
                model=ContentType.objects.get_for_model(self.model),
                importer=importer.key,
                file_name=file_name[:255],
                remove=stored["remove"],
                create_missing=stored.get("create_missing", False),
                imported_by=request.user,
            )
            enqueue_on_commit(
                spreadsheet_import_run,
                import_id=batch.pk,
                file_name=file_name,
                content=stored["content"],
                fingerprint=plan.fingerprint(),
                language=translation.get_language() or "",
            )
        request.session.pop(self._session_key(importer), None)
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The import of %(file)s is queued: you will be notified when it is done.") % {"file": stored["name"]},
                reverse("admin:hrportal_spreadsheetimport_change", args=[batch.pk]),
                _("Follow it here."),
            ),
        )
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def _render_import(
        self, request: HttpRequest, importer: SpreadsheetImporter[Any], **context: Any
    ) -> TemplateResponse:
        plan = context.get("plan")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": importer.title,
            "importer": importer,
            "sections": plan.sections() if plan else [],
            "fingerprint": plan.fingerprint() if plan else "",
            "changelist_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
            "import_url": reverse(f"admin:{self._url_name('import', importer.key)}"),
            **context,
        }
        return TemplateResponse(request, "admin/spreadsheet_import.html", context)


EMPLOYEES_IMPORT = SpreadsheetImporter(
    key="employees",
    title=_("Import employees"),
    # The column names stay as they are in every language: they are the headers the file must have.
    columns=_(
        "Columns: employee_number, first_name, last_name, email, section, position, supervisor_employee_number "
        "and, optionally, username and language (en-gb or id: the language of their pages and emails). One row "
        "per employee, found by employee number: new people are created without a usable password (they choose "
        "one with “Forgotten your password?”), existing ones are updated, and a blank username or language keeps "
        "the current one; people the file does not mention are left alone. An empty supervisor means none. "
        "Sections and positions the database lacks are errors (with a did-you-mean hint) unless you tick "
        "the option to create them."
    ),
    permissions=("hrportal.add_user", "hrportal.change_user"),
    plan=lambda content, fmt, options: employees_import_plan(
        content=content, fmt=fmt, create_missing=options.create_missing, by=options.by
    ),
    apply=lambda plan, by, note: employees_import_apply(plan=plan),
    create_missing_label=_("Create the sections and positions this file names that do not exist yet"),
)
EMPLOYEES_EXPORT = SpreadsheetExport(
    key="employees",
    label=_("Export employees"),
    filename="employees",
    permissions=("hrportal.view_user",),
    dataset=employees_dataset,
)


class HcUserAddForm(forms.ModelForm):
    """HC adds a person without a password: they choose it through the reset link."""

    class Meta:
        model = User
        fields = (
            "username",
            "first_name",
            "last_name",
            "email",
            "employee_number",
            "position",
            "section",
            "supervisor",
            "language",
        )

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email", "")
        if not email:
            raise forms.ValidationError(_("A new person needs an email address to choose their password."))
        return email


HC_ADD_FIELDSETS = (
    (None, {"fields": ("username",)}),
    (
        _("Organisation"),
        {
            "fields": (
                "first_name",
                "last_name",
                "email",
                "language",
                "employee_number",
                "position",
                "section",
                "supervisor",
            )
        },
    ),
)


@admin.register(User)
class UserAdmin(SpreadsheetAdminMixin, DjangoUserAdmin):
    spreadsheet_imports = (EMPLOYEES_IMPORT,)
    spreadsheet_exports = (EMPLOYEES_EXPORT,)
    list_display = (
        "username",
        "display_name",
        "employee_number",
        "position",
        "section",
        "supervisor",
        "is_staff",
        "is_active",
    )
    list_filter = ("section", "position", "language", "is_staff", "is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email", "employee_number")
    autocomplete_fields = ("position", "section", "supervisor")
    list_select_related = ("position", "section", "supervisor")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        # The language is set here for those who never open their profile (an operator without a
        # computer still gets their emails in Indonesian); it grants nothing, so hrportal.access
        # leaves it to HC for anyone they may edit, themselves included.
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Organisation"), {"fields": ("employee_number", "position", "section", "supervisor")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (
            _("Organisation"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "email",
                    "language",
                    "employee_number",
                    "position",
                    "section",
                    "supervisor",
                )
            },
        ),
    )

    def has_change_permission(self, request, obj=None) -> bool:
        # Separation of duties (hrportal.access.can_manage_account): HC never edits a
        # superuser, other HC staff or whoever approves for them; they see them read-only.
        if obj is not None and not can_manage_account(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined", "password_reset", *account_readonly_fields(request.user, obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        if obj is None:
            return HC_ADD_FIELDSETS
        # HC never sees a password hash nor sets a password: a reset link goes to the owner.
        return [
            (name, {**options, "fields": [f if f != "password" else "password_reset" for f in options["fields"]]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = HcUserAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        reset = path(
            "<int:user_id>/send-password-reset/",
            self.admin_site.admin_view(self.send_password_reset_view),
            name="hrportal_user_send_password_reset",
        )
        return [reset, *super().get_urls()]

    @admin.display(description=_("password"))
    def password_reset(self, obj: User) -> str:
        if not obj.pk:
            return ""
        state = _("set") if obj.has_usable_password() else _("not chosen yet")
        url = reverse("admin:hrportal_user_send_password_reset", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', state, url, _("Send a password-reset email"))

    def send_password_reset_view(self, request: AuthenticatedRequest, user_id: int) -> HttpResponse:
        """HC's only way to help with a password: the owner gets a link and chooses it themselves."""
        account = User.objects.filter(pk=user_id).first()
        if account is None:
            raise Http404
        if not self.has_view_permission(request, account) or not can_manage_account(request.user, account):
            raise PermissionDenied
        change_url = reverse("admin:hrportal_user_change", args=[account.pk])
        if not account.email or not account.is_active:
            messages.error(
                request,
                _("%(name)s has no email address or is inactive: no link can be sent.")
                % {"name": account.display_name},
            )
            return redirect(change_url)
        if request.method == "POST":
            form = PortalPasswordResetForm({"email": account.email})
            form.is_valid()
            form.save(request=request, use_https=request.is_secure())
            audit_event(event=AuditEvent.CHANGE, obj=account, request=request, data={"password_reset_sent": True})
            messages.success(request, _("A password-reset link was sent to %(email)s.") % {"email": account.email})
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Send a password-reset email"),
            "account": account,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/hrportal/user/send_password_reset.html", context)

    def user_change_password(self, request, id, form_url=""):
        # Only IT (superusers) ever sets a password for someone; HC sends a reset link instead.
        if not request.user.is_superuser:
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            account = User.objects.get(pk=id)
            account_change_notify(account=account, changed=["password"], by=request.user)
        return response

    def save_model(self, request, obj, form, change) -> None:
        # Refuse, whatever the form allowed: the rule, not the form, decides.
        forbidden = [
            name for name in account_readonly_fields(request.user, obj if change else None) if name in form.changed_data
        ]
        if forbidden:
            raise PermissionDenied
        if not change and not request.user.is_superuser:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            account_change_notify(
                account=form.instance,
                changed=list(form.changed_data),
                by=request.user,
                old_email=form.initial.get("email", "") if "email" in form.changed_data else "",
            )

    @admin.display(description=_("name"), ordering="last_name")
    def display_name(self, obj: User) -> str:
        return obj.display_name


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the portal itself (history, imports, scheduled jobs): HC may read them,
    nobody adds, edits or deletes them here."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class _NamedWithEmployeesAdmin(admin.ModelAdmin):
    list_display = ("name", "employee_count")
    search_fields: ClassVar[tuple[str, ...]] = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(employee_count=Count("employees"))

    @admin.display(description=_("employees"), ordering="employee_count")
    def employee_count(self, obj) -> int:
        return obj.employee_count


@admin.register(Section)
class SectionAdmin(_NamedWithEmployeesAdmin):
    pass


class TranslatedNameAdmin(TranslationAdmin):
    """The admin of a model whose name is in both languages (a position, a skill group): the form
    edits both side by side (tabs would need jQuery UI from a CDN, which the CSP refuses), search
    finds either, and the list is in the order of the names the reader sees, English where the
    Indonesian is missing."""

    search_fields: ClassVar[tuple[str, ...]] = search_columns("name")

    def get_ordering(self, request):
        return [localized("name")]


@admin.register(Position)
class PositionAdmin(_NamedWithEmployeesAdmin, TranslatedNameAdmin):
    search_fields = search_columns("name")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by hrportal.notifications.notify, so HC can see what was sent."""

    list_display = ("created_at", "recipient", "subject", "kind", "priority", "read_at", "archived_at")
    list_filter = ("kind", "priority", ("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("subject", "recipient__username", "recipient__first_name", "recipient__last_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    fields = ("recipient", "subject", "body", "url", "kind", "priority", "created_at", "read_at", "archived_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaskFailureDealtWithFilter(admin.SimpleListFilter):
    title = _("dealt with")
    parameter_name = "dealt_with"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("Not yet")), ("yes", _("Yes"))]

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() == "no":
            return queryset.unresolved()
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class TaskFailureKindFilter(admin.SimpleListFilter):
    """The kinds of task that failed, by their labels rather than their module paths."""

    title = _("task")
    parameter_name = "task"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        paths = TaskFailure.objects.order_by("task_path").values_list("task_path", flat=True).distinct()
        return [(path, task_label(path)) for path in paths]

    def queryset(self, request: Any, queryset: Any) -> Any:
        return queryset.filter(task_path=self.value()) if self.value() else queryset


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    """Background tasks that failed on their last attempt (hrportal.background), for HC to follow
    up: read-only, and marked dealt with from the list. Shows what the task says it was about and
    the error, never the task's arguments (see TaskFailure)."""

    list_display = ("failed_at", "task", "description", "error_summary", "attempts", "resolved_at", "resolved_by")
    list_filter = (TaskFailureDealtWithFilter, TaskFailureKindFilter, "failed_at")
    search_fields = ("description", "error")
    list_select_related = ("resolved_by",)
    date_hierarchy = "failed_at"
    fields = ("task", "description", "error", "attempts", "failed_at", "resolved_at", "resolved_by")
    readonly_fields = fields
    actions = ("resolve_selected",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        # The change permission is the right to mark failures dealt with (the list's action);
        # a failure's own page stays read-only.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("task"), ordering="task_path")
    def task(self, obj: TaskFailure) -> Any:
        return task_label(obj.task_path)

    @admin.display(description=_("error"))
    def error_summary(self, obj: TaskFailure) -> str:
        return obj.error.splitlines()[0][:200] if obj.error else ""

    @admin.action(description=_("Mark the selected failures as dealt with"), permissions=["change"])
    def resolve_selected(self, request: Any, queryset: Any) -> None:
        count = task_failures_resolve(failures=queryset, by=request.user)
        messages.success(
            request,
            ngettext("%(count)s failure marked as dealt with.", "%(count)s failures marked as dealt with.", count)
            % {"count": count},
        )


@admin.register(SpreadsheetImport)
class SpreadsheetImportAdmin(ReadOnlyAdmin):
    """Every employees, matrix or descriptors file confirmed in the admin and what became of it
    (hrportal.tasks.spreadsheet_import_run writes it): read-only."""

    list_display = ("__str__", "kind", "imported_by", "status", "summary", "finished_at")
    list_filter = ("status",)
    search_fields = ("file_name",)
    list_select_related = ("imported_by", "model")
    date_hierarchy = "created_at"
    fields = (
        "file_name",
        "kind",
        "remove",
        "create_missing",
        "imported_by",
        "status",
        "summary",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    @admin.display(description=_("import"), ordering="importer")
    def kind(self, obj: SpreadsheetImport) -> Any:
        importer = spreadsheet_importer(obj)
        return importer.title if importer is not None else obj.importer


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyAdmin):
    """When each scheduled job (hrportal.periodic) was last started: read-only."""

    list_display = ("job", "last_slot", "last_enqueued_at")
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("job"), ordering="name")
    def job(self, obj: PeriodicJob) -> Any:
        return job_label(obj.name)


# The audit trail: HC browses, filters and exports it; nobody adds, edits or deletes an entry.
admin.site.unregister(AuditEntry)

AUDIT_EXPORT_MAX_ROWS = 100_000


@admin.register(AuditEntry)
class AuditEntryAdmin(LogEntryAdmin):
    list_display = ["created", "event", "action", "resource_url", "msg_short", "user_url", "remote_addr"]
    list_filter = ["event", "action", ResourceTypeFilter, "timestamp"]
    search_fields = ["object_repr", "object_pk", "actor_email", "actor__username", "remote_addr", "path"]
    readonly_fields = ["created", "event", "resource_url", "action", "user_url", "msg", "context"]
    fieldsets = [
        (None, {"fields": ["created", "event", "user_url", "resource_url"]}),
        (_("Changes"), {"fields": ["action", "msg"]}),
        (_("Request"), {"fields": ["context"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        export = path("export/", self.admin_site.admin_view(self.export_view), name="hrportal_auditentry_export")
        return [export, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        query = request.GET.urlencode()
        export_url = reverse("admin:hrportal_auditentry_export") + (f"?{query}" if query else "")
        return super().changelist_view(request, {**(extra_context or {}), "audit_export_url": export_url})

    @admin.display(description=_("request"))
    def context(self, obj: AuditEntry) -> str:
        parts = [obj.remote_addr or "", obj.path, obj.user_agent]
        if obj.additional_data:
            parts.append(json.dumps(obj.additional_data, ensure_ascii=False, default=str))
        return " · ".join(part for part in parts if part)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The entries the list shows with its current filters and search, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).get_queryset(request)
        # Machine-facing column keys (the same in every language), so that the auditors' tools
        # read every export alike; the values (an action's name) are in the reader's language.
        dataset = tablib.Dataset(
            headers=[
                "timestamp",
                "event",
                "action",
                "actor",
                "object_type",
                "object_id",
                "object",
                "changes",
                "address",
                "path",
                "user_agent",
                "details",
            ]
        )
        for entry in queryset.select_related("content_type", "actor")[:AUDIT_EXPORT_MAX_ROWS]:
            dataset.append(
                [
                    timezone.localtime(entry.timestamp).isoformat(),
                    entry.event,
                    entry.get_action_display(),
                    entry.actor.username if entry.actor else (entry.actor_email or ""),
                    f"{entry.content_type.app_label}.{entry.content_type.model}",
                    entry.object_pk,
                    entry.object_repr,
                    json.dumps(entry.changes_dict, ensure_ascii=False, default=str) if entry.changes else "",
                    entry.remote_addr or "",
                    entry.path,
                    entry.user_agent,
                    json.dumps(entry.additional_data, ensure_ascii=False, default=str) if entry.additional_data else "",
                ]
            )
        return download_response(dataset, filename=f"audit-{timezone.localdate():%Y-%m-%d}", fmt="csv")


# Approval delegations: HC creates one for a supervisor (who is away, say) and ends one early;
# neither ever gives the HC member, or anyone they pick, approval over their own items.
DELEGATION_FIELDS = ("delegator", "delegate", "starts_on", "ends_on", "reason")


class ApprovalDelegationAdminForm(forms.ModelForm):
    class Meta:
        model = ApprovalDelegation
        fields = DELEGATION_FIELDS

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        delegator, delegate = data.get("delegator"), data.get("delegate")
        if delegator is None or delegate is None or not data.get("starts_on") or not data.get("ends_on"):
            return data
        if not can_manage_delegation(self.actor, delegator, delegate):
            field = "delegate" if delegate.pk == self.actor.pk else "delegator"
            self.add_error(
                field,
                _(
                    "You may not create this delegation: it could give you, or someone you choose, approval "
                    "over your own development items. Ask another HC member."
                ),
            )
            return data
        try:
            validate_delegation(
                delegator=delegator, delegate=delegate, starts_on=data["starts_on"], ends_on=data["ends_on"]
            )
        except forms.ValidationError as error:
            self.add_error(None, error)
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        # clean() names the field for each of the model's constraints (and the database still
        # enforces them); the model's generic "constraint violated" message would only repeat it.
        return None


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(admin.ModelAdmin):
    """Created through hrportal.delegation (as on the supervisor's page), then read-only: a
    delegation is ended early, never edited or deleted, so its history stays as it was."""

    form = ApprovalDelegationAdminForm
    list_display = ("delegator", "delegate", "starts_on", "ends_on", "reason", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter), "starts_on", "ends_on")
    search_fields = (
        "delegator__username",
        "delegator__first_name",
        "delegator__last_name",
        "delegate__username",
        "delegate__first_name",
        "delegate__last_name",
    )
    list_select_related = ("delegator", "delegate")
    autocomplete_fields = ("delegator", "delegate")
    date_hierarchy = "starts_on"
    actions = ("end_selected",)

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)

        class WithActor(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, actor=request.user, **inner)

        return WithActor

    def get_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is None:
            return DELEGATION_FIELDS
        return (*DELEGATION_FIELDS, "created_by", "created_at", "ended_at", "ended_by")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return () if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: ApprovalDelegation, form: Any, change: bool) -> None:
        created = delegation_create(
            delegator=obj.delegator,
            delegate=obj.delegate,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            reason=obj.reason,
            by=request.user,
        )
        # The admin goes on with `obj` (its message, its log entry): make it the saved row.
        obj.pk, obj.created_by, obj.created_at, obj.reason = (
            created.pk,
            created.created_by,
            created.created_at,
            created.reason,
        )
        obj._state.adding, obj._state.db = False, created._state.db

    @admin.action(description=_("End the selected delegations now"), permissions=["view"])
    def end_selected(self, request: Any, queryset: Any) -> None:
        ended = 0
        for delegation in queryset.select_related("delegator", "delegate"):
            if delegation.ended_at is not None:
                continue
            if not can_manage_delegation(request.user, delegation.delegator, delegation.delegate):
                messages.warning(
                    request,
                    _("%(delegation)s: not ended, it concerns approvals over your own items.")
                    % {"delegation": delegation},
                )
                continue
            delegation_end(delegation=delegation, by=request.user)
            ended += 1
        messages.success(
            request,
            ngettext("%(count)s delegation ended.", "%(count)s delegations ended.", ended) % {"count": ended},
        )


# Join codes (hrportal.joining): HC creates one, sees it once, and may revoke it; nothing else of a
# code is ever edited (its uses are counted by the redemptions only) and none is deleted.
JOIN_CODE_ADD_FIELDS = ("note", "expires_at", "max_uses")
JOIN_CODE_FIELDS = (
    "code",
    "note",
    "status",
    "uses",
    "max_uses",
    "expires_at",
    "created_by",
    "created_at",
    "revoked_at",
    "revoked_by",
)
JOIN_CODE_DEFAULT_DAYS = 14
JOIN_CODE_DEFAULT_USES = 10
# The code just created waits in the session (server-side) until its page shows it, once.
_NEW_JOIN_CODE_SESSION_KEY = "join_code_created"


class JoinCodeAddForm(forms.ModelForm):
    class Meta:
        model = JoinCode
        fields = JOIN_CODE_ADD_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("expires_at") is not None and data.get("max_uses") is not None:
            try:
                validate_join_code(expires_at=data["expires_at"], max_uses=data["max_uses"])
            except forms.ValidationError as error:
                self.add_error(None, error)
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        # clean() names the field (and the database still enforces the constraints).
        return None


class JoinCodeStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: Any, model_admin: Any) -> Any:
        return JoinCodeStatus.choices

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() in JoinCodeStatus.values:
            return queryset.with_status(self.value())
        return queryset


@admin.register(JoinCode)
class JoinCodeAdmin(admin.ModelAdmin):
    form = JoinCodeAddForm
    list_display = ("code", "note", "status", "uses_of_max", "expires_at", "created_by", "created_at")
    list_filter = (JoinCodeStatusFilter, "created_at")
    search_fields = ("note", "hint")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    actions = ("revoke_selected",)
    change_form_template = "admin/hrportal/joincode/change_form.html"

    def get_fields(self, request: Any, obj: Any = None) -> Any:
        return JOIN_CODE_ADD_FIELDS if obj is None else JOIN_CODE_FIELDS

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return () if obj is None else JOIN_CODE_FIELDS

    def get_changeform_initial_data(self, request: Any) -> dict[str, Any]:
        return {
            "expires_at": (timezone.now() + timedelta(days=JOIN_CODE_DEFAULT_DAYS)).replace(second=0, microsecond=0),
            "max_uses": JOIN_CODE_DEFAULT_USES,
            **super().get_changeform_initial_data(request),
        }

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        # The change permission is the right to revoke (the list's action); a code's own form
        # stays read-only, so nobody edits its uses, limit or expiry.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("code"))
    def code(self, obj: JoinCode) -> str:
        # Only its first characters: the code itself is shown once, when it is created.
        return f"{code_format(obj.hint)}…"

    @admin.display(description=_("status"))
    def status(self, obj: JoinCode) -> str:
        return str(obj.status_at().label)

    @admin.display(description=_("uses"), ordering="uses")
    def uses_of_max(self, obj: JoinCode) -> str:
        return _("%(uses)s of %(max_uses)s") % {"uses": obj.uses, "max_uses": obj.max_uses}

    def save_model(self, request: Any, obj: JoinCode, form: Any, change: bool) -> None:
        created, code = join_code_create(
            expires_at=obj.expires_at, max_uses=obj.max_uses, note=obj.note, by=request.user
        )
        request.session[_NEW_JOIN_CODE_SESSION_KEY] = {"pk": created.pk, "code": code}
        # The admin goes on with `obj` (its message, its log entry): make it the saved row.
        for name in ("pk", "code_hash", "hint", "note", "uses", "created_by_id", "created_at"):
            setattr(obj, name, getattr(created, name))
        obj._state.adding, obj._state.db = False, created._state.db

    def render_change_form(self, request: Any, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        # One button: the code's page (which shows the code) is where every creation leads.
        context.update(show_save_and_add_another=False, show_save_and_continue=False)
        return super().render_change_form(request, context, *args, **kwargs)

    def response_add(self, request: Any, obj: JoinCode, post_url_continue: Any = None) -> HttpResponse:
        return redirect("admin:hrportal_joincode_change", obj.pk)

    def change_view(
        self, request: Any, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        created = request.session.get(_NEW_JOIN_CODE_SESSION_KEY)
        new_code = None
        if created and str(created["pk"]) == str(object_id):
            new_code = created["code"]
            del request.session[_NEW_JOIN_CODE_SESSION_KEY]
        join_url = settings.SITE_URL.rstrip("/") + reverse("join")
        context = {**(extra_context or {}), "new_code": new_code, "join_url": join_url}
        return super().change_view(request, object_id, form_url, context)

    @admin.action(description=_("Revoke the selected join codes now"), permissions=["change"])
    def revoke_selected(self, request: Any, queryset: Any) -> None:
        revoked = 0
        for join_code in queryset:
            if join_code.revoked_at is None:
                join_code_revoke(join_code=join_code, by=request.user)
                revoked += 1
        messages.success(
            request,
            ngettext("%(count)s join code revoked.", "%(count)s join codes revoked.", revoked) % {"count": revoked},
        )
