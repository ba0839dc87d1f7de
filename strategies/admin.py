"""HC keeps the strategies here; applying one to positions is on the portal's strategy pages
(preview, then confirm), so that no target changes from this admin."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from hrportal.translated import search_columns
from strategies.models import Strategy, StrategyTarget


class StrategyTargetFormSet(BaseInlineFormSet):
    """Two rows of one strategy for the same competency (or skill group) and position would
    contradict each other; the database refuses them too, but only once saved."""

    def clean(self) -> None:
        super().clean()
        seen: set[tuple] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE") or not form.has_changed():
                continue
            data = form.cleaned_data
            key = tuple(getattr(data.get(name), "pk", None) for name in ("competency", "skill_group", "position"))
            if key in seen:
                raise ValidationError(
                    _("Two rows name the same competency or skill group for the same position: keep one of them.")
                )
            seen.add(key)


class StrategyTargetInline(admin.TabularInline):
    model = StrategyTarget
    formset = StrategyTargetFormSet
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
