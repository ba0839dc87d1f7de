"""The demo framework in Bahasa Indonesia: every text seed_demo writes in English has its
Indonesian one, and an Indonesian reader of the demo sees them."""

import json

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from competencies.models import Competency, LevelDescriptor, SkillGroup
from hrportal import demo_data, demo_data_id
from hrportal.models import Position, User

pytestmark = pytest.mark.django_db


def test_every_english_text_of_the_demo_framework_has_its_indonesian_one():
    competencies = {name for _, _, _, group in demo_data.SKILL_GROUPS for name, _, _ in group}
    assert set(demo_data_id.COMPETENCIES) == competencies
    assert set(demo_data_id.SKILL_GROUPS) == {name for _, name, _, _ in demo_data.SKILL_GROUPS}
    assert set(demo_data_id.POSITIONS) == set(demo_data.POSITIONS)
    assert all(len(text.name) <= 200 for text in demo_data_id.COMPETENCIES.values())
    assert len({text.name for text in demo_data_id.SKILL_GROUPS.values()}) == len(demo_data_id.SKILL_GROUPS)
    assert len(set(demo_data_id.POSITIONS.values())) == len(demo_data_id.POSITIONS)


def test_seed_demo_writes_the_indonesian_beside_the_english_and_an_indonesian_reader_sees_it(client):
    call_command("seed_demo", verbosity=0)

    missing = Q(name_ind__isnull=True) | Q(name_ind="")
    assert not Position.objects.filter(missing).exists()
    assert not SkillGroup.objects.filter(missing | Q(description_ind="")).exists()
    assert not Competency.objects.filter(missing | Q(definition_ind="")).exists()
    assert not LevelDescriptor.objects.filter(
        Q(behaviour_indicators_ind="") | Q(syllabus_ind="") | Q(deliverable_ind="")
    ).exists()
    permit = Competency.objects.get(name_en="Permit to Work")
    assert (permit.name_ind, permit.group.name_ind) == ("Izin Kerja", "Keselamatan & Kesehatan Kerja Umum")
    descriptor = LevelDescriptor.objects.get(competency=permit, level=2)
    assert descriptor.behaviour_indicators_ind == (
        "Melaksanakan tugas rutin kompetensi Izin Kerja secara mandiri dan aman sesuai prosedur."
    )
    assert descriptor.syllabus_ind.startswith("Penerapan praktis: isolasi energi dan LOTO serta uji gas")

    employee = User.objects.get(username=demo_data.DEMO_EMPLOYEE)
    employee.language = "id"
    employee.save(update_fields=["language"])
    client.force_login(employee)
    html = client.get(reverse("competencies:my_gaps")).content.decode()
    labels = json.loads(html.split('<script id="gap-chart-data" type="application/json">')[1].split("</script>")[0])
    english = set(Competency.objects.values_list("name_en", flat=True))
    assert labels["labels"] and not english & set(labels["labels"]) - {"Coaching & Mentoring"}
    assert "Keselamatan &amp; Kesehatan Kerja Umum" in html and "General Safety" not in html  # skill groups


def test_seed_demo_in_an_indonesian_shell_writes_the_same_rows_and_runs_again():
    # A deployment with LANGUAGE_CODE=id runs the command in Indonesian: the seeder's lookups by
    # name must still read the English columns, or its second run would duplicate the framework.
    with translation.override("id"):
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo", verbosity=0)
    assert Position.objects.count() == len(demo_data.POSITIONS)
    assert Competency.objects.get(name_en="Permit to Work").name_ind == "Izin Kerja"
