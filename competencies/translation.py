"""The framework's texts in both languages (django-modeltranslation).

Each field named here gets a column per language, `<field>_en` and `<field>_ind`; reading
`competency.name` gives the active language's text, or the English one where the Indonesian
is missing (settings.MODELTRANSLATION_FALLBACK_LANGUAGES). The original column stays in the
table but nothing reads it: queries that name columns themselves (raw SQL, values() across a
relation) take the text from hrportal.translated. English is required wherever the field
is (a name), Indonesian never: without it, readers see the English text.
"""

from modeltranslation.translator import TranslationOptions, register

from competencies.models import Competency, LevelDescriptor, SkillGroup


@register(SkillGroup)
class SkillGroupTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(Competency)
class CompetencyTranslation(TranslationOptions):
    fields = ("name", "definition")
    required_languages = ("en",)


@register(LevelDescriptor)
class LevelDescriptorTranslation(TranslationOptions):
    fields = ("behaviour_indicators", "syllabus", "deliverable")
    required_languages = ("en",)
