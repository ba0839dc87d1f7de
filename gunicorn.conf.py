"""gunicorn's settings for `make serve` and production (gunicorn reads this file from the working
directory; every value comes from the environment, documented in .env.example and docs/deployment.md).

Sync workers: every request is short (pages, autosaves; long work goes to the task worker), so a
worker per request in flight is the simplest model that cannot starve, and each worker keeps one
database connection (CONN_MAX_AGE).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


wsgi_app = "hrportal.wsgi:application"
# HOST and PORT, as `make run` takes them; GUNICORN_BIND (e.g. unix:/run/hrportal.sock) wins.
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"
# Gunicorn's rule of thumb for sync workers: two per core and one more.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
# A request running longer than this is killed and answered 502 by the proxy: long imports and
# reports run as background tasks, so a page that needs more is a fault worth seeing in the log.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle keep-alive connection from the load balancer is held open.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are replaced after this many requests (with jitter, so not all at once), which bounds
# any slow growth of a worker's memory; 0 never replaces them. Not much lower: a new worker
# spends about a second of CPU loading the portal and starts with an empty page cache (locmem),
# which at 2,000 requests cost a fifth of the bare view's throughput in the load run.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Heartbeat files in memory, not on a possibly slow disk (gunicorn's advice for containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - gunicorn's heartbeat files
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The client address from X-Forwarded-For is taken only from these proxies (LOGIN_PROXY_COUNT
# tells Django how many there are).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn 27's runtime control socket sits at one path per user, which two servers on one
# machine (a second instance, the test that serves the portal) would share; the portal is
# managed by its process manager's signals instead.
control_socket_disable = True
