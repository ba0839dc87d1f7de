"""HC runs self-assessment rounds in the admin: each save goes through surveys.rounds.survey_round_save,
which tells the round's people once it is open (saving again tells nobody twice)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import SurveyRound
from surveys.rounds import round_status, survey_round_save

ROUND_FIELDS = ("name", "sections", "positions", "opens_on", "deadline", "reminder_days")


class SurveyRoundAdminForm(forms.ModelForm):
    class Meta:
        model = SurveyRound
        fields = ROUND_FIELDS
        # Checkboxes: an organisation has a few dozen sections and positions at most, each box
        # is labelled for a screen reader, and they work on a phone (select2's multiple box fails axe).
        widgets = {"sections": forms.CheckboxSelectMultiple, "positions": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["opens_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_on, deadline = data.get("opens_on"), data.get("deadline")
        if opens_on and deadline and deadline < opens_on:
            self.add_error("deadline", _("The deadline cannot be before the round opens."))
        deadline_chosen = self.instance.pk is None or "deadline" in self.changed_data
        if deadline and deadline < timezone.localdate() and deadline_chosen:
            self.add_error("deadline", _("The deadline has passed: choose today or a later day."))
        if "sections" in data and "positions" in data and not data["sections"] and not data["positions"]:
            self.add_error("sections", _("Choose at least one section or position: nobody would be in the round."))
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        # clean() names the field for each of the model's constraints (the database still
        # enforces them); the model's generic "constraint violated" message would only repeat it.
        return None


@admin.register(SurveyRound)
class SurveyRoundAdmin(admin.ModelAdmin):
    form = SurveyRoundAdminForm
    fields = ROUND_FIELDS
    list_display = ("name", "status", "opens_on", "deadline", "reminder_days", "created_by", "completion_link")
    list_select_related = ("created_by",)
    search_fields = ("name",)
    date_hierarchy = "opens_on"

    def get_fields(self, request: Any, obj: Any = None) -> Any:
        return ROUND_FIELDS if obj is None else (*ROUND_FIELDS, "created_by", "created_at")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return () if obj is None else ("created_by", "created_at")

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj: SurveyRound) -> str:
        return str(round_status(obj, timezone.localdate()).label)

    @admin.display(description=gettext_lazy("completion"))
    def completion_link(self, obj: SurveyRound) -> str:
        return format_html('<a href="{}">{}</a>', reverse("surveys:round", args=[obj.pk]), _("Completion by section"))

    def save_model(self, request: Any, obj: SurveyRound, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = survey_round_save(
            round_=obj if change else None,
            name=data["name"],
            sections=data["sections"],
            positions=data["positions"],
            opens_on=data["opens_on"],
            deadline=data["deadline"],
            reminder_days=data["reminder_days"],
            by=request.user,
        )
        # The admin goes on with `obj` (its message, its log entry): make it the saved row.
        obj.pk, obj.created_by_id, obj.created_at = saved.pk, saved.created_by_id, saved.created_at
        obj._state.adding, obj._state.db = False, saved._state.db

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        # The service set the sections and positions; saving them again would change nothing.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
