from django.contrib import admin
from django.urls import include, path

from hrportal import views

admin.site.site_header = "HC Portal administration"
admin.site.site_title = "HC Portal admin"
admin.site.index_title = "Framework, matrix, assessments and people"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("competencies.urls")),
]
