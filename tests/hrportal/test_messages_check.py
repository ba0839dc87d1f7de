"""The translations' CI gate (manage.py messages_check, run by `make lint`): what makes it fail."""

import subprocess

import polib
import pytest

from hrportal.management.commands.messages_check import (
    FUZZY,
    MISSING,
    UNTRANSLATED,
    catalogue_problems,
    compiled_matches,
    stray_locale_folders,
)


def _catalogue(*entries: polib.POEntry) -> polib.POFile:
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "id",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    for entry in entries:
        catalogue.append(entry)
    return catalogue


def _ids(problems, kind):
    return [entry.msgid for entry in problems[kind]]


def test_a_complete_catalogue_has_no_problems():
    committed = _catalogue(
        polib.POEntry(msgid="Log in", msgstr="Masuk"),
        polib.POEntry(msgid="None", msgctxt="proficiency", msgstr="Tidak ada"),
        polib.POEntry(msgid="{count} item", msgid_plural="{count} items", msgstr_plural={0: "{count} item"}),
        polib.POEntry(msgid="Gone from the code", msgstr=""),  # unused: not a problem
    )
    fresh = _catalogue(
        polib.POEntry(msgid="Log in"),
        polib.POEntry(msgid="None", msgctxt="proficiency"),
        polib.POEntry(msgid="{count} item", msgid_plural="{count} items"),
    )
    assert catalogue_problems(committed, fresh) == {MISSING: [], UNTRANSLATED: [], FUZZY: []}


def test_a_string_missing_untranslated_or_fuzzy_is_a_problem():
    committed = _catalogue(
        polib.POEntry(msgid="Log in", msgstr="Masuk"),
        polib.POEntry(msgid="Log out", msgstr=""),
        polib.POEntry(msgid="{count} item", msgid_plural="{count} items", msgstr_plural={0: ""}),
        polib.POEntry(msgid="Target", msgstr="Sasaran", flags=["fuzzy"]),
        polib.POEntry(msgid="Basic", msgctxt="colour", msgstr="Dasar"),
    )
    fresh = _catalogue(
        polib.POEntry(msgid="Log in"),
        polib.POEntry(msgid="Log out"),
        polib.POEntry(msgid="{count} item", msgid_plural="{count} items"),
        polib.POEntry(msgid="Target"),
        # The same words in another context are another string.
        polib.POEntry(msgid="Basic", msgctxt="proficiency"),
        polib.POEntry(msgid="Skip to main content"),
    )

    problems = catalogue_problems(committed, fresh)

    assert _ids(problems, MISSING) == ["Basic", "Skip to main content"]
    assert _ids(problems, UNTRANSLATED) == ["Log out", "{count} item"]
    assert _ids(problems, FUZZY) == ["Target"]


@pytest.fixture
def po_file(tmp_path):
    path = tmp_path / "django.po"
    _catalogue(polib.POEntry(msgid="Hello {name}", msgstr="Halo {name}", flags=["python-brace-format"])).save(str(path))
    return path


def test_the_committed_mo_must_be_what_the_po_compiles_to(po_file, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    committed_mo = tmp_path / "django.mo"
    assert compiled_matches(po_file, committed_mo, work) == (False, "")  # no .mo at all

    # As `make messages` (compilemessages) writes it.
    subprocess.run(["msgfmt", "--check-format", "-o", str(committed_mo), str(po_file)], check=True)  # noqa: S603, S607
    assert compiled_matches(po_file, committed_mo, work) == (True, "")

    catalogue = polib.pofile(str(po_file))
    catalogue[0].msgstr = "Halo, {name}"
    catalogue.save(str(po_file))
    assert compiled_matches(po_file, committed_mo, work) == (False, "")  # the .po changed since: stale


def test_a_translation_with_other_placeholders_does_not_compile(po_file, tmp_path):
    catalogue = polib.pofile(str(po_file))
    catalogue[0].msgstr = "Halo {nama}"
    catalogue.save(str(po_file))

    work = tmp_path / "work"
    work.mkdir()
    compiles, error = compiled_matches(po_file, tmp_path / "django.mo", work)

    assert not compiles and "nama" in error


def test_a_locale_folder_beside_the_code_is_a_problem(tmp_path):
    """makemessages sends the strings of the code around any folder named "locale" there: an
    app's locale/ once took all of hrportal's strings out of the portal's catalogue."""
    (tmp_path / "locale" / "id").mkdir(parents=True)
    (tmp_path / "hrportal" / "locale" / "id").mkdir(parents=True)
    (tmp_path / ".venv" / "django" / "locale").mkdir(parents=True)  # not ours, not extracted

    assert stray_locale_folders(tmp_path) == [tmp_path / "hrportal" / "locale"]
