from django.apps import AppConfig


class IdpConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "idp"
    verbose_name = "Individual development plans"
    hc_permissions = ["view_idpitem", "change_idpitem", "view_idpitemtransition"]
