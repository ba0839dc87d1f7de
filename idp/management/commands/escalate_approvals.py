"""Escalate the development items that have waited too long for approval (for a daily cron)."""

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from idp.escalation import idp_items_escalate


class Command(BaseCommand):
    help = _(
        "Escalate submitted development items waiting more than IDP_ESCALATION_WORKING_DAYS working days "
        "(default 5, Monday to Friday): to the supervisor's supervisor, then to HC, notifying them. "
        "Run it daily; running it again the same day escalates nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", help=_("Count working days up to this date (YYYY-MM-DD) instead of today, e.g. to catch up.")
        )

    def handle(self, *args: Any, today: str | None = None, **options: Any) -> None:
        day = None
        if today:
            try:
                day = date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(_("--today must be a date like 2026-12-03.")) from error
        escalated = idp_items_escalate(today=day)
        self.stdout.write(
            ngettext(
                "Escalated %(count)s item waiting more than %(days)s working days.",
                "Escalated %(count)s items waiting more than %(days)s working days.",
                len(escalated),
            )
            % {"count": len(escalated), "days": settings.IDP_ESCALATION_WORKING_DAYS}
        )
