"""Enqueue the scheduled background jobs that are due (hrportal.periodic)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.translation import gettext as _

from hrportal.periodic import job_label, periodic_enqueue_due


class Command(BaseCommand):
    help = _(
        "Enqueue the scheduled jobs that are due (digests, reminders, escalations, overdue attempts, the "
        "audit purge) for the task worker (db_worker) to run. Run it every minute from cron, or once "
        "with --loop beside the worker; any number of them enqueue each job once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help=_("Keep running, looking for due jobs every --interval seconds.")
        )
        parser.add_argument("--interval", type=int, default=30, help=_("Seconds between passes with --loop."))

    def handle(self, *args: Any, loop: bool = False, interval: int = 30, **options: Any) -> None:
        while True:
            close_old_connections()
            for name in periodic_enqueue_due():
                self.stdout.write(_("Enqueued: %(job)s") % {"job": job_label(name)})
            if not loop:
                return
            time.sleep(interval)
