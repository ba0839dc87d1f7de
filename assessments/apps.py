from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("Assessments")
    hc_permissions = [
        f"{action}_{model}"
        for model in ("assessment", "competencymapping")
        for action in ("view", "add", "change", "delete")
    ] + [
        "view_assessmentresult",
        "add_assessmentresult",
        # A result is never edited: "change" is the permission to void one (assessments.result_admin).
        "change_assessmentresult",
        *(
            f"{action}_{model}"
            for model in ("question", "answeroption")
            for action in ("view", "add", "change", "delete")
        ),
        "view_attempt",
        "view_integrityevent",
    ]
