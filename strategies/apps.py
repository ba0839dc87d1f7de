from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "strategies"
    verbose_name = _("Qualification strategies")
    # HC keeps the strategies (hrportal.permissions); applying one is HC's too, on the portal's pages.
    hc_permissions = [
        f"{action}_{model}"
        for model in ("strategy", "strategytarget")
        for action in ("view", "add", "change", "delete")
    ]
