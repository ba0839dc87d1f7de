"""Forms of the people and organisation app."""

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, mailers
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.functional import lazy
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from hrportal.background import background_task, enqueue_on_commit
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

    def save(  # type: ignore[override]
        self,
        domain_override: str | None = None,
        request: HttpRequest | None = None,
        extra_email_context: dict[str, str] | None = None,
        **kwargs: object,
    ) -> None:
        """Send each matching person the link from a background task (password_link_send), after
        the commit: the request does not wait on the mail server (so an address with an account
        answers as fast as one without), and the token is made when the email is, never stored
        in the task's arguments. Django's other arguments (templates, domain) are the portal's own."""
        first_password = bool(extra_email_context and extra_email_context.get("first_password"))
        for user in self.get_users(self.cleaned_data["email"]):
            enqueue_on_commit(password_link_send, user_id=user.pk, first_password=first_password)

    def get_users(self, email: str) -> Iterator[User]:
        # Django's matching (case-insensitive, active people only), without the password test.
        for user in User._default_manager.filter(email__iexact=email, is_active=True):
            if same_email(email, user.email):
                yield user


def same_email(given: str, stored: str) -> bool:
    """As Django compares: NFKC-normalised and case-folded, so a look-alike address does not match."""
    return unicodedata.normalize("NFKC", given).casefold() == unicodedata.normalize("NFKC", stored).casefold()


def password_link_email(account: User, *, first_password: bool) -> EmailMultiAlternatives:
    """The password reset's email (Django's templates, a fresh token), or with `first_password`
    its welcome wording, in the account's language; the link starts with SITE_URL."""
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": account.email,
        "domain": site.netloc,
        "site_name": site.netloc,
        "uid": urlsafe_base64_encode(force_bytes(account.pk)),
        "user": account,
        "token": default_token_generator.make_token(account),
        "protocol": "https" if site.scheme == "https" else "http",
        **({"first_password": "yes"} if first_password else {}),
    }
    with translation.override(account.preferred_language):
        subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
        body = render_to_string("registration/password_reset_email.html", context)
    return EmailMultiAlternatives(subject=subject, body=body, to=[account.email])


def _account_of(*, user_id: int, **kwargs: object) -> str:
    return str(User.objects.filter(pk=user_id).values_list("email", flat=True).first() or user_id)


@background_task(label=_("Password link email"), describe=_account_of)
def password_link_send(*, user_id: int, first_password: bool = False) -> None:
    """Email person `user_id` the link to choose a password (PortalPasswordResetForm.save): nothing
    if they have left meanwhile, or, for a first password, have chosen one already. The link's
    token is made here, so the task's stored arguments hold no way into the account."""
    account = User.objects.filter(pk=user_id, is_active=True).first()
    if account is None or not account.email or (first_password and account.has_usable_password()):
        return
    mailers.default.send_messages([password_link_email(account, first_password=first_password)])


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
