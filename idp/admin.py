"""HC's view of every development item: filter, inspect, verify completed items in bulk."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hrportal.admin import EMPLOYEE_SEARCH_FIELDS
from hrportal.translated import search_columns
from idp.models import OPEN_WORK_STATUSES, IdpItem, IdpItemTransition, ItemStatus
from idp.services import TransitionNotAllowed, idp_item_verify


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"  # in the URL: stays the same in every language

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        overdue = {"status__in": OPEN_WORK_STATUSES, "target_date__lt": timezone.localdate()}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


class TransitionInline(admin.TabularInline):
    model = IdpItemTransition
    fields = ("created_at", "from_status", "to_status", "by", "on_behalf_of", "escalated_to", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdpItem)
class IdpItemAdmin(admin.ModelAdmin):
    """Read-only: items change only through the workflow (idp.services), here by the bulk verify action."""

    list_display = ("employee", "competency", "activity_type", "target_level", "target_date", "status", "overdue")
    list_filter = ("status", OverdueFilter, "activity_type", "employee__section", "competency__group", "competency")
    search_fields = (*EMPLOYEE_SEARCH_FIELDS, "competency__code", *search_columns("competency__name"), "description")
    list_select_related = ("employee", "competency")
    date_hierarchy = "target_date"
    inlines = (TransitionInline,)
    actions = ("verify_selected",)
    readonly_fields = (
        "employee",
        "competency",
        "activity_type",
        "assessment",
        "description",
        "target_level",
        "target_date",
        "status",
        "supervisor_comment",
        "evidence_note",
        "evidence_link",
        "evidence_download",
        "verified_level",
        "submitted_at",
        "escalation",
        "escalated_at",
        "created_at",
    )
    exclude = ("updated_at", "evidence_file")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("evidence file"))
    def evidence_download(self, obj: IdpItem) -> str:
        # Through the access-checked view: evidence files have no public URL.
        if not obj.evidence_file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("idp:item_evidence", args=[obj.pk]), _("Download"))

    @admin.display(boolean=True, description=gettext_lazy("overdue"))
    def overdue(self, obj: IdpItem) -> bool:
        return obj.is_overdue

    @admin.action(description=gettext_lazy("Verify the selected completed items at their target level"))
    def verify_selected(self, request, queryset) -> None:
        verified, skipped = 0, []
        # Counted before verifying: a verified item is no longer "completed" either.
        not_completed = queryset.exclude(status=ItemStatus.COMPLETED).count()
        for item in queryset.filter(status=ItemStatus.COMPLETED).select_related("employee", "competency"):
            try:
                idp_item_verify(item=item, by=request.user)
                verified += 1
            except (TransitionNotAllowed, PermissionDenied) as error:
                skipped.append(_("%(item)s: %(problem)s") % {"item": item, "problem": error})
        messages.success(
            request, ngettext("%(count)s item verified.", "%(count)s items verified.", verified) % {"count": verified}
        )
        if not_completed:
            messages.warning(
                request,
                ngettext(
                    "%(count)s selected item was not completed and was left as it is.",
                    "%(count)s selected items were not completed and were left as they are.",
                    not_completed,
                )
                % {"count": not_completed},
            )
        for line in skipped:
            messages.warning(request, line)
