"""The HC group and its permissions, kept current on every migrate."""

from typing import Any

from django.apps import AppConfig

# Apps we do not own: what HC needs of them. django-axes: see and lift login lockouts.
THIRD_PARTY_HC_PERMISSIONS = {
    "axes": ["view_accessattempt", "delete_accessattempt", "view_accessfailurelog", "view_accesslog"],
}


def grant_hc_permissions(sender: AppConfig, using: str = "default", apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver: give the HC group the permissions `sender.hc_permissions` lists.

    Each app declares `hc_permissions` (codenames of its own models' permissions) on its
    AppConfig. Runs after auth's own receiver has created the permissions for `sender`.
    """
    codenames = getattr(sender, "hc_permissions", None) or THIRD_PARTY_HC_PERMISSIONS.get(sender.label)
    if not codenames or apps is None:
        return
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:
        return
    from hrportal.models import HC_GROUP_NAME

    group, _ = group_model.objects.using(using).get_or_create(name=HC_GROUP_NAME)
    permissions = permission_model.objects.using(using).filter(
        content_type__app_label=sender.label, codename__in=codenames
    )
    group.permissions.add(*permissions)
