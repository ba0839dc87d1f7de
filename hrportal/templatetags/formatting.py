from decimal import Decimal

from django import template

from hrportal.formatting import format_percent, percent_pattern

register = template.Library()


@register.filter(name="percent")
def percent(value: float | Decimal | int | str | None, decimal_places: int = -2) -> str:
    """{{ report.progress_percent|percent }} → "87.5%" / "87,5 %": the one way a page shows a
    percentage (hrportal.formatting.format_percent); {{ score|percent:1 }} keeps one decimal."""
    return format_percent(value, int(decimal_places))


@register.simple_tag(name="percent_pattern")
def percent_pattern_tag() -> str:
    """{% percent_pattern %} → "{number}%" / "{number} %": the same rule, for a page's scripts."""
    return percent_pattern()
