"""Recompute the organisation report's summary now (competencies.report_summary)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from competencies.report_summary import summary_refresh


class Command(BaseCommand):
    help = _(
        "Recompute the organisation report's summary now, without a task worker: after loading data "
        "outside the portal's doors, or from a daily cron job."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        self.stdout.write(_("Refreshing the organisation report's summary…"))
        batch = summary_refresh()
        self.stdout.write(
            _("Done in %(seconds).1f s: figures as of %(at)s.")
            % {
                "seconds": time.monotonic() - started,
                "at": timezone.localtime(batch.computed_at).isoformat(timespec="seconds"),
            }
        )
