from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveys"
    verbose_name = _("Self-assessment")
    # HC reads ratings (reports, rounds) but never writes them: a rating is its author's own view.
    # HC runs the self-assessment rounds.
    hc_permissions = [
        "view_selfrating",
        "view_selfratinghistory",
        "view_supervisorrating",
        *(f"{action}_surveyround" for action in ("view", "add", "change", "delete")),
    ]
