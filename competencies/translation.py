"""The framework's texts in both languages (django-modeltranslation).

Each field named here gets a column per language, `<field>_en` and `<field>_ind`; reading
`competency.name` gives the active language's text, or the English one where the Indonesian
is missing (settings.MODELTRANSLATION_FALLBACK_LANGUAGES). The original column stays in the
table but nothing reads it: queries that name columns themselves (raw SQL, values() across a
relation) take the text from hrportal.translated.
"""

from modeltranslation.translator import TranslationOptions, register

from competencies.models import Competency, LevelDescriptor, SkillGroup


@register(SkillGroup)
class SkillGroupTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Competency)
class CompetencyTranslation(TranslationOptions):
    fields = ("name", "definition")


@register(LevelDescriptor)
class LevelDescriptorTranslation(TranslationOptions):
    fields = ("behaviour_indicators", "syllabus", "deliverable")
