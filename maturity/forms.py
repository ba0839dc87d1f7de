from django import forms
from django.utils.translation import gettext_lazy as _

from maturity.selectors import QuestionnaireQuestion


def answer_field(question_id: int) -> str:
    return f"question_{question_id}"


class MaturityQuestionnaireForm(forms.Form):
    """One required radio group per active question; the error of an unanswered one names it."""

    def __init__(self, *args, questions: list[QuestionnaireQuestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[answer_field(question.id)] = forms.TypedChoiceField(
                label=question.text,
                help_text=question.help_text,
                choices=[(option.id, option.text) for option in question.options],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Answer “%(question)s”.") % {"question": question.text},
                    "invalid_choice": _("Choose one of the answers to “%(question)s”.") % {"question": question.text},
                },
            )

    def rows(self):
        """(question, bound field) pairs, in the questionnaire's order, for the template."""
        return [(question, self[answer_field(question.id)]) for question in self.questions]

    def answers(self) -> dict[int, int]:
        """The cleaned answers as maturity_assessment_record takes them: question id → option id."""
        return {question.id: self.cleaned_data[answer_field(question.id)] for question in self.questions}
