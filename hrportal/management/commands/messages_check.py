"""CI gate for the translations: `manage.py messages_check` (run by `make lint`).

Fails, listing each entry, when the Indonesian catalogue (locale/id/LC_MESSAGES/*.po)

- lacks a translatable string of the code or templates (makemessages would add it),
- has an entry left untranslated, or marked fuzzy (msgmerge's guess that nobody checked),
- does not compile (msgfmt --check-format: a translation's placeholders differ from the original's),
- or its committed .mo is not what the .po compiles to (run `make messages`).

makemessages runs on a temporary copy of the project, so the check never writes to locale/;
tests and benchmarks are not extracted (their texts are no user's). The djangojs domain is
checked too once a script calls gettext(). Its own output is for developers, in English.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

LANGUAGE = "id"
MISSING = "not in the catalogue (run `make messages`)"
UNTRANSLATED = "untranslated"
FUZZY = "fuzzy (check the translation, then remove the flag)"
# Not copied, so not extracted: what no user reads, what is not ours, what is generated.
NOT_EXTRACTED = (".git", ".venv", "venv", "node_modules", "tests", "bench", "media", "staticfiles", "docs")
NOT_EXTRACTED_FILES = ("__pycache__", "*.pyc", "*.sqlite3", "*.mo", ".env")


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return entry.msgctxt or "", entry.msgid


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    context = f" [{entry.msgctxt}]" if entry.msgctxt else ""
    return f"{entry.msgid!r}{context}" + (f" ({where})" if where else "")


def _translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def stray_locale_folders(base: Path) -> list[Path]:
    """Folders named "locale" besides locale/ itself: makemessages takes each for the catalogue of
    the code around it, so that code's strings would silently leave locale/."""
    found = []
    for folder, subfolders, _files in os.walk(base):
        subfolders[:] = [name for name in subfolders if name not in NOT_EXTRACTED]
        if "locale" in subfolders and Path(folder) / "locale" != base / "locale":
            found.append(Path(folder) / "locale")
    return sorted(found)


def domains(base: Path) -> list[str]:
    """django always; djangojs once a script of ours calls gettext()."""
    scripts = (base / "static" / "js").glob("*.js")
    return ["django"] + (["djangojs"] if any("gettext(" in script.read_text() for script in scripts) else [])


def extracted_catalogue(base: Path, domain: str, work: Path) -> polib.POFile:
    """The committed catalogue merged with a fresh extraction (makemessages) of a copy of `base`:
    every string the code and templates mark now, each with what the committed .po says of it."""
    copy = work / "project"
    shutil.copytree(base, copy, ignore=shutil.ignore_patterns(*NOT_EXTRACTED, *NOT_EXTRACTED_FILES))
    command = [sys.executable, "manage.py", "makemessages", "--locale", LANGUAGE, "--domain", domain]
    command += [f"--ignore={name}" for name in NOT_EXTRACTED]
    # The command line is ours, not input: manage.py of the copy, fixed arguments.
    done = subprocess.run(  # noqa: S603
        command, cwd=copy, capture_output=True, text=True, env={**os.environ, "DEBUG": "True"}, check=False
    )
    if done.returncode:
        raise CommandError(f"makemessages failed:\n{done.stdout}{done.stderr}")
    return polib.pofile(str(copy / "locale" / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"))


def catalogue_problems(committed: polib.POFile, fresh: polib.POFile) -> dict[str, list[polib.POEntry]]:
    """What is wrong with `committed` against `fresh` (what the code marks now), by kind;
    entries the code no longer marks are not problems."""
    wanted = {_key(entry) for entry in fresh if not entry.obsolete}
    present = {_key(entry): entry for entry in committed if not entry.obsolete}
    return {
        MISSING: [entry for entry in fresh if not entry.obsolete and _key(entry) not in present],
        UNTRANSLATED: [entry for key, entry in present.items() if key in wanted and not _translated(entry)],
        FUZZY: [entry for key, entry in present.items() if key in wanted and "fuzzy" in entry.flags],
    }


def compiled_matches(po_path: Path, mo_path: Path, work: Path) -> tuple[bool, str]:
    """Whether `mo_path` is what msgfmt makes of `po_path` now; the error when it does not compile."""
    fresh = work / f"{po_path.stem}.mo"
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise CommandError("msgfmt is missing: install GNU gettext (apt-get install gettext).")
    # As compilemessages compiles, so that a .mo it wrote compares equal.
    done = subprocess.run(  # noqa: S603
        [msgfmt, "--check-format", "-o", str(fresh), str(po_path)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        return False, done.stderr.strip()
    return mo_path.is_file() and mo_path.read_bytes() == fresh.read_bytes(), ""


class Command(BaseCommand):
    help = "Fail when the Indonesian catalogue misses, leaves untranslated or fuzzy a string, or its .mo is stale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=40, help="Entries listed per kind of problem (default 40).")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        folder = base / "locale" / LANGUAGE / "LC_MESSAGES"
        problems = 0
        for stray in stray_locale_folders(base):
            problems += 1
            self.stderr.write(
                f"{stray.relative_to(base)}: makemessages writes the strings of the code beside it there, not to"
                " locale/, where the check and the portal read them: rename or remove it."
            )
        for domain in domains(base):
            po_path = folder / f"{domain}.po"
            if not po_path.is_file():
                self.stderr.write(f"{po_path.relative_to(base)} is missing: run `make messages`.")
                problems += 1
                continue
            committed = polib.pofile(str(po_path))
            with tempfile.TemporaryDirectory(prefix="messages-check-") as tmp:
                work = Path(tmp)
                fresh = extracted_catalogue(base, domain, work)
                compiles, error = compiled_matches(po_path, folder / f"{domain}.mo", work)
            for kind, entries in catalogue_problems(committed, fresh).items():
                if not entries:
                    continue
                problems += len(entries)
                self.stderr.write(f"{po_path.relative_to(base)}: {len(entries)} {kind}:")
                for entry in entries[:limit]:
                    self.stderr.write(f"  {_label(entry)}")
                if len(entries) > limit:
                    self.stderr.write(f"  … and {len(entries) - limit} more")
            if error:
                problems += 1
                self.stderr.write(f"{po_path.relative_to(base)} does not compile:\n{error}")
            elif not compiles:
                problems += 1
                self.stderr.write(
                    f"{domain}.mo is stale: it is not what {domain}.po compiles to (run `make messages`)."
                )
            wanted = {_key(entry) for entry in fresh if not entry.obsolete}
            unused = [entry for entry in committed if not entry.obsolete and _key(entry) not in wanted]
            if unused:
                self.stdout.write(
                    f"{po_path.relative_to(base)}: {len(unused)} entries no longer in the code (harmless)."
                )
        if problems:
            raise CommandError(f"The Indonesian catalogue has {problems} problem(s).")
        self.stdout.write("The Indonesian catalogue is complete and compiled.")
