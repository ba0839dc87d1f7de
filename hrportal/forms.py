"""Forms of the people and organisation app."""

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from hrportal.models import User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PortalPasswordResetForm(PasswordResetForm):
    """Also sends a reset link to active people whose password is unusable.

    Django skips them because an unusable password often means "logs in elsewhere" (LDAP,
    single sign-on). Here it means "imported, has not chosen a password yet" (see
    hrportal.people_import), and the reset link is how they choose their first one.

    The link in the email starts with SITE_URL, never with the request's Host header, which
    whoever asks for the reset chooses (a forged Host would send the token to their server).
    """

    def save(
        self,
        domain_override: str | None = None,
        subject_template_name: str = "registration/password_reset_subject.txt",
        email_template_name: str = "registration/password_reset_email.html",
        use_https: bool = False,
        token_generator: PasswordResetTokenGenerator = default_token_generator,
        from_email: str | None = None,
        request: HttpRequest | None = None,
        html_email_template_name: str | None = None,
        extra_email_context: dict[str, str] | None = None,
    ) -> None:
        site = urlsplit(settings.SITE_URL)
        super().save(
            domain_override=site.netloc,
            subject_template_name=subject_template_name,
            email_template_name=email_template_name,
            use_https=site.scheme == "https",
            token_generator=token_generator,
            from_email=from_email,
            request=request,
            html_email_template_name=html_email_template_name,
            extra_email_context=extra_email_context,
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # In the account's language, not in the language of whoever asked (HC in the admin, or
        # a browser set to another language).
        with translation.override(context["user"].preferred_language):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
            )

    def get_users(self, email: str) -> Iterator[User]:
        # Django's matching (case-insensitive, active people only), without the password test.
        for user in User._default_manager.filter(email__iexact=email, is_active=True):
            if same_email(email, user.email):
                yield user


def same_email(given: str, stored: str) -> bool:
    """As Django compares: NFKC-normalised and case-folded, so a look-alike address does not match."""
    return unicodedata.normalize("NFKC", given).casefold() == unicodedata.normalize("NFKC", stored).casefold()


class FirstPasswordForm(PortalPasswordResetForm):
    """The password reset's email and link, to one account already found by other means (a join
    code with the person's employee number and email, hrportal.joining), worded as a welcome:
    the link to choose a first password. Nobody else with the same address gets one."""

    def __init__(self, *, account: User) -> None:
        super().__init__({"email": account.email})
        self.account = account

    def get_users(self, email: str) -> Iterator[User]:
        if self.account.is_active and not self.account.has_usable_password():
            yield self.account

    def send(self) -> None:
        # An address the form would refuse (hand-edited in the database) gets nothing.
        if self.is_valid():
            self.save(extra_email_context={"first_password": "yes"})


def _named_in_itself(code: str, name: "StrOrPromise") -> "StrOrPromise":
    """A language's name in that language ("English", "Bahasa Indonesia"), whichever the page
    speaks: someone who cannot read the page still finds their own language."""

    def render() -> str:
        with translation.override(code):
            return str(name)

    return lazy(render, str)()


class LanguageForm(forms.Form):
    """A person's choice of language (the navbar's switch, the account page): one of
    settings.LANGUAGES, or nothing, which lets the browser's Accept-Language decide again."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[
            ("", _("The one my browser asks for")),
            *((code, _named_in_itself(code, name)) for code, name in settings.LANGUAGES),
        ],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("The portal's pages, emails and notifications use it."),
    )


class DigestForm(forms.ModelForm):
    """The account page's switch for the weekly digest email (idp's send_digests)."""

    class Meta:
        model = User
        fields = ["digests"]
        labels = {"digests": _("Send me the weekly digest")}
        help_texts = {
            "digests": _(
                "Once a week, an email listing what waits for you: items to approve or verify, and your "
                "items that are overdue, due soon or waiting for HC. Sent only when there is something."
            )
        }


class JoinForm(forms.Form):
    """/join/: a join code and the details HC imported for the new employee."""

    code = forms.CharField(
        label=_("Join code"),
        max_length=40,
        help_text=_("The code HC gave you, such as ABCD-EFGH-JKMN. Capitals and dashes are optional."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    employee_number = forms.CharField(
        label=_("Employee number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Work email"),
        max_length=254,
        help_text=_("The address HC has for you: the link to choose your password goes there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
