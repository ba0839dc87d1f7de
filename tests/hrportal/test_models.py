import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hrportal.models import HC_GROUP_NAME, User
from tests.hrportal.factories import HcUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_a_user_as_their_own_supervisor():
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(supervisor=user)


def test_form_validation_names_the_supervisor_field_for_self_supervision():
    user = UserFactory()
    user.supervisor = user
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "supervisor" in error.value.message_dict


def test_employee_numbers_are_unique():
    UserFactory(employee_number="E1")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(employee_number="E1")


def test_several_users_may_have_no_employee_number():
    UserFactory(employee_number=None)
    UserFactory(employee_number=None)
    assert User.objects.filter(employee_number__isnull=True).count() == 2


def test_hc_is_active_staff_in_the_hc_group_or_a_superuser():
    assert HcUserFactory().is_hc
    assert User.objects.create_superuser("root", "root@example.com", "pw").is_hc
    assert not UserFactory().is_hc
    assert not HcUserFactory(is_staff=False).is_hc
    assert not HcUserFactory(is_active=False).is_hc
    staff_outside_group = UserFactory(is_staff=True)
    assert not staff_outside_group.is_hc


def test_migrate_creates_the_hc_group_with_its_permissions():
    group = Group.objects.get(name=HC_GROUP_NAME)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_assessmentresult", "change_competencymapping", "change_competencylevel", "change_user"} <= codenames
    # History is read-only for everyone, HC included.
    assert "change_competencylevelhistory" not in codenames
    assert "delete_competencylevelhistory" not in codenames


def test_hc_cannot_edit_a_superuser_in_the_admin(client):
    from django.urls import reverse

    root = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(HcUserFactory())
    url = reverse("admin:hrportal_user_change", args=[root.pk])
    client.post(url, {"username": "root", "email": "attacker@example.com"})
    root.refresh_from_db()
    assert root.email == "root@example.com"
    assert 'name="email"' not in client.get(url).content.decode()
