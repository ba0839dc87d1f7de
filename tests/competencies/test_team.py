import pytest
from django.urls import reverse

from competencies.selectors.team import CellKind
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM_URL = reverse("competencies:team")


@pytest.fixture
def team(cast):
    """The supervisor's two reports share the Operator position: targets A3 B2 C1; other position targets only D2."""
    comps = {code: CompetencyFactory(code=code, name=f"Name {code}") for code in "ABCD"}
    operator = cast.employee.position
    for code, target in {"A": 3, "B": 2, "C": 1}.items():
        PositionTargetFactory(position=operator, competency=comps[code], target_level=target)
    PositionTargetFactory(position=PositionFactory(name="Welder"), competency=comps["D"], target_level=2)
    give_level(cast.employee, comps["A"], 3)  # met
    give_level(cast.employee, comps["B"], 1)  # gap 1
    give_level(cast.colleague, comps["A"], 0 + 1)  # gap 2; B not started (gap 2); C not started
    return comps


def _heatmap(client, user, query=""):
    client.force_login(user)
    response = client.get(TEAM_URL + query)
    assert response.status_code == 200
    return response.context["heatmap"]


def test_cells_are_classed_by_gap(client, cast, team):
    heatmap = _heatmap(client, cast.supervisor)
    assert [c.code for c in heatmap.columns] == ["A", "B", "C"]
    cells = {row.employee.username: [c.kind for c in row.cells] for row in heatmap.rows}
    assert cells["employee"] == [CellKind.MET, CellKind.GAP_1, CellKind.NOT_STARTED]
    assert cells["colleague"] == [CellKind.GAP_2, CellKind.NOT_STARTED, CellKind.NOT_STARTED]


def test_gap_of_three_or_more_and_not_applicable(client, cast, team):
    welder = UserFactory(position=PositionFactory(name="Welder"), supervisor=cast.supervisor)
    big = CompetencyFactory(code="E")
    PositionTargetFactory(position=cast.employee.position, competency=big, target_level=5)
    give_level(cast.employee, big, 1)
    heatmap = _heatmap(client, cast.supervisor, "?columns=code")
    by_user = {row.employee.pk: row for row in heatmap.rows}
    codes = [c.code for c in heatmap.columns]
    assert by_user[cast.employee.pk].cells[codes.index("E")].kind == CellKind.GAP_3
    assert by_user[welder.pk].cells[codes.index("A")].kind == CellKind.NOT_APPLICABLE
    assert by_user[welder.pk].cells[codes.index("D")].kind == CellKind.NOT_STARTED


def test_row_and_column_totals(client, cast, team):
    heatmap = _heatmap(client, cast.supervisor)
    rows = {row.employee.username: (row.met, row.assigned, row.total_gap, row.progress_percent) for row in heatmap.rows}
    assert rows == {"employee": (1, 3, 2, 33), "colleague": (0, 3, 5, 0)}
    columns = {c.code: (c.met, c.assigned, c.total_gap, c.average_current, c.average_target) for c in heatmap.columns}
    assert columns == {"A": (1, 2, 2, 2.0, 3.0), "B": (0, 2, 3, 0.5, 2.0), "C": (0, 2, 2, 0.0, 1.0)}


def test_sorting_rows_and_columns_by_gap(client, cast, team):
    heatmap = _heatmap(client, cast.supervisor, "?rows=gap&columns=gap")
    assert [row.employee.username for row in heatmap.rows] == ["colleague", "employee"]
    assert [c.code for c in heatmap.columns] == ["B", "A", "C"]
    # Cells follow their columns.
    assert heatmap.rows[1].cells[1].kind == CellKind.MET


def test_radar_data_is_team_average_against_target(client, cast, team):
    data = _heatmap(client, cast.supervisor).chart_data
    assert data == {"labels": ["Name B", "Name A", "Name C"], "current": [0.5, 2.0, 0.0], "target": [2.0, 3.0, 1.0]}


def test_cells_link_to_the_employee_dashboard(client, cast, team):
    client.force_login(cast.supervisor)
    html = client.get(TEAM_URL).content.decode()
    assert reverse("competencies:employee_gaps", args=[cast.employee.pk]) in html
    assert 'id="gap-chart-data"' in html


def test_supervisor_sees_only_direct_reports_whatever_the_query(client, cast, team):
    heatmap = _heatmap(
        client, cast.supervisor, f"?supervisor={cast.other_supervisor.pk}&section={cast.employee.section_id}"
    )
    assert {row.employee.username for row in heatmap.rows} == {"employee", "colleague"}


def test_hc_picks_a_section_or_a_supervisor(client, cast, team):
    by_section = _heatmap(client, cast.hc, f"?section={cast.employee.section_id}")
    assert {row.employee.username for row in by_section.rows} >= {"employee", "colleague", "supervisor", "hc_employee"}
    by_supervisor = _heatmap(client, cast.hc, f"?supervisor={cast.other_supervisor.pk}")
    assert [row.employee.username for row in by_supervisor.rows] == ["hc_employee"]


def test_hc_picking_both_gets_a_form_error(client, cast):
    client.force_login(cast.hc)
    response = client.get(TEAM_URL + f"?supervisor={cast.supervisor.pk}&section={cast.employee.section_id}")
    assert "Pick a section or a supervisor, not both." in response.content.decode()


def test_invalid_choice_is_a_form_error_not_a_crash(client, cast):
    client.force_login(cast.hc)
    response = client.get(TEAM_URL + "?section=999999&rows=bogus")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_employees_without_reports_get_403(client, cast):
    client.force_login(cast.employee)
    assert client.get(TEAM_URL).status_code == 403


@pytest.mark.parametrize("team_size", [2, 30])
def test_team_query_count_is_flat(client, cast, team, django_assert_num_queries, team_size):
    for i in range(team_size):
        member = UserFactory(position=cast.employee.position, supervisor=cast.supervisor)
        give_level(member, team["A"], 1 + i % 3)
    client.force_login(cast.supervisor)
    # session, user, the viewer's reports (with their page stamps), members, targets, levels,
    # navbar reports, unread count (the page is not cached: it has a query string)
    with django_assert_num_queries(8):
        response = client.get(TEAM_URL + "?rows=gap")
    assert len(response.context["heatmap"].rows) == team_size + 2
    # The default view is cached (hrportal/page_cache.py): the same 8 plus the members' next
    # level lapse, less the unread count (it comes with the reports and their page stamps),
    # then the whole page from the cache: session, user, the reports with their stamps and the
    # unread count.
    with django_assert_num_queries(8):
        first = client.get(TEAM_URL)
    with django_assert_num_queries(3):
        again = client.get(TEAM_URL)
    assert again.content.count(b"<tr") == first.content.count(b"<tr") >= team_size + 2
