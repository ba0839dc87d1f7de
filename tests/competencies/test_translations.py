"""Framework content in the reader's language: an Indonesian reader sees the Indonesian names
of competencies, skill groups and positions, and the English one where no Indonesian is given;
an English reader sees English. Page by page, because each page reads names its own way
(instances, values(), raw SQL, exports, chart data)."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competencies.models import Competency, CompetencyLevel, SkillGroup
from hrportal.models import Position
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, SkillGroupFactory, give_level
from tests.hrportal.factories import HcUserFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

PERMIT = {"en": "Permit to Work", "id": "Izin Kerja"}
COST = "Cost Awareness"  # no Indonesian name: shown in English to everyone
SUPERVISOR = {"en": "Shift Supervisor", "id": "Pengawas Shift"}


@pytest.fixture
def framework():
    """A Shift Supervisor targets PTW (named in both languages) 3 and CST (English only) 2; the
    employee holds PTW 1, expiring in ten days. Their supervisor and an HC member read Indonesian."""
    group = SkillGroupFactory(name="General Safety & Health", name_ind="Keselamatan & Kesehatan Kerja Umum")
    permit = CompetencyFactory(code="PTW", name=PERMIT["en"], name_ind=PERMIT["id"], group=group)
    cost = CompetencyFactory(code="CST", name=COST, group=group)
    position = PositionFactory(name=SUPERVISOR["en"], name_ind=SUPERVISOR["id"])
    PositionTargetFactory(position=position, competency=permit, target_level=3)
    PositionTargetFactory(position=position, competency=cost, target_level=2)
    supervisor = UserFactory(language="id", position=None)
    employee = UserFactory(language="id", position=position, supervisor=supervisor)
    give_level(employee, permit, 1)
    CompetencyLevel.objects.filter(employee=employee).update(expires_at=timezone.now() + timedelta(days=10))
    hc = HcUserFactory(language="id", position=None, employee_number=None)
    return {"employee": employee, "supervisor": supervisor, "hc": hc, "position": position}


def _json(html: str, element_id: str):
    opening = f'<script id="{element_id}" type="application/json">'
    start = html.index(opening) + len(opening)
    return json.loads(html[start : html.index("</script>", start)])


def _page(client, user, url, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_gap_dashboard_and_its_radar_speak_the_readers_language(client, framework):
    html = _page(client, framework["employee"], reverse("competencies:my_gaps"))
    assert PERMIT["id"] in html and COST in html
    assert PERMIT["en"] not in html
    assert _json(html, "gap-chart-data")["labels"] == [PERMIT["id"], COST]

    framework["employee"].language = "en-gb"
    framework["employee"].save(update_fields=["language"])
    html = _page(client, framework["employee"], reverse("competencies:my_gaps"))
    assert _json(html, "gap-chart-data")["labels"] == [PERMIT["en"], COST]
    assert PERMIT["id"] not in html


def test_career_page_names_positions_and_competencies_in_the_readers_language(client, framework):
    other = PositionFactory(name="Technician")  # no Indonesian name
    PositionTargetFactory(position=other, competency=Competency.objects.get(code="PTW"))
    html = _page(client, framework["employee"], reverse("competencies:career"), compare=other.pk)
    assert SUPERVISOR["id"] in html and "Technician" in html and PERMIT["id"] in html
    assert SUPERVISOR["en"] not in html and PERMIT["en"] not in html
    # The positions to compare with, in the order of the names the reader sees.
    assert html.index(f">{SUPERVISOR['id']}</option>") < html.index(">Technician</option>")


def test_team_heatmap_columns_speak_the_supervisors_language(client, framework):
    html = _page(client, framework["supervisor"], reverse("competencies:team"))
    labels = _json(html, "gap-chart-data")["labels"]
    assert sorted(labels) == sorted([PERMIT["id"], COST])
    assert PERMIT["en"] not in html


def test_report_tables_from_sql_speak_the_readers_language(client, framework):
    html = _page(client, framework["hc"], reverse("competencies:reports"))
    assert PERMIT["id"] in html and COST in html and SUPERVISOR["id"] in html
    assert PERMIT["en"] not in html and SUPERVISOR["en"] not in html


@pytest.mark.parametrize(
    ("table", "expected"), [("competency", {PERMIT["id"], COST}), ("position", {SUPERVISOR["id"]})]
)
def test_report_export_speaks_the_readers_language(client, framework, table, expected):
    client.force_login(framework["hc"])
    response = client.get(reverse("competencies:reports_export"), {"table": table, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {cell for row in rows[1:] for cell in row}
    assert expected <= names
    assert PERMIT["en"] not in names and SUPERVISOR["en"] not in names


def test_expiry_report_counts_and_rows_speak_the_readers_language(client, framework):
    html = _page(client, framework["hc"], reverse("competencies:expiry_report"))
    assert html.count(PERMIT["id"]) >= 2  # the count by section and competency, and the listed level
    assert PERMIT["en"] not in html


def test_an_empty_indonesian_name_falls_back_to_english(client, framework):
    Position.objects.filter(pk=framework["position"].pk).update(name_ind="")
    html = _page(client, framework["hc"], reverse("competencies:reports"))
    assert SUPERVISOR["en"] in html


def test_admin_edits_both_languages_lists_the_readers_and_searches_either(client, framework):
    group = SkillGroup.objects.get()
    client.force_login(framework["hc"])
    form = client.get(reverse("admin:competencies_skillgroup_change", args=[group.pk])).content.decode()
    assert 'name="name_en"' in form and 'name="name_ind"' in form
    assert 'name="description_en"' in form and 'name="description_ind"' in form

    changelist = reverse("admin:competencies_competency_changelist")
    html = client.get(changelist).content.decode()
    assert PERMIT["id"] in html and COST in html and PERMIT["en"] not in html
    for query in (PERMIT["en"], PERMIT["id"]):
        found = client.get(changelist, {"q": query}).context["cl"].result_list
        assert [c.code for c in found] == ["PTW"], query
    found = client.get(reverse("admin:hrportal_position_changelist"), {"q": "Pengawas"}).context["cl"].result_list
    assert list(found) == [framework["position"]]


def test_admin_lists_positions_in_the_order_of_the_names_the_reader_sees(client, framework):
    for english in ("Technician", "Analyst"):  # no Indonesian names: listed under their English ones
        PositionFactory(name=english)
    PositionFactory(name="Welder", name_ind="Ahli Las")
    client.force_login(framework["hc"])
    found = client.get(reverse("admin:hrportal_position_changelist")).context["cl"].result_list
    assert [str(position) for position in found] == ["Ahli Las", "Analyst", SUPERVISOR["id"], "Technician"]
