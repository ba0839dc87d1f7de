"""HC keeps the strategies here; applying one to positions is on the portal's strategy pages
(preview, then confirm), so that no target changes from this admin."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from hrportal.translated import search_columns
from strategies.models import Strategy, StrategyTarget


class StrategyTargetInline(admin.TabularInline):
    model = StrategyTarget
    extra = 0
    fields = ("competency", "skill_group", "position", "target_level")
    autocomplete_fields = ("competency", "skill_group", "position")
    verbose_name = _("target the strategy aims for")
    verbose_name_plural = _(
        "targets it aims for: a competency or a skill group, for one position or (position empty) for every "
        "position; a competency's row wins over its group's, a position's own row over the every-position row"
    )


@admin.register(Strategy)
class StrategyAdmin(TranslationAdmin):
    list_display = ("name", "maturity_min", "maturity_max", "row_count", "apply_link")
    search_fields = search_columns("name")
    inlines = (StrategyTargetInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(row_count=Count("targets"))

    @admin.display(description=_("rows"), ordering="row_count")
    def row_count(self, obj) -> int:
        return obj.row_count

    @admin.display(description=_("apply"))
    def apply_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', reverse("strategies:detail", args=[obj.pk]), _("Apply to positions…"))
