"""`manage.py load_default_strategies`: the three default strategies of the demo framework
(strategies/fixtures/default_strategies.json). Safe to run again: it changes nothing."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from strategies.services import strategies_load_defaults


class Command(BaseCommand):
    help = gettext("Create the default qualification strategies that do not exist yet.")

    def handle(self, *args, **options) -> None:
        try:
            created = strategies_load_defaults()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                ngettext("Created %(count)s strategy.", "Created %(count)s strategies.", created) % {"count": created}
            )
        )
