"""The portal's admin site: Django's, except that a signed-in person who may not use it, or an
app of it, gets 403 (PRODUCT.md: a page the viewer's role may not use answers 403), not the
admin's login form ("You are authenticated as … but are not authorized") or a 404."""

from functools import wraps
from pathlib import Path

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

# Not a folder named "locale": makemessages would take it for hrportal's catalogue and write
# the strings of hrportal/ there instead of to locale/.
ADMIN_SCRIPT_TEXTS = Path(__file__).resolve().parent / "admin_script_texts"


class PortalAdminSite(admin.AdminSite):
    site_header = _("HC Portal administration")
    site_title = _("HC Portal admin")
    index_title = _("Framework, matrix, assessments and people")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def refuse_signed_in_non_staff(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            response = inner(request, *args, **kwargs)
            if request.method == "POST":
                # Whatever HC changed here (the matrix, a competency, an assessment, a person's
                # position, an action on many rows) may be on every person's pages: one door
                # for all of the admin's saves, deletes and actions, rather than a call in
                # each ModelAdmin that a new one could forget. Admin edits are rare beside
                # page views, so a framework-wide miss after each costs little.
                from hrportal.page_cache import bump_framework  # noqa: PLC0415 (loaded before the models are)

                bump_framework()
            return response

        return refuse_signed_in_non_staff

    def app_index(self, request, app_label, extra_context=None):
        # Django answers 404 for an app none of whose models the person may use; it exists,
        # so it is a 403 (only an app the site does not know is a 404).
        registered = {model._meta.app_label for model in self._registry}
        if app_label in registered and not self.get_app_list(request, app_label):
            raise PermissionDenied
        return super().app_index(request, app_label, extra_context)

    def index(self, request, extra_context=None):
        # HC hears here of background work that failed for good (hrportal.background): one count.
        from hrportal.models import TaskFailure

        failed = 0
        if request.user.has_perm("hrportal.view_taskfailure"):
            failed = TaskFailure.objects.unresolved().count()
        return super().index(request, {"failed_tasks": failed, **(extra_context or {})})

    def login(self, request, extra_context=None):
        if request.method == "GET" and request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return super().login(request, extra_context)

    def i18n_javascript(self, request, extra_context=None):
        return AdminScriptCatalogue.as_view(packages=["django.contrib.admin"])(request)


class AdminScriptCatalogue(JavaScriptCatalog):
    """Django's admin scripts' catalogue, completed by the portal's (ADMIN_SCRIPT_TEXTS, domain
    djangojs) where Django's Indonesian lacks a string: the date shortcut's accessible name
    "Today (3 Desember 2026)" stayed English beside its visible "Hari ini", which a screen
    reader user hears as another control (axe: label-content-name-mismatch)."""

    def get_paths(self, packages):
        return [*super().get_paths(packages), str(ADMIN_SCRIPT_TEXTS)]


class PortalAdminConfig(AdminConfig):
    default_site = "hrportal.admin_site.PortalAdminSite"
