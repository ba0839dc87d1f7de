"""Position names in both languages (django-modeltranslation); see competencies/translation.py."""

from modeltranslation.translator import TranslationOptions, register

from hrportal.models import Position


@register(Position)
class PositionTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)
