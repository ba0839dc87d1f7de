"""`manage.py makemessages`, also extracting strings marked with `_lazy(...)`.

Several modules import `gettext as _` for messages and `gettext_lazy as _lazy` for labels
defined at import time. xgettext knows only Django's own names, so without this keyword the
`_lazy` strings never reached the catalogue (nor messages_check, which runs this command):
they stayed English on Indonesian pages.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
