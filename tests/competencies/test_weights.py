"""Critical competencies and weights: gaps ranked by weight × gap everywhere, the weighted match
score, critical competencies blocking a recommendation, and every door that sets them."""

import re
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from competencies.models import PositionTarget, PositionTargetHistory
from competencies.selectors.career import Match, position_ranking, talent_search, targets_by_position
from competencies.selectors.gaps import RADAR_AXES, counted_levels, employee_gaps, employee_levels
from competencies.selectors.reports import organisation_report
from competencies.services import target_set
from hrportal.models import AuditEntry, User
from idp.selectors import active_items_by_competency, idp_suggestions
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

CAREER_URL = reverse("competencies:career")
TALENT_URL = reverse("competencies:talent_search")


def _target(position, code, target, *, weight=1, critical=False):
    competency = CompetencyFactory(code=code, name=f"Competency {code}")
    PositionTargetFactory(
        position=position, competency=competency, target_level=target, weight=weight, is_critical=critical
    )
    return competency


def _codes_in_table(html: str, table_id: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<tr data-code="([^"]+)"', table)


# --- Ranking -------------------------------------------------------------------------------


@pytest.fixture
def ranked(cast):
    """The employee (an Operator) against targets: HEAVY weight 3 gap 1, WIDE weight 1 gap 2,
    TIE weight 2 gap 1 (weight × gap 2, as WIDE: the larger gap, WIDE, goes first), MET met."""
    position = cast.employee.position
    heavy = _target(position, "HEAVY", 3, weight=3)
    give_level(cast.employee, heavy, 2)
    _target(position, "WIDE", 2)
    tie = _target(position, "TIE", 2, weight=2)
    give_level(cast.employee, tie, 1)
    met = _target(position, "MET", 1, weight=5, critical=True)
    give_level(cast.employee, met, 2)
    return cast.employee


def test_weight_3_gap_1_ranks_before_weight_1_gap_2(ranked):
    rows = employee_gaps(employee=ranked).rows
    assert [(row.code, row.weight, row.gap, row.weighted_gap) for row in rows] == [
        ("HEAVY", 3, 1, 3),
        ("WIDE", 1, 2, 2),  # ties with TIE on weight × gap: the larger gap first, as before weights
        ("TIE", 2, 1, 2),
        ("MET", 5, -1, 0),
    ]


def test_dashboard_table_and_radar_follow_the_weighted_ranking(client, ranked):
    client.force_login(ranked)
    response = client.get(reverse("competencies:my_gaps"))
    html = response.content.decode()
    assert _codes_in_table(html, "gap-table") == ["HEAVY", "WIDE", "TIE", "MET"]
    chart = response.context["report"].chart_data
    assert chart["labels"] == ["Competency HEAVY", "Competency WIDE", "Competency TIE", "Competency MET"]


def test_radar_keeps_the_eight_largest_weighted_gaps(cast):
    """Nine gaps of 1; the one weighing 2 is on the radar although its code sorts last."""
    position = cast.employee.position
    for index in range(RADAR_AXES):
        _target(position, f"A{index}", 1)
    _target(position, "Z9", 1, weight=2)
    report = employee_gaps(employee=cast.employee)
    assert [row.code for row in report.chart_rows] == ["Z9", *[f"A{index}" for index in range(RADAR_AXES - 1)]]


def test_dashboard_says_critical_in_words_and_shows_a_weight_other_than_1(client, ranked):
    client.force_login(ranked)
    html = client.get(reverse("competencies:my_gaps")).content.decode()
    rows = {
        code: html[html.index(f'<tr data-code="{code}"') :].split("</tr>", 1)[0] for code in ("MET", "HEAVY", "WIDE")
    }
    assert "Critical" in rows["MET"] and "Weight 5" in rows["MET"]
    assert "Critical" not in rows["HEAVY"] and "Weight 3" in rows["HEAVY"]
    assert "Critical" not in rows["WIDE"] and "Weight" not in rows["WIDE"]  # weight 1 says nothing


def test_suggestions_follow_the_weighted_ranking(ranked):
    report = employee_gaps(employee=ranked)
    suggestions = idp_suggestions(
        employee=ranked, report=report, active_items=active_items_by_competency(employee=ranked)
    )
    assert [s.row.code for s in suggestions] == ["HEAVY", "WIDE", "TIE"]


