from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "competencies"
    verbose_name = _("Competencies")
    hc_permissions = [
        f"{action}_{model}"
        for model in ("skillgroup", "competency", "leveldescriptor", "positiontarget", "careerpath", "careerpathstep")
        for action in ("view", "add", "change", "delete")
    ] + [
        "view_competencylevel",
        "add_competencylevel",
        "change_competencylevel",
        "view_competencylevelhistory",
        "view_positiontargethistory",
    ]
