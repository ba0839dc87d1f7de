from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hrportal import bench, health, views
from hrportal.forms import PortalPasswordResetForm

# Also the database-unavailable 503 for errors raised outside a view (hrportal.middleware).
handler500 = "hrportal.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    # For load balancers: no login, plain text (hrportal/health.py).
    path("healthz", health.healthz, name="healthz"),
    # The load harness's yardstick (hrportal/bench.py): 404 unless BENCH_ENDPOINTS is on.
    path("bench/bare/", bench.bare, name="bench_bare"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/archive/", views.notification_archive_view, name="notification_archive"),
    path("notifications/archive-read/", views.notifications_archive_read_view, name="notifications_archive_read"),
    path(settings.ADMIN_URL, admin.site.urls),
    # Before Django's own: imported people, who have no usable password yet, may reset it too.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PortalPasswordResetForm),
        name="password_reset",
    ),
    # New employees choose their first password with a join code from HC (hrportal/joining.py).
    path("join/", views.join, name="join"),
    path("join/sent/", views.join_sent, name="join_sent"),
    path("accounts/profile/", views.account, name="account"),
    path("accounts/profile/digests/", views.account_digests, name="account_digests"),
    path("language/", views.language_set, name="language_set"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("competencies.urls")),
    path("", include("surveys.urls")),
    path("idp/", include("idp.urls")),
    path("learning/", include("learning.urls")),
    path("assessments/", include("assessments.urls")),
    path("strategies/", include("strategies.urls")),
    path("maturity/", include("maturity.urls")),
]
