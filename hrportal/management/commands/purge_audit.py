"""Remove audit entries older than AUDIT_RETENTION_DAYS, never an object's latest entry."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hrportal.audit import audit_purge


class Command(BaseCommand):
    help = _(
        "Remove audit entries older than AUDIT_RETENTION_DAYS (default 730, at most 1095), keeping each "
        "object's latest entry. Says what it removes; --dry-run removes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help=_("Report what would be removed, remove nothing."))

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        days = settings.AUDIT_RETENTION_DAYS
        by_event = audit_purge(retention_days=days, dry_run=dry_run)
        total = sum(by_event.values())
        # The event names are the audit trail's codes ("login", "import"), as stored.
        details = ", ".join(f"{event}: {count}" for event, count in sorted(by_event.items())) or _("none")
        words = {"count": f"{total:,}", "days": days, "details": details}
        if dry_run:
            self.stdout.write(
                ngettext(
                    "Would remove %(count)s audit entry older than %(days)s days (%(details)s).",
                    "Would remove %(count)s audit entries older than %(days)s days (%(details)s).",
                    total,
                )
                % words
            )
            return
        self.stdout.write(
            ngettext(
                "Removed %(count)s audit entry older than %(days)s days (%(details)s).",
                "Removed %(count)s audit entries older than %(days)s days (%(details)s).",
                total,
            )
            % words
        )
