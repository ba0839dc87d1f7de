from django import template

from competencies.models import level_label

register = template.Library()


@register.filter(name="level")
def level_filter(value: int | None) -> str:
    """{{ 3|level }} → "3 · Advanced"; None (not applicable) → "–"."""
    return level_label(value)


@register.filter(name="held_level")
def held_level_filter(value: int | None) -> str:
    """The level someone holds: {{ None|held_level }} → "0 · None", as {{ 0|held_level }}.

    The one wording for "no level" on every page: the gap rule counts no level on record as
    level 0 (competencies.rules), so the page says the scale's own label for 0 rather than a
    wording of its own ("No level", "—", "Not assessed"). A *target* of None means not
    applicable instead: that is the `level` filter's "–"."""
    return level_label(value or 0)
