"""Every word a user reads in a template is translatable.

Each template under templates/ is split with Django's own Lexer. The text a user would read
is what remains outside {% translate %}, {% blocktranslate %} and comments once the HTML
tags are parsed away: text nodes, and the attributes read aloud or shown on hover (aria-label,
title, placeholder, alt, a button's value) and the texts handed to scripts (data-*-text,
data-*-label). Whatever letters remain there are English a translator never sees; the test
names the file and line of each. Template tags and variables are replaced by a placeholder
first, so `{{ count }} items` still fails on "items" while `{{ count }}` alone passes.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

# Text that is not in any language: the product's name, which stays as it is in Indonesian, and
# the names of file formats.
NOT_LANGUAGE = ("HC Portal", "CSV", "XLSX")

# Stands for a template variable or tag; not a letter, so it never counts as text.
PLACEHOLDER = "§"

READ_ATTRIBUTES = {"aria-label", "aria-description", "aria-roledescription", "title", "placeholder", "alt"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Filters whose literal argument is shown when the value is missing: {{ x|default:"None" }}.
LITERAL_FILTER = re.compile(r"""\|(?:default|default_if_none|yesno):(["'])(?P<text>.*?)\1""")
# A literal handed to an included template ({% include … with label="Pages" %}): shown
# there, unless it is an id, a CSS class or a query fragment, which have no space and no
# capital ("gap-chart-table", "show="). A literal inside _("…") is translated.
# A date or time filter's argument is a format ("DATETIME_FORMAT", "Y-m-d"), never text shown as written.
FORMAT_ARGUMENT = re.compile(r"""\|(?:date|time):(["']).*?\1""")
TAG_LITERAL = re.compile(r"""_\((?P<q>["']).*?(?P=q)\)|(?P<quote>["'])(?P<text>.*?)(?P=quote)""")
LITERAL_PASSING_TAGS = {"include", "with"}
LETTER = re.compile(r"[^\W\d_]")

TRANSLATION_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SKIPPED_BLOCKS = {"comment": "endcomment", **TRANSLATION_BLOCKS}


def has_language(text: str) -> bool:
    for allowed in NOT_LANGUAGE:
        text = text.replace(allowed, "")
    return bool(LETTER.search(text))


def readable_source(source: str) -> str:
    """The template as a user reads it: every tag and variable replaced by a placeholder,
    translated and commented-out text removed (line breaks kept, so lines still match the
    file). A variable's literal fallback ({{ note|default:"None" }}) stays, as it may be shown."""
    parts: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        text = token.contents
        if token.token_type == TokenType.TEXT:
            parts.append("\n" * text.count("\n") if closing else text)
            continue
        name = text.split(maxsplit=1)[0] if token.token_type == TokenType.BLOCK and text else ""
        if token.token_type == TokenType.BLOCK:
            if closing is None and name in SKIPPED_BLOCKS:
                closing = SKIPPED_BLOCKS[name]
            elif name == closing:
                closing = None
        shown = ""
        if token.token_type == TokenType.VAR and closing is None:
            shown = " ".join(match["text"] for match in LITERAL_FILTER.finditer(text))
        elif token.token_type == TokenType.BLOCK and closing is None and name in LITERAL_PASSING_TAGS:
            shown = " ".join(
                match["text"]
                for match in TAG_LITERAL.finditer(
                    FORMAT_ARGUMENT.sub("", text.split(" with ", 1)[-1] if name == "include" else text)
                )
                if match["text"] and (" " in match["text"] or match["text"][:1].isupper())
            )
        parts.append(PLACEHOLDER + shown)
    return "".join(parts)


class UntranslatedText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._raw_text_element: str | None = None  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._raw_text_element = tag
        values = dict(attrs)
        for name, value in attrs:
            read = (
                name in READ_ATTRIBUTES
                or (name.startswith("data-") and name.endswith(("-text", "-label")))
                or (tag == "input" and name == "value" and values.get("type") in BUTTON_INPUT_TYPES)
            )
            if read and value and has_language(value):
                self.found.append((self.getpos()[0], f"{name}={value!r}"))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw_text_element:
            self._raw_text_element = None

    def handle_data(self, data: str) -> None:
        if self._raw_text_element is None and has_language(data):
            leading = data[: len(data) - len(data.lstrip())]
            line = self.getpos()[0] + leading.count("\n")
            self.found.append((line, " ".join(data.split())))


def untranslated(source: str) -> list[tuple[int, str]]:
    parser = UntranslatedText()
    parser.feed(readable_source(source))
    parser.close()
    return parser.found


TEMPLATES = sorted(path for path in TEMPLATES_DIR.rglob("*") if path.suffix in {".html", ".txt"})


def test_templates_are_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES_DIR)))
def test_template_has_no_untranslated_text(path):
    found = untranslated(path.read_text(encoding="utf-8"))
    where = path.relative_to(settings.BASE_DIR)
    assert not found, "Untranslated text:\n" + "\n".join(f"{where}:{line}: {text}" for line, text in found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello</p>", [(1, "Hello")]),
        ('{% load i18n %}<p>{% translate "Hello" %}</p>', []),
        ("<p>{{ count }} items</p>", [(1, "§ items")]),
        ("<p>{{ count }} · {{ total }} →</p>", []),
        ("\n\n<h1>\n  Title\n</h1>", [(4, "Title")]),
        ("{% blocktranslate trimmed %}\n  Hello {{ name }}\n{% endblocktranslate %}", []),
        ("{% comment %}Why: notes{% endcomment %}{# a note #}<!-- markup note -->", []),
        ('<button aria-label="Close" class="btn-close"></button>', [(1, "aria-label='Close'")]),
        ('<a title="{% translate "Open" %}" href="{% url "x" %}">§</a>', []),
        ('<input type="submit" value="Save">', [(1, "value='Save'")]),
        ('<input type="hidden" name="next" value="home">', []),
        ('<canvas data-legend-label="Current level"></canvas>', [(1, "data-legend-label='Current level'")]),
        ('<td>{{ note|default:"None" }}</td>', [(1, "§None")]),
        ('<a title="{{ note|default:"None" }}">§</a>', [(1, "title='§None'")]),
        ("<div class=\"alert-{{ tags|default:'info' }}\">§</div>", []),
        ('<td>{{ note|default:"—" }}</td>', []),
        ("<title>{% block title %}HC Portal{% endblock %}</title>", []),
        ('{% include "includes/pagination.html" with label="History pages" query=q %}', [(1, "§History pages")]),
        ('{% include "x.html" with label=_("History pages") table_id="gap-table" query="show=" %}', []),
        ("<p>Dear {{ name }},</p>", [(1, "Dear §,")]),
    ],
)
def test_untranslated_text_is_found(source, expected):
    assert untranslated(source) == expected


# makemessages writes a translators' comment out as a Python comment without ending its line,
# so whatever follows {% endcomment %} on that line drops out of the catalogue unseen.
TRANSLATORS_COMMENT = re.compile(r"\{% comment %\}\s*Translators:.*?\{% endcomment %\}(?P<after>[^\n]*)", re.S)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES_DIR)))
def test_translators_comment_ends_its_line(path):
    source = path.read_text(encoding="utf-8")
    late = [
        source.count("\n", 0, match.start("after")) + 1
        for match in TRANSLATORS_COMMENT.finditer(source)
        if match["after"].strip()
    ]
    assert not late, f"{path.relative_to(settings.BASE_DIR)}: text after a translators' comment on line(s) {late}"
