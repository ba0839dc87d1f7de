import pytest
from axes.utils import reset
from django.core import mail
from django.urls import reverse

from tests.hrportal.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_working_link(client, cast, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": cast.employee.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [cast.employee.email]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.strip().removeprefix(settings.SITE_URL.rstrip("/")), follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"}
    )
    assert response.status_code == 302
    cast.employee.refresh_from_db()
    assert cast.employee.check_password("a-new-Passw0rd!")


@pytest.mark.parametrize("secure", [False, True])
def test_password_reset_link_starts_with_site_url_whatever_the_host_header(
    client, cast, settings, secure, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    settings.SITE_URL = "https://hc.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("password_reset"), {"email": cast.employee.email}, HTTP_HOST="evil.example", secure=secure
        )
    assert response.status_code == 302
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    assert link.strip().startswith("https://hc.example.com/accounts/reset/")
    assert "evil.example" not in mail.outbox[0].body


def test_password_reset_sent_by_hc_from_the_admin_links_to_site_url(
    client, cast, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    settings.SITE_URL = "http://hc.internal:8000"
    client.force_login(cast.hc)
    url = reverse("admin:hrportal_user_send_password_reset", args=[cast.employee.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, HTTP_HOST="evil.example").status_code == 302
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    assert link.strip().startswith("http://hc.internal:8000/accounts/reset/")


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


def test_repeated_wrong_passwords_lock_the_login_for_a_while(client, cast, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "employee", "password": "wrong"})
        assert (
            response.status_code == 200 and "Please enter a correct username and password" in response.content.decode()
        )

    response = client.post(reverse("login"), {"username": "employee", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "Try again in 15 minutes." in response.content.decode()
    assert "If you need to log in sooner, HC can lift the pause." in response.content.decode()

    # Even the right password is refused until the pause is over or HC lifts it.
    response = client.post(reverse("login"), {"username": "employee", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    reset(username="employee")
    response = client.post(reverse("login"), {"username": "employee", "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_of_one_user_leaves_others_alone(client, cast, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "employee", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 302


def test_hc_may_lift_a_lockout_in_the_admin(client, cast):
    from django.contrib.auth.models import Permission

    assert cast.hc.has_perm("axes.delete_accessattempt")
    assert Permission.objects.filter(group__name="HC", codename="view_accessattempt").exists()


def test_one_password_sprayed_over_many_usernames_locks_the_address(client, cast, settings):
    """Password spraying: one failure per username never reaches the per-username limit, so the
    address has its own (LOGIN_ADDRESS_FAILURE_LIMIT failures within the cool-off)."""
    settings.AXES_ENABLED = True
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    for n in range(19):
        response = client.post(reverse("login"), {"username": f"person{n}", "password": "Summer2026!"})
        assert response.status_code == 200, n
    # Signing in with one's own account in between clears only one's own failures.
    assert client.post(reverse("login"), {"username": "employee", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))

    response = client.post(reverse("login"), {"username": "person19", "password": "Summer2026!"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    # The whole address waits, even with a right password ...
    response = client.post(reverse("login"), {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # ... while other addresses are not affected.
    response = client.post(reverse("login"), {"username": "colleague", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302


def test_the_address_limit_counts_only_failures_within_the_cool_off(client, cast, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    settings.AXES_ENABLED = True
    for n in range(19):
        client.post(reverse("login"), {"username": f"person{n}", "password": "Summer2026!"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 2)
    assert client.post(reverse("login"), {"username": "person19", "password": "x"}).status_code == 200
    assert client.post(reverse("login"), {"username": "employee", "password": PASSWORD}).status_code == 302
