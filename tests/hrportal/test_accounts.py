import pytest
from django.core import mail
from django.urls import reverse

from tests.hrportal.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_working_link(client, cast):
    response = client.post(reverse("password_reset"), {"email": cast.employee.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [cast.employee.email]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.strip().replace("http://testserver", ""), follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"}
    )
    assert response.status_code == 302
    cast.employee.refresh_from_db()
    assert cast.employee.check_password("a-new-Passw0rd!")


def test_employee_changes_own_password(client, cast):
    client.force_login(cast.employee)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "another-Passw0rd!", "new_password2": "another-Passw0rd!"},
    )
    assert response.status_code == 302
    cast.employee.refresh_from_db()
    assert cast.employee.check_password("another-Passw0rd!")


def test_logout_is_a_post_that_ends_the_session(client, cast):
    client.force_login(cast.employee)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("competencies:my_gaps")).status_code == 302
