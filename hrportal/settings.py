"""HC Portal settings: one module, every deploy-dependent value read from the environment.

See `.env.example` for the variables and their production values.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (never committed) is optional; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Outside DEBUG there is no default: a production deploy must set its own key.
SECRET_KEY = env("SECRET_KEY") if not DEBUG else env("SECRET_KEY", default="insecure-dev-key-only-for-debug")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Serves /bench/bare/, the load harness's yardstick (hrportal/bench.py). Only bench/load.py's
# server turns it on; never needed in production.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

INSTALLED_APPS = [
    # Framework content in two languages (hrportal/translation.py, competencies/translation.py);
    # before the admin, so that its TranslationAdmin widgets and static files win.
    "modeltranslation",
    "hrportal.admin_site.PortalAdminConfig",  # django.contrib.admin, with 403 for non-staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "auditlog",
    "django_tasks_db",  # before the apps: assessments.result_import_admin unregisters its admin
    "hrportal",
    "competencies",
    "surveys",  # self-ratings: above competencies, beside assessments
    "assessments",
    "idp",
    "maturity",
    "strategies",
    "learning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Serving hardening (hrportal/middleware.py): the CSP header (SECURE_CSP), a 400 for NUL
    # characters before anything reads the parameters, the 503 page while the database is down.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # The language from the cookie, Accept-Language or LANGUAGE_CODE. Before the refusals
    # below, so the NUL 400 and the database-down 503 speak the visitor's language; it reads
    # no session (Django keeps the choice in the language cookie) and must precede CommonMiddleware.
    "django.middleware.locale.LocaleMiddleware",
    "hrportal.middleware.RejectNulMiddleware",
    "hrportal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's own choice of language (User.language) wins over the browser's.
    "hrportal.middleware.UserLanguageMiddleware",
    "hrportal.middleware.SessionIdleRenewalMiddleware",
    # Permissions-Policy, and no caching of anything a signed-in person is shown.
    "hrportal.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication: puts the actor, address and user agent on every audit entry of
    # the request, and records refused (403) requests.
    "hrportal.audit.AuditMiddleware",
    # Finalises the signed-in person's online attempt whose time ran out, on their next request.
    "assessments.middleware.OverdueAttemptMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hrportal.urls"
WSGI_APPLICATION = "hrportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hrportal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept for CONN_MAX_AGE seconds (60 by default): opening a PostgreSQL connection
# per request costs more than most pages' queries (the bare authenticated view reached about 120
# requests/s with 0). 0 opens one per request; each gunicorn worker keeps at most one.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A kept connection is tested before a request reuses it, so one dropped by a database restart
# costs a reconnect, not an error page.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_MAX_AGE"] != 0
# Behind PgBouncer in transaction mode a server-side cursor (QuerySet.iterator() on PostgreSQL)
# may meet another client's connection half way: docs/deployment.md, Database connections.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)

AUTH_USER_MODEL = "hrportal.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair must wait LOGIN_COOLOFF_MINUTES; HC can lift it in the admin (Axes).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Password spraying: after LOGIN_ADDRESS_FAILURE_LIMIT wrong passwords from one address within
# the cool-off, whatever the usernames, that address waits too (hrportal/login_throttle.py).
AXES_HANDLER = "hrportal.login_throttle.PortalAxesHandler"
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy, the number of proxies in front of Django (client address from X-Forwarded-For).
AXES_IPWARE_PROXY_COUNT = env.int("LOGIN_PROXY_COUNT", default=0) or None
# Joining with a code (/join/, hrportal/joining.py): at most JOIN_ADDRESS_ATTEMPTS attempts from
# one client address and JOIN_CODE_ATTEMPTS with one code within JOIN_WINDOW_MINUTES; more get a
# 429 saying when to try again. Ten per address, not five: new people often join together from
# one office network (one address behind NAT). The address is the one django-axes sees.
JOIN_ATTEMPT_WINDOW = timedelta(minutes=env.int("JOIN_WINDOW_MINUTES", default=15))
JOIN_ADDRESS_ATTEMPTS = env.int("JOIN_ADDRESS_ATTEMPTS", default=10)
JOIN_CODE_ATTEMPTS = env.int("JOIN_CODE_ATTEMPTS", default=30)
# Audit trail (django-auditlog, hrportal/audit.py): every change that matters, logins and
# refused requests, in one table the application never edits. Entries older than the
# retention are removed by `manage.py purge_audit`, which keeps each object's latest entry.
AUDITLOG_LOGENTRY_MODEL = "hrportal.AuditEntry"
# django-auditlog's own migrations create its default entry table even when the model is
# swapped for ours; unused, its foreign key to users would block the test runner's flush
# (TRUNCATE) on PostgreSQL. Its one model is swapped out, so without migrations it has no table.
MIGRATION_MODULES = {"auditlog": None}
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)

# Online assessments: an answer may arrive this long after the deadline (network latency)
# and still count; later ones are refused.
ASSESSMENT_GRACE_SECONDS = env.int("ASSESSMENT_GRACE_SECONDS", default=5)
# A level whose evidence lapses within this many days shows as expiring (amber).
EXPIRY_WARNING_DAYS = env.int("EXPIRY_WARNING_DAYS", default=90)
# Days before a level lapses when the employee and their supervisor are reminded (and on
# the day itself): send_expiry_reminders.
EXPIRY_REMINDER_DAYS = (90, 30)
if not 1 <= AUDIT_RETENTION_DAYS <= 1095:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be from 1 to 1095 (three years).")
# Background tasks (django.tasks): a long results import runs as one. The database backend
# needs no other server: `manage.py db_worker` runs the queued tasks (`make worker`; `make run`
# starts one beside the dev server). Tests run each task at once (pyproject.toml).
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# hrportal.background: a task that raises runs again after TASK_RETRY_SECONDS × 4ⁿ (1, 4, 16, 64
# minutes), TASK_ATTEMPTS runs in all; then HC sees it among the failed background tasks.
TASK_ATTEMPTS = env.int("TASK_ATTEMPTS", default=5)
TASK_RETRY_SECONDS = env.int("TASK_RETRY_SECONDS", default=60)
# A task still marked running this long after it started lost its worker (killed mid-run): it
# counts as a failed attempt (hrportal.background.stalled_tasks_recover). Longer than any task
# runs: the largest, a results import, takes seconds.
TASK_STALLED_MINUTES = env.int("TASK_STALLED_MINUTES", default=60)
# Page fragments (hrportal/page_cache.py) are cached under keys made of version stamps kept in
# the database, so any backend is correct, a per-process one too: a change makes a new key
# everywhere at once, and no stale entry is ever read. The default, LocMem in each worker
# (Django's 300 entries each), needs no server; a shared cache gives every worker and app
# server the same entries, so a page is rendered once per change instead of once per worker:
# "redis://host:6379/1" (needs the redis package) or "dbcache://page_cache" (after
# `manage.py createcachetable`). PAGE_CACHE_SECONDS bounds an entry's life (0 turns the page
# cache off); PAGE_CACHE_RELEASE names the release in the keys (default: a digest of the code
# and templates, worked out at start).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600)
PAGE_CACHE_RELEASE = env("PAGE_CACHE_RELEASE", default="")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Idle timeout: a session ends SESSION_IDLE_HOURS after the last request. Requests renew it
# at most every SESSION_RENEW_SECONDS (hrportal.middleware.SessionIdleRenewalMiddleware), not
# on every request, which would cost every page a database write.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_HOURS", default=8) * 60 * 60
SESSION_RENEW_SECONDS = 300
# The admin's address: another path than the well-known admin/ keeps it off scanners' lists.
ADMIN_URL = env("ADMIN_URL", default="admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured('ADMIN_URL must be a relative path ending in "/", e.g. "hc-admin/".')

# Argon2 for new and changed passwords; the others still check (and upgrade on login) older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The portal speaks British English and Bahasa Indonesia. British, not US, English: its
# dates read day month year ("12 May 2026"), as Indonesian ones do ("12 Mei 2026"), so each
# locale has one date format and the two read alike. A user's own choice (User.language)
# wins; before they choose, the browser's Accept-Language decides, then LANGUAGE_CODE.
LANGUAGES = [
    ("en-gb", _("English")),
    ("id", _("Bahasa Indonesia")),
]
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en-gb")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
# One way of writing a day and a moment per language, where Django's own are uneven
# (hrportal/formats): "12 May 2026, 14:30", "12 Mei 2026, 14.30".
FORMAT_MODULE_PATH = ["hrportal.formats"]
# Framework content (competency names and definitions, skill groups, descriptors, positions)
# is data in both languages: django-modeltranslation adds a column per language, `name_en`
# and `name_ind` (its spelling of Indonesian, so that no column ends in "_id"). English is
# the default and the fallback: a missing Indonesian text shows the English one.
MODELTRANSLATION_LANGUAGES = ("en", "id")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)


def _translated_field_label(verbose_name: str, language: str) -> str:
    # The admin's label of one language's field: "name (Bahasa Indonesia)" rather than the
    # library's "name [ind]"; worked out lazily, in the admin reader's language.
    return f"{verbose_name} ({_('English') if language == 'en' else _('Bahasa Indonesia')})"


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _translated_field_label
# The language cookie keeps a choice made before signing in (the login page's switch) and,
# set again from User.language, makes the login page speak it after signing out.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True  # scripts read the page's <html lang>, never the cookie
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The organisation works in Western Indonesia Time (WIB): pages show dates and times in it,
# and a date or time without a zone (an import's, a form's) is read in it.
TIME_ZONE = env("TIME_ZONE", default="Asia/Jakarta")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names outside DEBUG (needs collectstatic); plain files while developing.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded files (IDP evidence) are private: stored here, never served by URL, only
# through views that check access. Keep MEDIA_ROOT outside any web server's document root.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
IDP_EVIDENCE_MAX_MB = env.int("IDP_EVIDENCE_MAX_MB", default=5)
# A submitted IDP item waiting more than this many working days (Mon–Fri) for approval escalates
# to the supervisor's supervisor, then to HC (`manage.py escalate_approvals`, daily).
IDP_ESCALATION_WORKING_DAYS = env.int("IDP_ESCALATION_WORKING_DAYS", default=5)
FILE_UPLOAD_PERMISSIONS = 0o640


def _mailer_from_url(url: str) -> dict:
    """Django 6.1's MAILERS entry from an EMAIL_URL (smtp://user:pass@host:587, consolemail://)."""
    config = environ.Env.email_url_config(url)
    mailer: dict = {"BACKEND": config["EMAIL_BACKEND"]}
    if config["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
        mailer["OPTIONS"] = {
            "host": config.get("EMAIL_HOST") or "localhost",
            "port": config.get("EMAIL_PORT") or None,
            "username": config.get("EMAIL_HOST_USER") or None,
            "password": config.get("EMAIL_HOST_PASSWORD") or None,
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": 10,
        }
    return mailer


MAILERS = {"default": _mailer_from_url(env("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="HC Portal <hc-portal@localhost>")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# HTTPS-only protections: off by default so the portal runs over plain HTTP on
# 127.0.0.1; a production deploy behind TLS switches them on (see .env.example).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy: scripts and styles only from our own static files, no inline ones
# (page scripts live in static/js/, data for them in json_script blocks, which do not run).
# Bootstrap's stylesheet draws some icons from data: URLs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features the portal never uses, refused for every page (hrportal/middleware.py).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
