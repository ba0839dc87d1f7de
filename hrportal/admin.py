from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count

from hrportal.models import Notification, Position, Section, User

# For admins of models with an `employee` foreign key: find rows by the person's name or number.
EMPLOYEE_SEARCH_FIELDS = (
    "employee__username",
    "employee__first_name",
    "employee__last_name",
    "employee__employee_number",
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
    list_filter = ("section", "position", "is_staff", "is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email", "employee_number")
    autocomplete_fields = ("position", "section", "supervisor")
    list_select_related = ("position", "section", "supervisor")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Organisation", {"fields": ("employee_number", "position", "section", "supervisor")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (
            "Organisation",
            {"fields": ("first_name", "last_name", "email", "employee_number", "position", "section", "supervisor")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # HC staff manage people but cannot hand out superuser powers or one-off permissions.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

    @admin.display(description="name", ordering="last_name")
    def display_name(self, obj: User) -> str:
        return obj.display_name


class _NamedWithEmployeesAdmin(admin.ModelAdmin):
    list_display = ("name", "employee_count")
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(employee_count=Count("employees"))

    @admin.display(description="employees", ordering="employee_count")
    def employee_count(self, obj) -> int:
        return obj.employee_count


@admin.register(Section)
class SectionAdmin(_NamedWithEmployeesAdmin):
    pass


@admin.register(Position)
class PositionAdmin(_NamedWithEmployeesAdmin):
    pass


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by hrportal.notifications.notify, so HC can see what was sent."""

    list_display = ("created_at", "recipient", "subject", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("subject", "recipient__username", "recipient__first_name", "recipient__last_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    fields = ("recipient", "subject", "body", "url", "created_at", "read_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
