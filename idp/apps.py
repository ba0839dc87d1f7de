from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _close_items_by_result(result) -> None:
    from idp.services import idp_items_close_by_result

    idp_items_close_by_result(result=result)


def _close_items_by_results(results) -> None:
    from idp.services import idp_items_close_by_results

    idp_items_close_by_results(results=results)


def _reopen_items_by_void(result) -> None:
    from idp.services import idp_items_reopen_by_void

    idp_items_reopen_by_void(result=result)


class IdpConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "idp"
    verbose_name = _("Individual development plans")
    hc_permissions = ["view_idpitem", "change_idpitem", "view_idpitemtransition"]

    def ready(self) -> None:
        # A passed assessment closes the items naming it: a service call that points up the
        # app order, so idp registers it with the one path from results to levels.
        from assessments.services.results import on_result_recorded, on_results_recorded

        on_result_recorded(_close_items_by_result)
        on_results_recorded(_close_items_by_results)  # the same for a bulk import
        # A voided result reopens what its pass closed, in the voiding transaction.
        from assessments.services.voiding import on_result_voided

        on_result_voided(_reopen_items_by_void)
