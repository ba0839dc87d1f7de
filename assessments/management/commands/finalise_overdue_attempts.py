"""Finalise every online attempt whose time ran out (run it every minute from cron)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.services.attempts import attempts_finalise_overdue


class Command(BaseCommand):
    help = _("Score and record every online attempt whose deadline has passed, so none stays open.")

    def handle(self, *args, **options) -> None:
        count = attempts_finalise_overdue()
        self.stdout.write(
            ngettext("Finalised %(count)d overdue attempt.", "Finalised %(count)d overdue attempts.", count)
            % {"count": count}
        )
