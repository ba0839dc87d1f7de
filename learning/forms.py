from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from learning.models import LearningObjective
from learning.services import EDITABLE_FIELDS, validate_due_date


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = LearningObjective
        fields = EDITABLE_FIELDS
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "specific": forms.Textarea(attrs={"rows": 3}),
            "measurable": forms.Textarea(attrs={"rows": 3}),
            "achievable": forms.Textarea(attrs={"rows": 2}),
            "relevant": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "specific": _("The competency and what the level looks like."),
            "measurable": _("The assessment or deliverable that will show you reached it."),
            "achievable": _("One level at a time."),
            "relevant": _("The position or next role it serves."),
            "due_date": _("Time-bound: when you mean to have reached it."),
        }

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date != self.instance.due_date:
            try:
                validate_due_date(due_date)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["due_date"]) from error
        return due_date
