from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from surveys.rounds import survey_rounds_notices_send


class Command(BaseCommand):
    help = _(
        "Tell the people of each open self-assessment round that it opened (on its opening day, or "
        "when they join it), and remind, once, those who have not completed it from the round's "
        "reminder day. For cron (daily); a second run tells nobody twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help=_("Say who would be told, and tell nobody."))

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        runs = survey_rounds_notices_send(dry_run=dry_run)
        for run in runs:
            self.stdout.write(
                (
                    _("%(round)s: would tell %(opening)d that it opened and remind %(reminders)d.")
                    if dry_run
                    else _("%(round)s: told %(opening)d that it opened, reminded %(reminders)d.")
                )
                % {"round": run.round.name, "opening": run.opening, "reminders": run.reminders}
            )
        if not runs:
            self.stdout.write(_("No self-assessment round is open today."))
