"""The weekly digest switch on the account page: on by default, each person's own."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_digests_are_on_by_default_and_the_account_page_shows_the_switch(client, cast):
    assert cast.employee.digests
    client.force_login(cast.employee)
    html = client.get(reverse("account")).content.decode()
    assert "Send me the weekly digest" in html
    assert 'name="digests"' in html and "checked" in html


def test_switching_digests_off_and_on_again(client, cast):
    client.force_login(cast.employee)
    response = client.post(reverse("account_digests"), {}, follow=True)
    assert "You will not get the weekly digest any more." in response.content.decode()
    cast.employee.refresh_from_db()
    assert not cast.employee.digests

    response = client.post(reverse("account_digests"), {"digests": "on"}, follow=True)
    assert "You will get the weekly digest." in response.content.decode()
    cast.employee.refresh_from_db()
    assert cast.employee.digests


def test_the_switch_changes_only_the_signed_in_persons_choice(client, cast):
    client.force_login(cast.employee)
    client.post(reverse("account_digests"), {"user": cast.colleague.pk, "digests": ""})
    cast.colleague.refresh_from_db()
    cast.employee.refresh_from_db()
    assert cast.colleague.digests and not cast.employee.digests


def test_the_switch_needs_a_post(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse("account_digests")).status_code == 405
