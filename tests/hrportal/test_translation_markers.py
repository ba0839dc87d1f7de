"""Texts are marked with names makemessages knows: xgettext skips a translation function
imported under another alias (a module once marked its labels with `_lazy`, and those texts
never reached the catalogue nor messages_check, so they stayed English on Indonesian pages)."""

import re
from pathlib import Path

from django.conf import settings

APPS = ("hrportal", "competencies", "surveys", "assessments", "idp")
ALIASED = re.compile(r"from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)(\w+)")


def test_no_module_marks_texts_with_an_alias_makemessages_does_not_know():
    aliased = [
        f"{path.relative_to(settings.BASE_DIR)}: {found[1]} as {found[2]}"
        for app in APPS
        for path in Path(settings.BASE_DIR, app).rglob("*.py")
        for found in ALIASED.finditer(path.read_text())
    ]
    assert aliased == []
