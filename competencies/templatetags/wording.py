from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.filter(name="and_list")
def and_list(names: Iterable[object]) -> SafeString:
    """{{ paths|and_list }} → "<b>A</b>, <b>B</b> and <b>C</b>" (each name escaped, in the
    page's `fw-semibold`), joined as the active language joins a list: a template cannot build
    the list inside {% blocktranslate %}, and "and" alone would be a fragment a translator
    cannot place. A name is the item's `name`, else the item itself."""
    items = [format_html('<span class="fw-semibold">{}</span>', getattr(name, "name", name)) for name in names]
    if len(items) < 2:
        return mark_safe("".join(items))  # noqa: S308 - each item is built by format_html
    return format_html(
        # Translators: joins the last name of a list to the others: "A, B and C".
        gettext("{names} and {last}"),
        names=mark_safe(", ".join(items[:-1])),  # noqa: S308 - each item is built by format_html
        last=items[-1],
    )
