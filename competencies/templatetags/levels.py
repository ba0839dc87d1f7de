from django import template

from competencies.models import level_label

register = template.Library()


@register.filter(name="level")
def level_filter(value: int | None) -> str:
    """{{ 3|level }} → "3 · Advanced"; None (not applicable) → "–"."""
    return level_label(value)
