import re
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from idp.digests import digests_send, iso_week

WEEK = re.compile(r"^(?P<year>\d{4})-W(?P<week>\d{2})$")


class Command(BaseCommand):
    help = _(
        "Email each person a weekly digest of what waits for them (items to approve or verify, their "
        "items overdue, due soon or waiting for HC), only when something does. For cron, weekly; a "
        "second run the same ISO week sends nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help=_("List who would get a digest; send nothing."))
        parser.add_argument(
            "--week",
            help=_(
                "The ISO week to send for, e.g. 2026-W49 (default: this week). Another week's digest "
                "is worked out as of its Monday."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = timezone.localdate()
        week = options["week"]
        if week:
            match = WEEK.match(week)
            try:
                monday = date.fromisocalendar(int(match["year"]), int(match["week"]), 1) if match else None
            except ValueError:
                monday = None
            if monday is None:
                raise CommandError(_("--week takes an ISO week such as 2026-W49, not %(week)s.") % {"week": week})
            if iso_week(day) != week:
                day = monday
        run = digests_send(day=day, week=iso_week(day), dry_run=options["dry_run"])
        if options["dry_run"]:
            for digest in run.digests:
                self.stdout.write(
                    _("%(email)s: %(count)d things waiting") % {"email": digest.recipient.email, "count": digest.count}
                )
        words = {"week": run.week, "sent": run.sent, "nothing": run.nothing_to_do, "already": run.already_sent}
        if options["dry_run"]:
            summary = _(
                "Week %(week)s: %(sent)d digests would be sent; %(nothing)d people have nothing to do; "
                "%(already)d had this week's digest already. Nothing was sent."
            )
        else:
            summary = _(
                "Week %(week)s: %(sent)d digests sent; %(nothing)d people had nothing to do; "
                "%(already)d had this week's digest already."
            )
        self.stdout.write(summary % words)
