"""The questionnaire's texts in both languages (django-modeltranslation; see competencies/translation.py).

An answer keeps a copy of the question and option texts in both languages, so history reads in
each reader's language even after the questionnaire changes.
"""

from modeltranslation.translator import TranslationOptions, register

from maturity.models import MaturityAnswer, MaturityOption, MaturityQuestion


@register(MaturityQuestion)
class MaturityQuestionTranslation(TranslationOptions):
    fields = ("area", "text", "help_text")
    required_languages = {"en": ("text",)}


@register(MaturityOption)
class MaturityOptionTranslation(TranslationOptions):
    fields = ("text",)
    required_languages = ("en",)


@register(MaturityAnswer)
class MaturityAnswerTranslation(TranslationOptions):
    fields = ("question_text", "option_text")
    required_languages = ("en",)
