"""The project's makemessages finds every name our modules mark texts with."""

import polib
from django.core.management import call_command
from django.test import override_settings


def test_texts_marked_with_the_lazy_alias_reach_the_catalogue(tmp_path, monkeypatch):
    # Modules import gettext_lazy as _lazy beside gettext as _: Django's own makemessages
    # skipped every _lazy text, so it stayed English on Indonesian pages.
    (tmp_path / "labels.py").write_text(
        "from django.utils.translation import gettext as _\n"
        "from django.utils.translation import gettext_lazy as _lazy\n"
        'COLUMN = _lazy("attempts taken")\n'
        'MESSAGE = _("Nothing was voided.")\n'
    )
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
        call_command("makemessages", locale=["id"], verbosity=0)
    catalogue = polib.pofile(str(tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po"))
    assert {entry.msgid for entry in catalogue} == {"attempts taken", "Nothing was voided."}
