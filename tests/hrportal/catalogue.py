"""A test-only Indonesian catalogue: translations that tests need whatever the state of
locale/id (the translator's), compiled on the fly and put first in LOCALE_PATHS."""

from pathlib import Path

import polib


def install_catalogue(settings, directory: Path, translations: dict[str, str], language: str = "id") -> None:
    """Make `translations` (msgid -> msgstr; "context\\x04msgid" for pgettext) win for `language`
    for this test. The settings fixture's LOCALE_PATHS change resets Django's translation caches
    now and again when the test ends."""
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": language,
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    for msgid, msgstr in translations.items():
        context, _, msgid = msgid.rpartition("\x04")
        catalogue.append(polib.POEntry(msgctxt=context or None, msgid=msgid, msgstr=msgstr))
    folder = directory / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [directory, *settings.LOCALE_PATHS]
