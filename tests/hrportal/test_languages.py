"""Which language the portal speaks, door by door: the browser's Accept-Language before a
choice, the navbar's switch and the account page (stored on the person, used on their next
request, in any browser), the login page's switch for the anonymous (the cookie only)."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from hrportal.models import User

pytestmark = pytest.mark.django_db

# Texts Django itself translates (its own catalogue), so these tests do not wait for the
# portal's: the password change form's first label, the login form's username label.
OLD_PASSWORD = {"en-gb": "Old password", "id": "Sandi lama"}
USERNAME = {"en-gb": "Username", "id": "Nama pengguna"}
COOKIE = settings.LANGUAGE_COOKIE_NAME


def _speaks(response, language: str, texts: dict[str, str]) -> bool:
    html = response.content.decode()
    return f'<html lang="{language}" ' in html and texts[language] in html and response["Content-Language"] == language


def _radio(html: str, value: str) -> tuple[str, bool]:
    """The account page's language choice `value`: its label, and whether it is checked."""
    pattern = rf'name="language" value="{value}"\s+id="(\w+)"( checked)?>\s*<label for="\1"[^>]*>\s*([^<]+?)\s*<'
    found = re.search(pattern, html)
    assert found, value
    return found[3], bool(found[2])


def _password_page(client, accept_language: str = "en-GB,en;q=0.9"):
    return client.get(reverse("password_change"), headers={"accept-language": accept_language})


def test_before_a_choice_the_browser_language_decides(client, cast):
    client.force_login(cast.employee)

    assert _speaks(_password_page(client, "id-ID,id;q=0.9,en;q=0.5"), "id", OLD_PASSWORD)
    # US English is English: the portal's English is British (one date format per language).
    assert _speaks(_password_page(client, "en-US,en;q=0.9"), "en-gb", OLD_PASSWORD)


def test_without_accept_language_the_portal_default_decides(client, cast, settings):
    client.force_login(cast.employee)
    assert _speaks(client.get(reverse("password_change")), "en-gb", OLD_PASSWORD)

    settings.LANGUAGE_CODE = "id"
    assert _speaks(client.get(reverse("password_change")), "id", OLD_PASSWORD)


def test_the_navbar_offers_each_language_named_in_itself(client, cast):
    client.force_login(cast.employee)
    html = _password_page(client, "id").content.decode()

    assert f'action="{reverse("language_set")}"' in html
    # The current language is the pressed button; each button's name is in its own language.
    assert 'value="id" lang="id" title="Bahasa Indonesia"' in html
    assert 'value="en-gb" lang="en-gb" title="English"' in html
    assert html.count('aria-pressed="true"') == 1
    assert html.index('aria-pressed="true"') > html.index('value="id"')


def test_language_chosen_in_the_navbar_is_stored_and_used_on_the_next_request(client, cast):
    client.force_login(cast.employee)
    response = client.post(
        reverse("language_set"),
        {"language": "id"},
        headers={"accept-language": "en", "referer": "http://testserver/notifications/?page=2"},
    )

    # Back to the page the switch was on.
    assert response.status_code == 302 and response["Location"] == "http://testserver/notifications/?page=2"
    assert User.objects.get(pk=cast.employee.pk).language == "id"
    assert response.cookies[COOKIE].value == "id"
    # Another browser of theirs, without the cookie and asking for English: their choice wins,
    # and that browser keeps it too.
    client.cookies.pop(COOKIE)
    page = _password_page(client, "en")
    assert _speaks(page, "id", OLD_PASSWORD)
    assert page.cookies[COOKIE].value == "id"


def test_a_chosen_language_wins_over_the_cookie_and_the_browser(client, cast):
    User.objects.filter(pk=cast.employee.pk).update(language="id")
    client.force_login(cast.employee)
    client.cookies[COOKIE] = "en-gb"

    assert _speaks(_password_page(client, "en"), "id", OLD_PASSWORD)


def test_account_page_shows_the_person_read_only_and_stores_their_language(client, cast):
    client.force_login(cast.employee)
    page = client.get(reverse("account"), headers={"accept-language": "en"})
    html = page.content.decode()
    assert cast.employee.display_name in html and cast.employee.email in html
    assert "Operator" in html and cast.supervisor.display_name in html
    # Read-only: the only form on the page is the language's (and the navbar's switch).
    assert 'name="email"' not in html and 'name="supervisor"' not in html
    assert _radio(html, "") == ("The one my browser asks for", True)
    # Each language named in itself, whichever the page speaks.
    assert _radio(html, "id") == ("Bahasa Indonesia", False)

    response = client.post(
        reverse("language_set"), {"language": "id", "next": reverse("account")}, headers={"accept-language": "en"}
    )
    assert response["Location"] == reverse("account")
    assert User.objects.get(pk=cast.employee.pk).language == "id"
    client.cookies.pop(COOKIE)
    next_page = client.get(reverse("account"), headers={"accept-language": "en"}).content.decode()
    assert '<html lang="id" ' in next_page
    assert _radio(next_page, "id") == ("Bahasa Indonesia", True)
    assert _radio(next_page, "en-gb") == ("English", False)


