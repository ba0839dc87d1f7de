from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from competencies.models import Competency, level_label
from hrportal.models import User
from idp.models import EVIDENCE_EXTENSIONS, IdpItem
from idp.services import assessments_for_item, validate_item_assessment


class IdpItemForm(forms.ModelForm):
    competency = forms.ModelChoiceField(queryset=Competency.objects.select_related("group").order_by("code"))

    class Meta:
        model = IdpItem
        fields = ("competency", "activity_type", "assessment", "target_level", "target_date", "description")
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "target_level": "The level this activity should bring you to.",
            "description": "What you will do, and what will show that you reached the level.",
            "assessment": _(
                "For an item of type Assessment: passing it closes this item as verified, with the result as evidence."
            ),
        }

    def __init__(self, *args, employee: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.employee = employee
        assessment = cast(forms.ModelChoiceField, self.fields["assessment"])
        # Published assessments open to the employee, and the one the item names already.
        assessment.queryset = assessments_for_item(employee=employee, current=self.instance.assessment).order_by(
            "title", "category"
        )
        assessment.empty_label = _("None")

    def clean(self):
        data = super().clean() or {}
        if data.get("assessment") and "activity_type" in data:
            try:
                validate_item_assessment(
                    employee=self.employee,
                    activity_type=data["activity_type"],
                    assessment=data["assessment"],
                    current=self.instance.assessment,
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def clean_target_date(self):
        target_date = self.cleaned_data["target_date"]
        unchanged = self.instance.pk and target_date == self.instance.target_date
        if target_date < timezone.localdate() and not unchanged:
            raise forms.ValidationError("The target date is in the past.")
        return target_date


class CommentForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="Required: what the employee should change."
    )


class CompleteForm(forms.Form):
    evidence_note = forms.CharField(
        label="What did you do?", widget=forms.Textarea(attrs={"rows": 3}), help_text="Required."
    )
    evidence_link = forms.URLField(label="Link to evidence", required=False, assume_scheme="https")
    evidence_file = forms.FileField(
        label="Evidence file",
        required=False,
        help_text=f"Optional. {', '.join(EVIDENCE_EXTENSIONS).upper()}; at most {settings.IDP_EVIDENCE_MAX_MB} MB.",
    )

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return None
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in EVIDENCE_EXTENSIONS:
            raise forms.ValidationError(f"Files of type “{extension or 'none'}” are not accepted.")
        if upload.size > settings.IDP_EVIDENCE_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(f"The file is larger than {settings.IDP_EVIDENCE_MAX_MB} MB.")
        return upload


class VerifyForm(forms.Form):
    level = forms.TypedChoiceField(coerce=int, label="Verified level")
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item: IdpItem, **kwargs):
        super().__init__(*args, **kwargs)
        level = cast(forms.TypedChoiceField, self.fields["level"])
        level.choices = [(lvl, level_label(lvl)) for lvl in range(item.target_level, 0, -1)]
        level.initial = item.target_level
        level.help_text = "The item's target level, or lower if the evidence shows less."


class BulkDecisionForm(forms.Form):
    items = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": "Tick at least one item."})
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["items"]).choices = [(pk, pk) for pk in item_ids]

    def clean(self):
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say why you reject the items, so the employees can revise them.")
        return data
