from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from competencies.models import Competency, level_label
from hrportal.models import User
from idp.models import EVIDENCE_EXTENSIONS, IdpItem
from idp.services import assessments_for_item, validate_item_assessment


class IdpItemForm(forms.ModelForm):
    competency = forms.ModelChoiceField(
        queryset=Competency.objects.select_related("group").order_by("code"), label=_("Competency")
    )

    class Meta:
        model = IdpItem
        fields = ("competency", "activity_type", "assessment", "target_level", "target_date", "description")
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        # The model's fields have no verbose_name of their own (adding one would be a migration):
        # the form names them, translatably.
        labels = {
            "activity_type": _("Activity type"),
            "target_level": _("Target level"),
            "target_date": _("Target date"),
            "description": _("Description"),
        }
        help_texts = {
            "target_level": _("The level this activity should bring you to."),
            "description": _("What you will do, and what will show that you reached the level."),
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
            raise forms.ValidationError(_("The target date is in the past."))
        return target_date


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: what the employee should change."),
    )


class CompleteForm(forms.Form):
    evidence_note = forms.CharField(
        label=_("What did you do?"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Required.")
    )
    evidence_link = forms.URLField(label=_("Link to evidence"), required=False, assume_scheme="https")
    evidence_file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=format_lazy(
            _("Optional. {types}; at most {size} MB."),
            types=", ".join(EVIDENCE_EXTENSIONS).upper(),
            size=settings.IDP_EVIDENCE_MAX_MB,
        ),
    )

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return None
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in EVIDENCE_EXTENSIONS:
            if extension:
                raise forms.ValidationError(
                    _("Files of type “%(extension)s” are not accepted.") % {"extension": extension}
                )
            raise forms.ValidationError(_("Files without a type (an extension such as .pdf) are not accepted."))
        if upload.size > settings.IDP_EVIDENCE_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": settings.IDP_EVIDENCE_MAX_MB}
            )
        return upload


class VerifyForm(forms.Form):
    level = forms.TypedChoiceField(coerce=int, label=_("Verified level"))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item: IdpItem, **kwargs):
        super().__init__(*args, **kwargs)
        level = cast(forms.TypedChoiceField, self.fields["level"])
        level.choices = [(lvl, level_label(lvl)) for lvl in range(item.target_level, 0, -1)]
        level.initial = item.target_level
        level.help_text = _("The item's target level, or lower if the evidence shows less.")


class BulkDecisionForm(forms.Form):
    items = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": _("Tick at least one item.")})
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", pgettext_lazy("IDP action", "Approve")),
            ("reject", pgettext_lazy("IDP action", "Reject")),
        ],
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["items"]).choices = [(pk, pk) for pk in item_ids]

    def clean(self):
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why you reject the items, so the employees can revise them."))
        return data


class PersonChoiceField(forms.ModelChoiceField):
    """People by name and position: two colleagues may share a name."""

    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        position = obj.position.name if obj.position else ""
        return f"{obj.display_name} · {position}" if position else obj.display_name


class DelegationForm(forms.Form):
    """A supervisor's delegation of their approvals; hrportal.delegation.delegation_create validates it."""

    delegate = PersonChoiceField(
        queryset=User.objects.filter(is_active=True).select_related("position"),
        label=_("Delegate"),
        help_text=_("The employee who approves your team's development items for you during the period."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Inclusive: the delegate may approve until the end of this day."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=200, help_text=_("Optional, e.g. annual leave.")
    )