# --- Weighted match and critical competencies ----------------------------------------------


@pytest.fixture
def weighted():
    """Position Lead: K1 weight 3 (met), K2 weight 1 (not met), K3 weight 1 (met); K4 weight 5,
    critical, target 0 (always met). Position Guarded: K1 weight 1 met, K2 weight 4 met, K3
    weight 1 critical, not met: 5 of 6 = 83 %, but not recommended. The employee holds K1 3,
    K2 2 and K3 none."""
    comps = {code: CompetencyFactory(code=code, name=f"Known {code}") for code in ("K1", "K2", "K3", "K4")}
    lead = PositionFactory(name="Lead")
    for code, target, weight in [("K1", 3, 3), ("K2", 3, 1), ("K3", 0, 1)]:
        PositionTargetFactory(position=lead, competency=comps[code], target_level=target, weight=weight)
    PositionTargetFactory(position=lead, competency=comps["K4"], target_level=0, weight=5, is_critical=True)
    guarded = PositionFactory(name="Guarded")
    for code, target, weight, critical in [("K1", 2, 1, False), ("K2", 2, 4, False), ("K3", 1, 1, True)]:
        PositionTargetFactory(
            position=guarded, competency=comps[code], target_level=target, weight=weight, is_critical=critical
        )
    employee = UserFactory(position=PositionFactory(name="Operator"), first_name="Kim", last_name="Known")
    give_level(employee, comps["K1"], 3)
    give_level(employee, comps["K2"], 2)
    return {"employee": employee, "lead": lead, "guarded": guarded, "comps": comps}


def test_weighted_match_score_exact_values(weighted):
    levels = counted_levels(employee_levels(employee=weighted["employee"]))
    matches = {
        m.position.name: m for m in position_ranking(positions=[weighted["lead"], weighted["guarded"]], levels=levels)
    }
    lead, guarded = matches["Lead"], matches["Guarded"]
    # Lead: met K1 (3), K3 (1), K4 (5) of 3 + 1 + 1 + 5 = 10: 9/10.
    assert (lead.met, lead.total, lead.met_weight, lead.total_weight) == (3, 4, 9, 10)
    assert lead.score == Fraction(9, 10) and lead.score_percent == 90 and lead.is_recommended
    # Guarded: met K1 (1), K2 (4) of 6: 5/6 = 83.3 %, rounded down; K3 critical and unmet.
    assert (guarded.met, guarded.total, guarded.met_weight, guarded.total_weight) == (2, 3, 5, 6)
    assert guarded.score == Fraction(5, 6) and guarded.score_percent == 83
    assert guarded.unmet_critical == ("K3",) and not guarded.is_recommended


def test_unweighted_match_is_the_plain_share():
    match = Match(position=PositionFactory.build(name="P"), met=4, total=5)
    assert match.score == Fraction(4, 5) and match.is_recommended and not match.is_weighted


def test_critical_unmet_blocks_recommendation_whatever_the_score():
    position = PositionFactory.build(name="P")
    assert not Match(position=position, met=9, total=10, unmet_critical=("GSH-02",)).is_recommended
    assert Match(position=position, met=9, total=10).is_recommended


def test_career_page_shows_the_weighted_score_and_the_critical_blocker(client, weighted):
    client.force_login(weighted["employee"])
    response = client.get(CAREER_URL, {"compare": weighted["guarded"].pk})
    html = response.content.decode()
    panel = html[html.index('id="panel-compare"') :]
    assert "83" in panel.split('class="match-score"', 1)[1][:40]
    assert "2 of 3 competencies at or above target" in panel
    assert "weighing 5 of 6" in panel
    assert "Not yet recommended" in panel
    assert "Critical competency not met" in panel and "K3" in panel.split("Critical competency not met", 1)[1][:80]
    # The ranking says why too.
    ranking = html[html.index('id="ranking-table"') :]
    guarded_row = ranking[ranking.index(f'data-position="{weighted["guarded"].pk}"') :].split("</tr>", 1)[0]
    assert "Not yet" in guarded_row and "Critical competency not met" in guarded_row
    lead_row = ranking[ranking.index(f'data-position="{weighted["lead"].pk}"') :].split("</tr>", 1)[0]
    assert "Recommended" in lead_row and "Critical" not in lead_row


