"""HC reads ratings in the admin; nobody writes them there. A self-rating is the employee's
own and a supervisor rating the supervisor's (surveys.services): an admin form would let HC
put words in either's mouth."""

from django.contrib import admin

from hrportal.admin import EMPLOYEE_SEARCH_FIELDS, ReadOnlyAdmin
from surveys.models import SelfRating, SelfRatingHistory, SupervisorRating
from surveys.round_admin import SurveyRoundAdmin  # noqa: F401 -- registers HC's rounds


@admin.register(SelfRating)
class SelfRatingAdmin(ReadOnlyAdmin):
    list_display = ("employee", "competency", "level", "updated_at")
    list_filter = ("competency__group", "employee__section")
    search_fields = (*EMPLOYEE_SEARCH_FIELDS, "competency__code")
    list_select_related = ("employee", "competency")


@admin.register(SelfRatingHistory)
class SelfRatingHistoryAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "employee", "competency", "old_level", "new_level", "changed_by")
    list_filter = ("competency__group", "employee__section")
    search_fields = (*EMPLOYEE_SEARCH_FIELDS, "competency__code")
    list_select_related = ("employee", "competency", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(SupervisorRating)
class SupervisorRatingAdmin(ReadOnlyAdmin):
    list_display = ("employee", "competency", "level", "rated_by", "rated_at")
    list_filter = ("competency__group", "employee__section")
    search_fields = (*EMPLOYEE_SEARCH_FIELDS, "competency__code", "comment")
    list_select_related = ("employee", "competency", "rated_by")
