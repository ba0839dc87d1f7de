"""HC's admin for career paths.

Kept apart from competencies/admin.py for now (it is being edited in parallel); registered from
CompetenciesConfig.ready(). To be moved into admin.py.
"""

from django.contrib import admin
from django.db.models import Count

from competencies.models import CareerPath, CareerPathStep


class CareerPathStepInline(admin.TabularInline):
    model = CareerPathStep
    extra = 1
    ordering = ("order",)
    autocomplete_fields = ("position",)
    verbose_name = "step"
    verbose_name_plural = "steps, in order (1 for the first position on the path)"


@admin.register(CareerPath)
class CareerPathAdmin(admin.ModelAdmin):
    list_display = ("name", "step_count")
    search_fields = ("name", "steps__position__name")
    inlines = (CareerPathStepInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(step_count=Count("steps"))

    @admin.display(description="number of steps", ordering="step_count")
    def step_count(self, obj) -> int:
        return obj.step_count
