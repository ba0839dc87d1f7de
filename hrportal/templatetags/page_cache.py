"""{% cached_fragment "name" %}…{% endcached_fragment %}: a part of a page kept by
hrportal/page_cache.py. Without `page_fragments` in the context (a query string, caching
off) the block renders as if the tag were not there."""

from django import template
from django.template.base import Parser, Token
from django.utils.safestring import SafeString, mark_safe

from hrportal.page_cache import CSRF_PLACEHOLDER

register = template.Library()


class CachedFragmentNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        fragments = context.get("page_fragments")
        if fragments is None:
            return self.nodelist.render(context)
        if fragments.parts is not None:
            html = fragments.parts.get(self.name, "")
        else:
            # Rendered once for every session that will see it: {% csrf_token %} writes the
            # placeholder, and each response gets its own session's token below.
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                html = self.nodelist.render(context)
            fragments.rendered[self.name] = html
        if CSRF_PLACEHOLDER in html:
            html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token", "")))
        return mark_safe(html)  # noqa: S308 (the template's own output, escaped when it was rendered)


@register.tag
def cached_fragment(parser: Parser, token: Token) -> CachedFragmentNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Usage: {% cached_fragment "name" %}…{% endcached_fragment %}')
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(bits[1][1:-1], nodelist)
