from collections.abc import Iterable

from django import template

register = template.Library()


@register.filter(name="zip_with")
def zip_with(items: Iterable, others: Iterable) -> list[tuple]:
    """{% for cell, column in row.cells|zip_with:heatmap.columns %}: each item beside the one in
    the same place of `others`, for a table whose cells need their column's facts (the
    heatmap's cell links to its competency's page). Stops at the shorter of the two."""
    return list(zip(items, others, strict=False))