def test_the_panel_and_the_ranking_agree(client, weighted):
    """Match.from_report (panels) and Match.from_levels (ranking, talent search): one rule."""
    client.force_login(weighted["employee"])
    context = client.get(CAREER_URL, {"compare": weighted["guarded"].pk}).context
    panel = context["compare_panel"].match
    ranked = next(m for m in context["ranking"] if m.position == weighted["guarded"])
    assert (panel.score, panel.unmet_critical, panel.met, panel.total) == (
        ranked.score,
        ranked.unmet_critical,
        ranked.met,
        ranked.total,
    )


def test_talent_search_uses_the_weighted_score_and_critical_rule(weighted):
    employee = weighted["employee"]
    _, found = talent_search(position=weighted["guarded"], candidates=User.objects.filter(pk=employee.pk), min_score=83)
    assert [(c.employee, c.match.score_percent, c.match.is_recommended) for c in found] == [(employee, 83, False)]
    _, none = talent_search(position=weighted["guarded"], candidates=User.objects.filter(pk=employee.pk), min_score=84)
    assert none == []


def test_talent_search_page_says_why_not_recommended(client, cast, weighted):
    weighted["employee"].supervisor = cast.supervisor
    weighted["employee"].save()
    client.force_login(cast.supervisor)
    html = client.get(TALENT_URL, {"position": weighted["guarded"].pk}).content.decode()
    assert "Critical competency not met" in html


def test_targets_by_position_carries_weight_and_criticality(weighted):
    spec = targets_by_position(position_ids=[weighted["guarded"].pk])[weighted["guarded"].pk][
        weighted["comps"]["K3"].pk
    ]
    assert (spec.level, spec.weight, spec.is_critical, spec.code) == (1, 1, True, "K3")


# --- Storage and the doors that set them ---------------------------------------------------


@pytest.mark.parametrize("weight", [0, 6])
def test_database_refuses_a_weight_outside_1_to_5(weight):
    target = PositionTargetFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionTarget.objects.filter(pk=target.pk).update(weight=weight)


def test_a_new_target_weighs_1_and_is_not_critical(cast):
    target_set(position=cast.employee.position, competency=CompetencyFactory(), level=3, by=cast.hc)
    target = PositionTarget.objects.get()
    assert (target.weight, target.is_critical) == (1, False)


@pytest.mark.parametrize("weight", [0, 6, True, "3"])
def test_target_set_refuses_a_bad_weight(cast, weight):
    with pytest.raises(ValidationError, match="Weight must be a whole number from 1 to 5"):
        target_set(position=cast.employee.position, competency=CompetencyFactory(), level=3, weight=weight, by=cast.hc)
    assert not PositionTarget.objects.exists()


def test_weight_and_critical_changes_are_audited_not_historised(cast):
    """The level history rebuilds past gaps; a weight changes a gap's rank, not the gap, so a
    change of weight or criticality alone writes no history row, but the audit trail has it."""
    position, competency = cast.employee.position, CompetencyFactory()
    target_set(position=position, competency=competency, level=3, by=cast.hc)
    assert target_set(position=position, competency=competency, level=3, weight=4, is_critical=True, by=cast.hc)
    target = PositionTarget.objects.get()
    assert (target.target_level, target.weight, target.is_critical) == (3, 4, True)
    assert PositionTargetHistory.objects.count() == 1  # the creation only
    changes = AuditEntry.objects.get_for_object(target).order_by("-pk").first().changes_dict
    assert changes["weight"] == ["1", "4"] and changes["is_critical"] == ["False", "True"]
    # Unchanged: nothing to do. Leaving weight and criticality out keeps them.
    assert not target_set(position=position, competency=competency, level=3, weight=4, by=cast.hc)
    target_set(position=position, competency=competency, level=2, by=cast.hc)
    target.refresh_from_db()
    assert (target.target_level, target.weight, target.is_critical) == (2, 4, True)
    assert PositionTargetHistory.objects.count() == 2


