"""Hardened serving: what every response carries and how the portal behaves when things break
(hrportal/middleware.py, hrportal/health.py, the serving block of hrportal/settings.py)."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse

import hrportal.settings as production_settings
from hrportal import urls as portal_urls
from hrportal.views import server_error
from idp.models import ItemStatus
from tests.competencies.factories import CompetencyFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

REPO = Path(django_settings.BASE_DIR)
TEMPLATES = REPO / "templates"


def _settings_under(env: dict[str, str], *names: str) -> dict:
    """The named settings as hrportal/settings.py computes them in a fresh process with `env`."""
    code = (
        "import json, hrportal.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=REPO,
        env={"DEBUG": "True", "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        return {"error": result.stderr}
    return json.loads(result.stdout)


# What a Content-Security-Policy without unsafe-inline would block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle=|<style", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


def _inline_code(html: str) -> list[str]:
    return [m.group(0) for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER) for m in pattern.finditer(html)]


def _refuse(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def database_down(monkeypatch):
    """Call it to make every later query fail as a refused connection does."""

    def go_down():
        monkeypatch.setattr(CursorWrapper, "execute", _refuse)
        monkeypatch.setattr(CursorWrapper, "executemany", _refuse)

    yield go_down
    monkeypatch.undo()


# 1. Database down: a 503 page, kept connections health-checked.


def test_kept_database_connections_are_health_checked():
    # Kept by default: a new connection per request cost more than a page's queries.
    default = _settings_under({}, "DATABASES")["DATABASES"]["default"]
    assert (default["CONN_MAX_AGE"], default["CONN_HEALTH_CHECKS"]) == (60, True)
    assert _settings_under({"CONN_MAX_AGE": "60"}, "DATABASES")["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    assert _settings_under({"CONN_MAX_AGE": "0"}, "DATABASES")["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is False


def test_database_down_gives_the_friendly_503_page_with_retry_after(client, cast, database_down):
    client.force_login(cast.employee)
    database_down()
    response = client.get(reverse("competencies:my_gaps"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "HC Portal is briefly unavailable" in html and "Something went wrong" not in html
    assert "no-store" in response["Cache-Control"]
    assert _inline_code(html) == []


def test_other_database_errors_are_still_server_errors(client, cast, monkeypatch):
    client.force_login(cast.employee)

    def broken(*args, **kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr("competencies.views.gaps.employee_gaps", broken)
    with pytest.raises(IntegrityError):
        client.get(reverse("competencies:my_gaps"))


def test_database_down_gives_the_503_page_even_where_no_view_touches_it(client, cast, database_down):
    # A 404 reads nothing, but SessionMiddleware loads the session on the way out (to renew
    # it): that error is raised outside any view and reaches the 500 handler.
    client.force_login(cast.employee)
    database_down()
    client.raise_request_exception = False
    response = client.get("/no-such-page/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()


def test_database_errors_outside_a_view_also_give_the_503_page():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


# 2. /healthz


def test_healthz_answers_ok_without_login_cookies_or_personal_data(client, cast):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\n" and response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert client.post(reverse("healthz")).status_code == 405


def test_healthz_answers_503_while_the_database_is_down(client, database_down):
    database_down()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_not_redirected_to_https_for_plain_http_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 301


# 3. Content-Security-Policy


def test_every_page_carries_a_csp_without_unsafe_inline(client, cast):
    client.force_login(cast.employee)
    policy = client.get(reverse("competencies:my_gaps"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_templates_have_no_inline_scripts_styles_or_handlers(template):
    assert _inline_code((TEMPLATES / template).read_text()) == []


def test_portal_pages_render_no_inline_code(client, cast):
    CompetencyFactory()
    item = IdpItemFactory(employee=cast.employee, description="Line one\nLine two")
    client.force_login(cast.employee)
    for url in (reverse("competencies:my_gaps"), reverse("idp:my_plan"), reverse("idp:item", args=[item.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline_code(response.content.decode()) == [], url


@pytest.mark.parametrize(
    "url_name",
    ["admin:index", "admin:competencies_competency_changelist", "admin:competencies_competency_add", "admin:login"],
)
def test_admin_pages_render_no_inline_scripts_or_styles(client, admin_user, url_name):
    if url_name != "admin:login":
        client.force_login(admin_user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == [] and INLINE_STYLE.findall(html) == []
    assert "unsafe-inline" not in response["Content-Security-Policy"]


# 4. Headers, sessions, passwords, the admin's address


def test_signed_in_pages_and_downloads_are_private_and_not_stored(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.employee)
    page = client.get(reverse("competencies:my_gaps"))
    assert {"private", "no-store"} <= {v.strip() for v in page["Cache-Control"].split(",")}

    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.IN_PROGRESS)
    client.post(
        reverse("idp:item_action", args=[item.pk, "complete"]),
        {
            "complete-evidence_note": "Certificate",
            "complete-evidence_file": SimpleUploadedFile("cert.pdf", b"%PDF-1.4", "application/pdf"),
        },
    )
    download = client.get(reverse("idp:item_evidence", args=[item.pk]))
    assert download.status_code == 200
    assert {"private", "no-store"} <= {v.strip() for v in download["Cache-Control"].split(",")}


def test_anonymous_pages_are_not_marked_private(client):
    assert "Cache-Control" not in client.get("/no-such-page/")


def test_permissions_policy_refuses_camera_microphone_geolocation_and_payment(client, cast):
    for response in (client.get(reverse("login")), client.get("/no-such-page/")):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy


def test_the_session_ends_after_the_idle_hours_and_requests_renew_it_every_few_minutes(client, cast):
    from hrportal.middleware import SESSION_RENEWED_AT_KEY

    assert _settings_under({"SESSION_IDLE_HOURS": "2"}, "SESSION_COOKIE_AGE") == {"SESSION_COOKIE_AGE": 7200}
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(cast.employee)
    cookie_name = django_settings.SESSION_COOKIE_NAME

    # Soon after logging in, a request costs no write: the session is renewed at most every
    # few minutes, not on every page.
    with CaptureQueriesContext(connection) as captured:
        soon = client.get(reverse("notifications"))
    assert soon.status_code == 200 and cookie_name not in soon.cookies
    assert not any(query["sql"].startswith("UPDATE") for query in captured.captured_queries)

    session = client.session
    session[SESSION_RENEWED_AT_KEY] -= django_settings.SESSION_RENEW_SECONDS
    session.save()
    later = client.get(reverse("notifications"))
    assert later.cookies[cookie_name]["max-age"] == 8 * 3600  # renewed: the idle clock restarts


def test_new_passwords_are_hashed_with_argon2_and_older_hashes_still_work(settings):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    assert make_password("s3cret-Passw0rd").startswith("argon2$")
    pbkdf2 = make_password("s3cret-Passw0rd", hasher="pbkdf2_sha256")
    upgraded = []
    assert check_password("s3cret-Passw0rd", pbkdf2, setter=upgraded.append)
    assert upgraded == ["s3cret-Passw0rd"]  # re-hashed with argon2 at the next login


def test_the_admin_address_is_a_setting(client, cast):
    assert reverse("admin:index") == "/" + django_settings.ADMIN_URL
    assert "ImproperlyConfigured" in _settings_under({"ADMIN_URL": "/admin"}, "ADMIN_URL").get("error", "")
    client.force_login(cast.hc)
    try:
        with override_settings(ADMIN_URL="hc-admin/"):
            importlib.reload(portal_urls)
            clear_url_caches()
            assert reverse("admin:index") == "/hc-admin/"
            assert client.get("/hc-admin/").status_code == 200
            assert client.get("/admin/").status_code == 404
    finally:
        importlib.reload(portal_urls)
        clear_url_caches()
    assert reverse("admin:index") == "/admin/"


# 7. NUL characters


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/admin/competencies/competency/", {"name__exact": "\x00"}),
        ("get", "/admin/autocomplete/", {"term": "a\x00b", "app_label": "competencies", "model_name": "competency"}),
        ("get", "/admin/competencies/competency/", {"q\x00": "x"}),
        ("post", "/accounts/login/", {"username": "employee\x00", "password": "x"}),
        ("get", "/idp/%00/", {}),
    ],
)
def test_nul_characters_are_a_bad_request_before_any_view(client, cast, method, path, data):
    client.force_login(cast.hc)
    response = getattr(client, method)(path.replace("/admin/", "/" + django_settings.ADMIN_URL), data)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_parameters_without_nul_pass(client, cast):
    client.force_login(cast.hc)
    response = client.get(reverse("admin:competencies_competency_changelist"), {"q": "safety"})
    assert response.status_code == 200
