"""Forms of the people and organisation app."""

import unicodedata
from collections.abc import Iterator

from django.contrib.auth.forms import PasswordResetForm

from hrportal.models import User


class PortalPasswordResetForm(PasswordResetForm):
    """Also sends a reset link to active people whose password is unusable.

    Django skips them because an unusable password often means "logs in elsewhere" (LDAP,
    single sign-on). Here it means "imported, has not chosen a password yet" (see
    hrportal.people_import), and the reset link is how they choose their first one.
    """

    def get_users(self, email: str) -> Iterator[User]:
        # Django's matching (case-insensitive, active people only), without the password test.
        for user in User._default_manager.filter(email__iexact=email, is_active=True):
            if _same_email(email, user.email):
                yield user


def _same_email(given: str, stored: str) -> bool:
    # As Django compares: NFKC-normalised and case-folded, so a look-alike address does not match.
    return unicodedata.normalize("NFKC", given).casefold() == unicodedata.normalize("NFKC", stored).casefold()
