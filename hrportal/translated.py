"""Framework content in two languages: which column holds which language, and the text to show.

django-modeltranslation (settings.MODELTRANSLATION_*; the registrations are in
hrportal/translation.py and competencies/translation.py) gives each translated field a column
per language: `name_en` and `name_ind`. On an instance, `competency.name` is the active
language's text with the English fallback, and the model's own filter(), order_by() and
values() are rewritten to the active language's column. What the library does not rewrite
(raw SQL, an expression across a relation, a constraint) takes its columns and expressions
from here, so that every page falls back the same way: an empty or missing Indonesian text
shows the English one. The original column (`name`) stays in the table, unread.
"""

from django.db.models import BaseConstraint, F, Model, Q, TextField, UniqueConstraint, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname, get_language

ENGLISH = "en"
INDONESIAN = "id"
# Every language the framework is written in, the fallback (English) first.
LANGUAGES = (ENGLISH, INDONESIAN)


def column(field: str, language: str) -> str:
    """The database column of `field` in `language`: "name_en", "name_ind"."""
    return build_localized_fieldname(field, language)


def file_column(field: str, language: str) -> str:
    """The spreadsheet column of `field` in `language`: "name_en", "name_id" (the language's own code)."""
    return f"{field}_{language}"


def active_language() -> str:
    """The framework language of the active Django language ("en-gb" → "en")."""
    return get_language()


def is_translated(model: type[Model], field: str) -> bool:
    try:
        return field in translator.get_options_for_model(model).get_field_names()
    except NotRegistered:
        return False


def english_column(model: type[Model], field: str) -> str:
    """The column holding `field`'s English text ("name_en"), or `field` itself where it is not
    translated (a section's name): what identifies a position or a skill group in a file."""
    return column(field, ENGLISH) if is_translated(model, field) else field


def localized(path: str) -> Combinable:
    """The active language's text of `path` ("name", "competency__group__name"), English where missing.

    For annotate(), values(), order_by() and F() across relations, which the library leaves
    on the original column.
    """
    *relations, field = path.split("__")
    prefix = "".join(f"{relation}__" for relation in relations)
    english = F(prefix + column(field, ENGLISH))
    language = active_language()
    if language == ENGLISH:
        return english
    # The two columns are two (translation) field classes: the result is plain text.
    return Coalesce(NullIf(F(prefix + column(field, language)), Value("")), english, output_field=TextField())


def localized_sql(alias: str, field: str) -> str:
    """The same as `localized`, as an SQL expression on table alias `alias`: for raw SQL."""
    english = f"{alias}.{column(field, ENGLISH)}"
    language = active_language()
    if language == ENGLISH:
        return english
    return f"COALESCE(NULLIF({alias}.{column(field, language)}, ''), {english})"


def search_columns(path: str) -> tuple[str, ...]:
    """An admin's search fields for `path` ("name", "competency__name"): every language's column."""
    *relations, field = path.split("__")
    prefix = "".join(f"{relation}__" for relation in relations)
    return tuple(prefix + column(field, language) for language in LANGUAGES)


def unique_name_constraints(prefix: str) -> list[BaseConstraint]:
    """A name (skill group, position) used once per language; an empty Indonesian name is no name.

    For Meta.constraints: the translated columns exist once modeltranslation has registered the
    model, which it does before the checks and migrations read the constraints.
    """
    indonesian = column("name", INDONESIAN)
    return [
        UniqueConstraint(fields=[column("name", ENGLISH)], name=f"{prefix}_name_en_unique"),
        UniqueConstraint(fields=[indonesian], condition=~Q(**{indonesian: ""}), name=f"{prefix}_name_id_unique"),
    ]
