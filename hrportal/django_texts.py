"""Texts of Django 6.1 that Django's own Indonesian catalogue lacks, marked here so ours has them.

Django looks a message up in the project's catalogue (LOCALE_PATHS, locale/id) before its own,
so marking a Django text here puts its translation on the page: without it, every select of
the portal and the admin opened with "- Select an option -" and the admin's date filters read
"Filter by …" on Indonesian pages. Nothing imports this module; makemessages reads it.
Drop an entry once Django's catalogue translates it (messages_check keeps passing either way).
"""

from django.utils.translation import gettext_noop

DJANGO_TEXTS_MISSING_IN_INDONESIAN = (
    # django/db/models/fields/__init__.py: BLANK_CHOICE_LABEL, the empty choice of a select.
    gettext_noop("- Select an option -"),
    # django/contrib/admin/templates/admin/date_hierarchy.html, above a changelist.
    gettext_noop("Filter by %(field_name)s"),
)
