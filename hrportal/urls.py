from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hrportal import views
from hrportal.forms import PortalPasswordResetForm

admin.site.site_header = "HC Portal administration"
admin.site.site_title = "HC Portal admin"
admin.site.index_title = "Framework, matrix, assessments and people"

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("admin/", admin.site.urls),
    # Before Django's own: imported people, who have no usable password yet, may reset it too.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PortalPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("competencies.urls")),
    path("idp/", include("idp.urls")),
]
