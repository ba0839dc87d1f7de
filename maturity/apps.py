from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaturityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "maturity"
    verbose_name = _("Organisation maturity")
    # HC keep the questionnaire; the assessments they record are history: read, never changed.
    hc_permissions = [
        f"{action}_{model}"
        for model in ("maturityquestion", "maturityoption")
        for action in ("view", "add", "change", "delete")
    ] + ["view_maturityassessment", "view_maturityanswer"]
