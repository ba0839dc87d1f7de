"""The admin names models and columns in the reader's language: every model and field of our
apps names itself through gettext_lazy, never through the English Django derives from the
class or attribute name (which no catalogue can translate)."""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils.functional import Promise

from competencies.models import CompetencyLevel, LevelSource
from tests.competencies.factories import CompetencyFactory

OUR_APPS = ("hrportal", "competencies", "surveys", "assessments", "idp", "maturity", "strategies")


def _our_fields():
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            # Fields of an abstract parent (Django's user, django-auditlog's entry) are that
            # library's to name, and translated in its catalogue where it shows them.
            inherited = {
                field.name
                for base in model.__mro__[1:]
                if getattr(getattr(base, "_meta", None), "abstract", False)
                for field in base._meta.local_fields + base._meta.local_many_to_many
            }
            for field in model._meta.local_fields + model._meta.local_many_to_many:
                if not field.auto_created and field.name not in inherited:
                    yield model, field


def test_every_model_names_itself_translatably():
    untranslatable = [
        f"{model._meta.label}.{option}"
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for option in ("verbose_name", "verbose_name_plural")
        if not isinstance(getattr(model._meta, option), Promise)
    ]
    assert untranslatable == []


def test_every_field_names_itself_translatably():
    untranslatable = [
        f"{model._meta.label}.{field.name}"
        for model, field in _our_fields()
        if not isinstance(field.verbose_name, Promise)
    ]
    assert untranslatable == []


@pytest.mark.django_db
def test_the_admin_hc_uses_daily_names_its_models_and_columns_in_indonesian(client, cast):
    cast.hc.language = "id"
    cast.hc.save(update_fields=["language"])
    CompetencyLevel.objects.create(
        employee=cast.employee, competency=CompetencyFactory(), level=2, source=LevelSource.MANUAL
    )
    client.force_login(cast.hc)

    index = client.get(reverse("admin:index")).content.decode()
    levels = client.get(reverse("admin:competencies_competencylevel_changelist")).content.decode()

    for english, indonesian in [
        ("Competency levels", "Level kompetensi"),
        ("Skill groups", "Kelompok keahlian"),
        ("Position targets", "Target jabatan"),
        ("IDP items", "Butir IDP"),
        ("Notifications", "Notifikasi"),
    ]:
        assert english not in index and indonesian in index
    # The column headers of a list whose fields had no verbose name.
    assert "Achieved at" not in levels and "Dicapai pada" in levels
    assert "Evidence note" not in levels and "Catatan bukti" in levels