def test_choosing_no_language_on_the_account_page_lets_the_browser_decide_again(client, cast):
    User.objects.filter(pk=cast.employee.pk).update(language="id")
    client.force_login(cast.employee)
    client.cookies[COOKIE] = "id"

    response = client.post(reverse("language_set"), {"language": "", "next": reverse("account")})

    assert User.objects.get(pk=cast.employee.pk).language == ""
    assert response.cookies[COOKIE].value == "" and response.cookies[COOKIE]["max-age"] == 0
    assert _speaks(_password_page(client, "en"), "en-gb", OLD_PASSWORD)
    assert _speaks(_password_page(client, "id"), "id", OLD_PASSWORD)


def test_anonymous_visitor_switches_the_login_page_with_the_cookie_only(client, cast):
    login = client.get(reverse("login"), headers={"accept-language": "en"})
    assert _speaks(login, "en-gb", USERNAME)
    assert f'action="{reverse("language_set")}"' in login.content.decode()

    response = client.post(
        reverse("language_set"),
        {"language": "id"},
        headers={"accept-language": "en", "referer": "http://testserver/accounts/login/"},
    )

    assert response["Location"] == "http://testserver/accounts/login/"
    assert response.cookies[COOKIE].value == "id"
    assert _speaks(client.get(reverse("login"), headers={"accept-language": "en"}), "id", USERNAME)
    assert not User.objects.exclude(language="").exists()


def test_signing_in_keeps_the_choice_made_on_the_login_page_until_the_person_chooses(client, cast):
    client.cookies[COOKIE] = "id"
    client.force_login(cast.employee)

    assert _speaks(_password_page(client, "en"), "id", OLD_PASSWORD)
    assert User.objects.get(pk=cast.employee.pk).language == ""


def test_a_language_not_offered_changes_nothing(client, cast):
    client.force_login(cast.employee)
    response = client.post(reverse("language_set"), {"language": "fr"}, headers={"referer": "http://testserver/idp/"})

    assert response.status_code == 302 and response["Location"] == "http://testserver/idp/"
    assert COOKIE not in response.cookies
    assert User.objects.get(pk=cast.employee.pk).language == ""


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_the_switch_goes_back_only_to_pages_of_the_portal(client, cast, elsewhere):
    response = client.post(
        reverse("language_set"), {"language": "id", "next": elsewhere}, headers={"referer": elsewhere}
    )

    assert response["Location"] == reverse("home")
    assert response.cookies[COOKIE].value == "id"


def test_the_switch_is_post_only(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse("language_set"), {"language": "id"}).status_code == 405
    assert User.objects.get(pk=cast.employee.pk).language == ""


def test_the_account_page_is_linked_from_the_user_menu(client, cast):
    client.force_login(cast.employee)
    html = client.get(reverse("notifications")).content.decode()
    assert f'href="{reverse("account")}"' in html


def _log_in(client, username: str, accept_language: str):
    from tests.hrportal.factories import PASSWORD

    return client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, headers={"accept-language": accept_language}
    )


def test_someone_who_reads_the_portal_in_indonesian_is_written_to_in_indonesian_before_choosing(client, cast):
    from django.utils.translation import gettext_lazy

    from hrportal.notifications import notify

    _log_in(client, "employee", "id-ID,id;q=0.9")
    employee = User.objects.get(pk=cast.employee.pk)
    assert employee.language == ""  # not a choice: the browser still decides their pages
    assert employee.preferred_language == "id"

    # A text Django itself translates, so the test does not depend on the portal's catalogue.
    (notification,) = notify(recipients=[employee], subject=gettext_lazy("Username"), body="")
    assert notification.subject == USERNAME["id"]


def test_the_served_language_follows_the_browser_at_each_log_in_and_a_choice_wins(client, cast):
    _log_in(client, "employee", "id")
    client.logout()
    _log_in(client, "employee", "en-GB,en;q=0.9")
    assert User.objects.get(pk=cast.employee.pk).preferred_language == "en-gb"

    User.objects.filter(pk=cast.employee.pk).update(language="id")
    client.logout()
    _log_in(client, "employee", "en-GB,en;q=0.9")
    employee = User.objects.get(pk=cast.employee.pk)
    assert employee.preferred_language == "id"
    assert employee.served_language == "en-gb"  # untouched once they have chosen


def test_the_admins_date_shortcut_is_named_in_indonesian_as_it_reads(client, cast):
    """Django's Indonesian leaves "Today (%(date)s)" (the shortcut's accessible name) empty:
    the visible "Hari ini" and an English name made screen readers announce two controls."""
    client.force_login(cast.hc)
    catalogue = client.get(reverse("admin:jsi18n"), headers={"accept-language": "id"}).content.decode()

    assert '"Today": "Hari ini"' in catalogue  # Django's own entry still comes through
    assert '"Today (%(date)s)": "Hari ini (%(date)s)"' in catalogue
