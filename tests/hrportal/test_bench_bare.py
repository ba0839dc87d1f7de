"""/bench/bare/, the load harness's yardstick (hrportal/bench.py): absent unless BENCH_ENDPOINTS is
on, and when on, a signed-in page like every other (the same middleware, the same login)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_bare_view_is_absent_by_default(client, cast):
    client.force_login(cast.employee)

    assert client.get(reverse("bench_bare")).status_code == 404


def test_bare_view_answers_a_signed_in_person_through_the_page_middleware(client, cast, settings):
    settings.BENCH_ENDPOINTS = True
    client.force_login(cast.employee)

    response = client.get(reverse("bench_bare"))

    assert response.status_code == 200
    assert response.content == b"ok\n"
    # What the stack adds to every signed-in page: the private-page headers and the CSP.
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_bare_view_sends_the_anonymous_to_the_login_page(client, settings):
    settings.BENCH_ENDPOINTS = True

    response = client.get(reverse("bench_bare"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deploy_check_warns_while_the_bare_view_is_served(settings):
    from django.core.checks import run_checks

    def warnings() -> list[str]:
        return [message.id for message in run_checks(include_deployment_checks=True)]

    assert "hrportal.W001" not in warnings()
    settings.BENCH_ENDPOINTS = True
    assert "hrportal.W001" in warnings()
