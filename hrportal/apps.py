from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class HrportalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hrportal"
    verbose_name = _("People and organisation")
    # Permissions the HC group holds on this app's models (see hrportal.permissions).
    hc_permissions = [
        "view_user",
        "add_user",
        "change_user",
        "view_section",
        "add_section",
        "change_section",
        "delete_section",
        "view_position",
        "add_position",
        "change_position",
        "delete_position",
        "view_notification",
        "view_auditentry",
        # Delegations: created and ended early in the admin, never changed or deleted.
        "view_approvaldelegation",
        "add_approvaldelegation",
        # Join codes: created, then only revoked (the one change; the admin's form stays read-only).
        "view_joincode",
        "add_joincode",
        "change_joincode",
        # Failed background tasks: seen, and marked dealt with (the change); scheduled jobs: seen.
        "view_taskfailure",
        "change_taskfailure",
        "view_periodicjob",
        # Spreadsheet imports confirmed in the admin: seen (the import task writes them).
        "view_spreadsheetimport",
    ]

    def ready(self) -> None:
        from hrportal.audit import connect_login_receivers, register_tracked_models
        from hrportal.permissions import grant_hc_permissions

        register_tracked_models()
        connect_login_receivers()
        from django.contrib.auth.signals import user_logged_in

        from hrportal.middleware import mark_new_session_renewed, remember_served_language

        user_logged_in.connect(mark_new_session_renewed, dispatch_uid="hrportal.session_renewed_at_login")
        user_logged_in.connect(remember_served_language, dispatch_uid="hrportal.served_language_at_login")

        # Registers its check (check --deploy warns while the bench's yardstick is served).
        import hrportal.bench  # noqa: F401

        # Django's post_migrate idiom: each app hands its own HC permissions to the
        # group after migrate, so a fresh database has them and they stay current.
        post_migrate.connect(grant_hc_permissions, dispatch_uid="hrportal.grant_hc_permissions")
