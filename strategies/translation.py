"""A strategy's name and description in both languages (django-modeltranslation; see
competencies/translation.py)."""

from modeltranslation.translator import TranslationOptions, register

from strategies.models import Strategy


@register(Strategy)
class StrategyTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)
