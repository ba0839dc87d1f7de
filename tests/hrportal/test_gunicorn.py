"""The portal served as production serves it: gunicorn with gunicorn.conf.py, DEBUG off, static
files collected and served by WhiteNoise from the compressed manifest (`make serve`)."""

import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _config(**env: str) -> dict:
    old = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(REPO / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_workers_timeouts_and_address_come_from_the_environment():
    config = _config(GUNICORN_WORKERS="5", GUNICORN_TIMEOUT="45", HOST="0.0.0.0", PORT="8001")  # noqa: S104
    assert (config["workers"], config["timeout"], config["bind"]) == (5, 45, "0.0.0.0:8001")
    assert _config(GUNICORN_BIND="unix:/run/hrportal.sock")["bind"] == "unix:/run/hrportal.sock"
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS must be a whole number"):
        _config(GUNICORN_WORKERS="five")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - a local URL
    return urllib.request.urlopen(request, timeout=10)  # noqa: S310


@pytest.fixture
def gunicorn_portal(tmp_path):
    """A migrated SQLite portal with collected static files, served by gunicorn (2 workers)."""
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "False",
        "SECRET_KEY": "gunicorn-test-only-a-long-random-looking-secret-value",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_WORKERS": "2",
        "PORT": str(port),
        "GUNICORN_ACCESS_LOG": "",
        "TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
    }
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True, capture_output=True)  # noqa: S603
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=REPO, env=env, stdout=log, stderr=log)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_gunicorn_serves_pages_and_compressed_hashed_static_files(gunicorn_portal):
    health = _get(f"{gunicorn_portal}/healthz")
    assert (health.status, health.read()) == (200, b"ok\n")

    login = _get(f"{gunicorn_portal}/accounts/login/").read().decode()
    assert "Log in" in login
    # The page names its stylesheets by their content's hash (the manifest), so a new release
    # never meets a browser's cached old file...
    stylesheets = re.findall(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', login)
    assert stylesheets, login
    # ...which may therefore be cached for ever, and is sent compressed to a browser that asks.
    static = _get(f"{gunicorn_portal}{stylesheets[0]}", **{"Accept-Encoding": "gzip"})
    assert static.headers["Content-Encoding"] == "gzip"
    assert "immutable" in static.headers["Cache-Control"]
