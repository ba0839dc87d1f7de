from django import forms
from django.utils.translation import gettext_lazy as _

from competencies.models import LEVEL_CHOICES
from surveys.selectors import RatingFormRow
from surveys.services import COMMENT_MAX_LENGTH


def level_field_name(competency_id: int) -> str:
    return f"level_{competency_id}"


class SelfAssessmentForm(forms.Form):
    """One radio group per competency of the employee's position (`rows`). A competency left
    without a choice keeps whatever it had (nothing, the first time)."""

    def __init__(self, *args, rows: list[RatingFormRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[level_field_name(row.competency_id)] = forms.TypedChoiceField(
                label=f"{row.code} {row.name}",
                choices=LEVEL_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
                initial=row.current,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )

    def levels(self) -> dict[int, int]:
        """{competency id: level} of the competencies given a level."""
        return {
            row.competency_id: level
            for row in self.rows
            if (level := self.cleaned_data.get(level_field_name(row.competency_id))) is not None
        }


class SupervisorRatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Your rating"), choices=[("", _("Choose a level")), *LEVEL_CHOICES], coerce=int
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The employee sees your rating and this comment."),
    )
