"""Production-like serving: DEBUG off, hashed static files collected and served by WhiteNoise."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db

REPO = Path(django_settings.BASE_DIR)


def test_collected_static_files_are_served_over_plain_http_without_debug(settings, tmp_path):
    env = {"DEBUG": "False", "SECRET_KEY": "collectstatic-test", "STATIC_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True
    )
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    client = Client()  # a new handler, so WhiteNoise indexes the collected files
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    css_url = re.search(
        r'href="(/static/vendor/bootstrap/css/bootstrap\.min\.[0-9a-f]{12}\.css)"', page.content.decode()
    )
    assert css_url, "stylesheet is not served under a hashed name"
    css = client.get(css_url.group(1))
    assert css.status_code == 200
    assert b"Bootstrap" in b"".join(css.streaming_content)


@pytest.mark.parametrize(("value", "disabled"), [(None, False), ("True", True)])
def test_server_side_cursors_can_be_switched_off_for_pgbouncer(value, disabled):
    # docs/deployment.md: behind PgBouncer in transaction mode, QuerySet.iterator() must not
    # open a server-side cursor; DATABASE_DISABLE_SERVER_SIDE_CURSORS says so.
    env = {"DEBUG": "True", "PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://u@127.0.0.1:5432/hrportal"}
    if value is not None:
        env["DATABASE_DISABLE_SERVER_SIDE_CURSORS"] = value
    shown = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", _PRINT_CURSOR_SETTING], cwd=REPO, env=env, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    assert shown == str(disabled)


_PRINT_CURSOR_SETTING = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'hrportal.settings'; django.setup(); "
    "from django.db import connection; print(connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])"
)