def test_hc_sets_weight_and_critical_in_the_target_changelist(client, cast):
    target = PositionTargetFactory(position=cast.employee.position, competency=CompetencyFactory(code="GSH-02"))
    client.force_login(cast.hc)
    url = reverse("admin:competencies_positiontarget_changelist")
    page = client.get(url).content.decode()
    assert 'aria-label="Weight of GSH-02 for Operator"' in page
    assert 'aria-label="Critical: GSH-02 for Operator"' in page
    response = client.post(
        url,
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000,
            "form-0-id": target.pk,
            "form-0-target_level": 3,
            "form-0-weight": 3,
            "form-0-is_critical": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert (target.weight, target.is_critical) == (3, True)
    assert AuditEntry.objects.get_for_object(target).filter(actor=cast.hc).exists()


def test_hc_sets_weight_and_critical_inline_on_a_competency(client, cast):
    competency = CompetencyFactory()
    client.force_login(cast.hc)
    url = reverse("admin:competencies_competency_change", args=[competency.pk])
    data = {
        "code": competency.code,
        "name_en": competency.name,
        "definition_en": "",
        "group": competency.group.pk,
        "targets-TOTAL_FORMS": 1,
        "targets-INITIAL_FORMS": 0,
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
        "targets-0-position": cast.employee.position.pk,
        "targets-0-target_level": 3,
        "targets-0-weight": 5,
        "targets-0-is_critical": "on",
        "targets-0-competency": competency.pk,
        "descriptors-TOTAL_FORMS": 0,
        "descriptors-INITIAL_FORMS": 0,
        "descriptors-MIN_NUM_FORMS": 0,
        "descriptors-MAX_NUM_FORMS": 5,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    target = PositionTarget.objects.get()
    assert (target.target_level, target.weight, target.is_critical) == (3, 5, True)


# --- Organisation report -------------------------------------------------------------------


def test_report_ranks_largest_gaps_by_weighted_gap_as_the_dashboards_add_up(client, cast):
    """WIDE: three people 2 short, weight 1 (weighted 6, total 6); HEAVY: three people 1 short,
    weight 3 (weighted 9, total 3), so HEAVY leads. The SQL figure equals the sum of the
    dashboards' own weight × gap over the population."""
    position = cast.employee.position  # Operator: employee, colleague, hc_employee
    heavy = _target(position, "HEAVY", 2, weight=3)
    _target(position, "WIDE", 2)
    for person in (cast.employee, cast.colleague, cast.hc_employee):
        give_level(person, heavy, 1)
    report = organisation_report(today=cast.employee.date_joined.date())
    assert [(row.code, row.weighted_gap_total, row.gap_total) for row in report.largest_gaps] == [
        ("HEAVY", 9, 3),
        ("WIDE", 6, 6),
    ]
    population = User.objects.filter(is_active=True, position__isnull=False)
    by_dashboards: dict[str, int] = {}
    for person in population:
        for row in employee_gaps(employee=person).rows:
            by_dashboards[row.code] = by_dashboards.get(row.code, 0) + row.weighted_gap
    assert {row.code: row.weighted_gap_total for row in report.by_competency} == by_dashboards
    client.force_login(cast.hc)
    html = client.get(reverse("competencies:reports")).content.decode()
    table = html[html.index('id="largest-gaps-table"') :].split("</table>", 1)[0]
    assert re.findall(r'<tr data-code="([^"]+)"', table) == ["HEAVY", "WIDE"]
    assert "Weighted gap" in table


# --- The matrix spreadsheet ----------------------------------------------------------------


@pytest.fixture
def sheet(db):
    """S-01 Operator 2 weight 3 critical, Supervisor 4; S-02 Operator 0 weight 2."""
    from tests.competencies.factories import SkillGroupFactory

    group = SkillGroupFactory(name="Safety")
    s1 = CompetencyFactory(code="S-01", name="Permit to Work", definition="", group=group)
    s2 = CompetencyFactory(code="S-02", name="Emergency Response", definition="", group=group)
    operator, supervisor = PositionFactory(name="Operator"), PositionFactory(name="Supervisor")
    PositionTargetFactory(position=operator, competency=s1, target_level=2, weight=3, is_critical=True)
    PositionTargetFactory(position=supervisor, competency=s1, target_level=4)
    PositionTargetFactory(position=operator, competency=s2, target_level=0, weight=2)
    return {"S-01": s1, "S-02": s2, "Operator": operator, "Supervisor": supervisor}


def _matrix_state() -> set[tuple]:
    return set(
        PositionTarget.objects.values_list(
            "competency__code", "position__name_en", "target_level", "weight", "is_critical"
        )
    )


def _csv(rows: list[list]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _rows(**cells) -> list[list]:
    values = {"s1_operator": "2 w3 !", "s1_supervisor": 4, "s2_operator": "0 w2", "s2_supervisor": "-", **cells}
    return [
        ["skill_group", "code", "name", "definition", "Operator", "Supervisor"],
        ["Safety", "S-01", "Permit to Work", "", values["s1_operator"], values["s1_supervisor"]],
        ["Safety", "S-02", "Emergency Response", "", values["s2_operator"], values["s2_supervisor"]],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_matrix_round_trips_weight_and_critical(sheet, fmt, tmp_path):
    from django.core.management import call_command

    from competencies.spreadsheets import matrix_dataset, matrix_import_plan
    from hrportal.spreadsheets import export_bytes

    before = _matrix_state()
    assert ("S-01", "Operator", 2, 3, True) in before
    content = export_bytes(matrix_dataset(), fmt)
    assert matrix_import_plan(content=content, fmt=fmt, remove=True).is_empty
    # Wipe the weights, then import the exported file: the same matrix comes back.
    for target in PositionTarget.objects.select_related("position", "competency"):
        target_set(
            position=target.position, competency=target.competency, level=1, weight=1, is_critical=False, by=None
        )
    path = tmp_path / f"matrix.{fmt}"
    path.write_bytes(content)
    call_command("import_matrix", str(path), "--remove", stdout=__import__("io").StringIO())
    assert _matrix_state() == before


def test_export_writes_plain_levels_and_marks_weight_and_critical(sheet):
    from competencies.spreadsheets import matrix_dataset

    dataset = matrix_dataset()
    by_code = {row[2]: row for row in dataset}
    operator, supervisor = dataset.headers.index("Operator"), dataset.headers.index("Supervisor")
    assert by_code["S-01"][operator] == "2 w3 !"
    assert by_code["S-01"][supervisor] == 4  # a number, as before weights
    assert by_code["S-02"][operator] == "0 w2"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("3", (3, 1, False)),
        ("3 w2", (3, 2, False)),
        ("3!", (3, 1, True)),
        ("3W5 !", (3, 5, True)),
        (4.0, (4, 1, False)),
    ],
)
def test_cells_as_hc_types_them(sheet, cell, expected):
    from competencies.spreadsheets import matrix_import_apply, matrix_import_plan

    plan = matrix_import_plan(content=_csv(_rows(s1_supervisor=cell)), fmt="csv")
    matrix_import_apply(plan=plan, by=None, note="test")
    target = PositionTarget.objects.get(competency=sheet["S-01"], position=sheet["Supervisor"])
    assert (target.target_level, target.weight, target.is_critical) == expected


def test_an_old_file_without_weights_imports_plain_levels_as_weight_1_not_critical(sheet):
    from competencies.spreadsheets import matrix_import_apply, matrix_import_plan

    plan = matrix_import_plan(content=_csv(_rows(s1_operator=2, s2_operator=0)), fmt="csv")
    assert [str(change) for change in plan.targets_to_change] == [
        "S-01 / Operator (line 2): 2 · Intermediate, weight 3, critical → 2 · Intermediate",
        "S-02 / Operator (line 3): 0 · None, weight 2 → 0 · None",
    ]
    matrix_import_apply(plan=plan, by=None, note="old file")
    assert ("S-01", "Operator", 2, 1, False) in _matrix_state()
    assert PositionTargetHistory.objects.count() == 0  # the levels did not change


@pytest.mark.parametrize("cell", ["3 w6", "3 w0", "6 w2", "3 x2", "- w2", "3 !!", "w2"])
def test_a_bad_weight_or_mark_is_an_error_naming_line_and_column(sheet, cell):
    from competencies.spreadsheets import matrix_import_plan
    from hrportal.spreadsheets import ImportFileError

    with pytest.raises(ImportFileError) as raised:
        matrix_import_plan(content=_csv(_rows(s1_supervisor=cell)), fmt="csv")
    assert raised.value.errors == [
        f'Line 2, column "Supervisor": unknown target "{cell}" (use a level 0–5, optionally followed by a weight '
        'w1–w5 and ! for critical, as in "3 w2 !"; or "-").'
    ]
    assert ("S-01", "Supervisor", 4, 1, False) in _matrix_state()
