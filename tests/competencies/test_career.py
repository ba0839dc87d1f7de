import json

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse

from competencies.models import CareerPath, CareerPathStep
from competencies.selectors.career import (
    ESTIMATE_HORIZON_YEARS,
    MONTHS_PER_LEVEL,
    PARALLEL_COMPETENCIES,
    RECOMMENDED_SCORE,
    Match,
    estimate_text,
    estimated_months,
    path_place,
)
from competencies.selectors.gaps import employee_gaps
from hrportal.models import Position
from hrportal.spreadsheets import read_rows
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PositionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

CAREER_URL = reverse("competencies:career")
TALENT_URL = reverse("competencies:talent_search")


def _targets(position, competencies, levels):
    for competency, level in zip(competencies, levels, strict=True):
        PositionTargetFactory(position=position, competency=competency, target_level=level)


def _path(name, *positions):
    path = CareerPath.objects.create(name=name)
    for order, position in enumerate(positions, start=1):
        CareerPathStep.objects.create(path=path, position=position, order=order * 10)  # gaps in numbering are fine
    return path


def _json(html: str, element_id: str):
    opening = f'<script id="{element_id}" type="application/json">'
    start = html.index(opening) + len(opening)
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def known():
    """Five competencies K1–K5. The employee (an Operator) has K1 4, K2 3, K3 2, K4 1, K5 none.

    Eighty (targets 4 3 2 1 1): four met (K5 is not) → 80 %, recommended.
    Sixty (targets 4 3 2 2 2): three met → 60 %, not recommended.
    Zero target (targets 0 for K5 only): 100 % (a target of 0 is always met).
    Empty: no targets → no score, not listed.
    """
    comps = [CompetencyFactory(code=f"K{i}", name=f"Known {i}") for i in range(1, 6)]
    operator = PositionFactory(name="Operator")
    _targets(operator, comps, [1, 1, 1, 1, 1])
    eighty = PositionFactory(name="Eighty")
    _targets(eighty, comps, [4, 3, 2, 1, 1])
    sixty = PositionFactory(name="Sixty")
    _targets(sixty, comps, [4, 3, 2, 2, 2])
    zero = PositionFactory(name="Zero target")
    _targets(zero, comps[4:], [0])
    empty = PositionFactory(name="Empty")
    employee = UserFactory(position=operator, first_name="Kim", last_name="Known")
    for competency, level in zip(comps[:4], [4, 3, 2, 1], strict=True):
        give_level(employee, competency, level)
    return {
        "employee": employee,
        "comps": comps,
        "operator": operator,
        "eighty": eighty,
        "sixty": sixty,
        "zero": zero,
        "empty": empty,
    }


# --- Rules ---------------------------------------------------------------------------------


def test_match_score_and_80_percent_threshold_on_known_data(client, known):
    client.force_login(known["employee"])
    ranking = client.get(CAREER_URL).context["ranking"]
    figures = {m.position.name: (m.score_percent, m.met, m.total, m.is_recommended) for m in ranking}
    assert figures == {
        "Zero target": (100, 1, 1, True),
        "Eighty": (80, 4, 5, True),
        "Operator": (80, 4, 5, True),
        "Sixty": (60, 3, 5, False),
    }
    # Ranked by score, then name; "Empty" has no targets, so no score and no row.
    assert [m.position.name for m in ranking] == ["Zero target", "Eighty", "Operator", "Sixty"]
    assert RECOMMENDED_SCORE == 80


def test_score_just_under_the_threshold_is_not_recommended_nor_shown_as_80():
    position = Position(name="P")
    just_under = Match(position=position, met=39, total=49)  # 79.59 %
    assert (just_under.score_percent, just_under.is_recommended) == (79, False)
    assert Match(position=position, met=8, total=10).is_recommended
    assert not Match(position=position, met=0, total=0).is_recommended


@pytest.mark.parametrize(
    ("gaps", "months"),
    [
        ([], 0),
        ([0, -1], 0),  # met or above target: nothing to develop
        ([1], 3),
        ([4, 1], 12),  # the largest gap decides: 4 levels one after another
        ([1, 1, 1, 1], 6),  # four levels, two at a time
        ([2, 2, 2], 9),  # six levels two at a time: 3 slots, more than the largest gap
        ([3, 2, 1, -2], 9),
    ],
)
def test_estimated_development_time_rule(gaps, months):
    assert (MONTHS_PER_LEVEL, PARALLEL_COMPETENCIES) == (3, 2)
    assert estimated_months(gaps) == months


@pytest.mark.parametrize(
    ("months", "said"),
    [(0, "ready now"), (3, "about 3 months"), (36, "about 36 months"), (39, "more than 3 years")],
)
def test_an_estimate_beyond_three_years_says_only_more_than_three_years(months, said):
    assert ESTIMATE_HORIZON_YEARS == 3
    assert estimate_text(months) == said


def test_a_distant_position_is_more_than_three_years_away_on_the_page(client, known):
    # Far: the five known competencies and five more at Master, none of which the employee
    # holds: gaps 1+2+3+4+5 and 5×5, 40 levels two at a time = 60 months.
    far = PositionFactory(name="Far")
    more = [CompetencyFactory(code=f"F{i}") for i in range(1, 6)]
    _targets(far, known["comps"] + more, [5] * 10)
    client.force_login(known["employee"])

    response = client.get(CAREER_URL, {"compare": far.pk})

    far_match = next(m for m in response.context["ranking"] if m.position == far)
    assert far_match.months == 60
    html = response.content.decode()
    # Said alike in the ranking and in the comparison's panel.
    ranking = html[html.index('id="ranking-heading"') :]
    assert "More than 3 years" in ranking and "More than 3 years" in html[: html.index('id="ranking-heading"')]
    assert "60 months" not in html
    assert "Beyond 3 years it says only “more than 3 years”" in html


def test_estimate_is_stated_on_the_page(client, known):
    client.force_login(known["employee"])
    response = client.get(CAREER_URL)
    sixty = next(m for m in response.context["ranking"] if m.position.name == "Sixty")
    # K5: target 2, no level; K4: target 2, level 1 → max(2, ⌈3 ÷ 2⌉) = 2 slots of 3 months.
    assert sixty.gaps == (2, 1) and sixty.months == 6
    html = response.content.decode()
    assert "each missing level takes about 3 months" in html and "up to 2 competencies at once" in html
    assert "About 6 months" in html and "Ready now" in html


# --- Next positions and the gap to them ----------------------------------------------------


def test_next_position_on_a_path_with_gap_table_and_radar(client, known):
    _path("Operations", known["operator"], known["sixty"], known["eighty"])
    client.force_login(known["employee"])
    response = client.get(CAREER_URL)
    [panel] = response.context["next_panels"]
    assert panel.position == known["sixty"] and [p.name for p in panel.paths] == ["Operations"]
    # The table is the dashboard's gap report, generalised to another position.
    expected = employee_gaps(employee=known["employee"], position=known["sixty"])
    assert panel.report.rows == expected.rows
    assert [(r.code, r.current, r.target, r.gap) for r in panel.report.rows][0] == ("K5", 0, 2, 2)
    assert (panel.match.score_percent, panel.match.is_recommended) == (60, False)
    html = response.content.decode()
    assert f'data-gap-chart="{panel.data_id}"' in html and f'id="{panel.chart_id}-table"' in html
    assert _json(html, panel.data_id) == {
        "labels": ["Known 5", "Known 4", "Known 1", "Known 2", "Known 3"],
        "current": [0, 1, 4, 3, 2],
        "target": [2, 2, 4, 3, 2],
    }
    assert _json(html, "level-labels")[3] == "3 · Advanced"
    assert "/static/js/gap-chart.js" in html and "/static/vendor/chartjs/chart.umd.min.js" in html


def test_position_on_two_paths_shows_the_next_position_of_each(known):
    operator, eighty, sixty, zero = known["operator"], known["eighty"], known["sixty"], known["zero"]
    _path("Operations", operator, sixty, eighty)
    _path("Safety", zero, operator, eighty)
    _path("Unrelated", sixty, eighty)
    _path("Ends here", eighty, operator)
    place = path_place(position_id=operator.pk)
    assert sorted(p.name for p in place.paths) == ["Ends here", "Operations", "Safety"]
    assert [(n.position.name, [p.name for p in n.paths]) for n in place.next_positions] == [
        ("Sixty", ["Operations"]),
        ("Eighty", ["Safety"]),
    ]
    assert [p.name for p in place.top_of] == ["Ends here"]


def test_same_next_position_on_two_paths_is_shown_once(client, known):
    _path("Operations", known["operator"], known["eighty"])
    _path("Safety", known["zero"], known["operator"], known["eighty"])
    client.force_login(known["employee"])
    response = client.get(CAREER_URL)
    [panel] = response.context["next_panels"]
    assert [p.name for p in panel.paths] == ["Operations", "Safety"]
    html = response.content.decode()
    assert 'Next on <span class="fw-semibold">Operations</span> and <span class="fw-semibold">Safety</span>' in html


def test_position_on_no_path_says_so_and_still_offers_compare_and_ranking(client, known):
    client.force_login(known["employee"])
    response = client.get(CAREER_URL)
    html = response.content.decode()
    assert "is on no career path yet" in html
    assert 'id="compare-form"' in html and 'id="ranking-table"' in html
    assert response.context["next_panels"] == []


def test_employee_without_position_still_gets_compare_and_ranking(client, known):
    employee = UserFactory(position=None)
    give_level(employee, known["comps"][4], 1)
    client.force_login(employee)
    response = client.get(CAREER_URL)
    assert response.status_code == 200
    assert "You have no position yet" in response.content.decode()
    assert {m.position.name for m in response.context["ranking"]} == {"Operator", "Eighty", "Sixty", "Zero target"}


def test_compare_with_any_position(client, known):
    client.force_login(known["employee"])
    response = client.get(CAREER_URL, {"compare": known["eighty"].pk})
    panel = response.context["compare_panel"]
    assert panel.position == known["eighty"]
    assert (panel.match.met, panel.match.total, panel.match.is_recommended) == (4, 5, True)
    assert 'id="career-chart-data-compare"' in response.content.decode()


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_compare_with_an_invalid_position_is_a_form_error(client, known, value):
    client.force_login(known["employee"])
    response = client.get(CAREER_URL, {"compare": value})
    assert response.status_code == 200
    assert response.context["compare_panel"] is None
    assert response.context["form"].errors["compare"]
    assert "invalid-feedback" in response.content.decode()


def test_compare_with_a_position_without_targets_explains(client, known):
    client.force_login(known["employee"])
    response = client.get(CAREER_URL, {"compare": known["empty"].pk})
    assert "Empty has no competency targets yet" in response.content.decode()
    assert not response.context["has_charts"]


def test_radar_on_the_career_page_has_at_most_8_axes(client):
    position = PositionFactory()
    for i in range(12):
        PositionTargetFactory(position=position, competency=CompetencyFactory(), target_level=1 + i % 5)
    employee = UserFactory()
    client.force_login(employee)
    panel = client.get(CAREER_URL, {"compare": position.pk}).context["compare_panel"]
    assert len(panel.report.rows) == 12 and len(panel.report.chart_data["labels"]) == 8


def test_anonymous_user_is_sent_to_log_in(client):
    assert client.get(CAREER_URL).url.startswith(reverse("login"))
    assert client.get(TALENT_URL).url.startswith(reverse("login"))


def _career_data(*, positions: int, competencies: int, paths: int):
    comps = [CompetencyFactory() for _ in range(competencies)]
    all_positions = [PositionFactory() for _ in range(positions)]
    for index, position in enumerate(all_positions):
        _targets(position, comps, [(index + i) % 6 for i in range(competencies)])
    employee = UserFactory(position=all_positions[0])
    for i, competency in enumerate(comps):
        if i % 2:
            give_level(employee, competency, 1 + i % 5)
    for p in range(paths):
        # Every path runs through the employee's position, each to a different next one.
        _path(f"Path {p}", all_positions[0], all_positions[1 + p % (positions - 1)])
    return employee, all_positions


@pytest.mark.parametrize(
    ("positions", "competencies", "paths"),
    [(3, 4, 1), (30, 60, 12)],
)
def test_career_page_query_count_is_flat(client, django_assert_num_queries, positions, competencies, paths):
    employee, all_positions = _career_data(positions=positions, competencies=competencies, paths=paths)
    client.force_login(employee)
    # 1 session, 2 viewer, 3 all positions (selector, names), 4 steps of the viewer's paths,
    # 5 the viewer's levels, 6 targets with competencies and groups of the positions shown in
    # full (next ones and the compared one), 7 all targets (ranking), 8 navbar's direct reports,
    # 9 navbar's unread count. The same however many positions, paths and competencies:
    with django_assert_num_queries(9):
        response = client.get(CAREER_URL, {"compare": all_positions[-1].pk})
    assert response.status_code == 200
    assert len(response.context["ranking"]) == positions
    assert len(response.context["next_panels"]) == min(paths, positions - 1)
    # Without a comparison the page is cached (hrportal/page_cache.py): the same 9, plus the
    # stamps and the next level lapse, less the unread count (it comes with the stamps); then
    # the whole page from the cache: session, viewer, the stamps with the unread count (the
    # navbar's direct reports are in the cached page).
    with django_assert_num_queries(10):
        first = client.get(CAREER_URL)
    with django_assert_num_queries(3):
        again = client.get(CAREER_URL)
    assert again.content.count(b"<tr") == first.content.count(b"<tr") >= positions


# --- Talent search -------------------------------------------------------------------------


@pytest.fixture
def talent(cast):
    """Position "Lead" with targets T1 3, T2 2, T3 1, T4 0 and the cast's levels:
    employee T1 3 T2 2 T3 1 → 100 %; colleague T1 3 → 50 % (T1, T4); hc_employee T1 3 T2 2 → 75 %;
    other_supervisor nothing → 25 % (T4 only). An inactive report of the supervisor has 100 %."""
    comps = [CompetencyFactory(code=f"T{i}") for i in range(1, 5)]
    lead = PositionFactory(name="Lead")
    _targets(lead, comps, [3, 2, 1, 0])
    for user, levels in [
        (cast.employee, [3, 2, 1]),
        (cast.colleague, [3]),
        (cast.hc_employee, [3, 2]),
    ]:
        for competency, level in zip(comps, levels, strict=False):
            give_level(user, competency, level)
    gone = UserFactory(supervisor=cast.supervisor, is_active=False)
    for competency, level in zip(comps, [3, 2, 1], strict=False):
        give_level(gone, competency, level)
    return lead


def _names(response):
    return [(c.employee.username, c.match.score_percent) for c in response.context["candidates"]]


@pytest.mark.parametrize("viewer", ["hc", "hc_employee"])
def test_talent_search_for_hc_covers_the_organisation_ranked(client, cast, talent, viewer):
    client.force_login(getattr(cast, viewer))
    response = client.get(TALENT_URL, {"position": talent.pk})
    assert response.status_code == 200
    # Active employees only: the inactive report and the HC account without an employee number are left out.
    assert _names(response) == [
        ("employee", 100),
        ("hc_employee", 75),
        ("colleague", 50),
        *sorted(
            [("other_supervisor", 25), ("supervisor", 25)],
            key=lambda pair: (
                getattr(cast, pair[0]).last_name.casefold(),
                getattr(cast, pair[0]).first_name.casefold(),
            ),
        ),
    ]


def test_talent_search_for_a_supervisor_covers_only_direct_reports(client, cast, talent):
    client.force_login(cast.supervisor)
    response = client.get(TALENT_URL, {"position": talent.pk})
    assert _names(response) == [("employee", 100), ("colleague", 50)]
    client.force_login(cast.other_supervisor)
    assert _names(client.get(TALENT_URL, {"position": talent.pk})) == [("hc_employee", 75)]


@pytest.mark.parametrize("viewer", ["employee", "colleague"])
def test_talent_search_is_403_for_anyone_else(client, cast, talent, viewer):
    client.force_login(getattr(cast, viewer))
    assert client.get(TALENT_URL, {"position": talent.pk}).status_code == 403
    assert client.get(TALENT_URL, {"position": talent.pk, "format": "csv"}).status_code == 403


def test_talent_search_minimum_score_and_section_filters(client, cast, talent):
    client.force_login(cast.hc)
    assert _names(client.get(TALENT_URL, {"position": talent.pk, "min_score": 75})) == [
        ("employee", 100),
        ("hc_employee", 75),
    ]
    maintenance = SectionFactory(name="Maintenance")
    cast.colleague.section = maintenance
    cast.colleague.save()
    response = client.get(TALENT_URL, {"position": talent.pk, "section": maintenance.pk})
    assert _names(response) == [("colleague", 50)]
    assert _names(client.get(TALENT_URL, {"position": talent.pk, "section": maintenance.pk, "min_score": 60})) == []


@pytest.mark.parametrize(
    "params",
    [{"position": "999999"}, {"position": "x"}, {"min_score": "101"}, {"min_score": "-1"}, {"section": "999999"}],
)
def test_talent_search_bad_input_is_a_form_error(client, cast, talent, params):
    client.force_login(cast.hc)
    params = {"position": talent.pk, **params} if "position" not in params else params
    response = client.get(TALENT_URL, params)
    assert response.status_code == 200
    assert response.context["form"].errors and response.context["candidates"] == []


def test_talent_search_csv_export_has_the_same_rows(client, cast, talent):
    client.force_login(cast.supervisor)
    response = client.get(TALENT_URL, {"position": talent.pk, "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="talent-search-lead.csv"'
    headers, rows = read_rows(response.content, "csv")
    assert headers == [
        "Employee number",
        "Name",
        "Section",
        "Position",
        "Match score %",
        "Competencies met",
        "Competencies targeted",
    ]
    employee, colleague = cast.employee, cast.colleague
    assert rows == [
        [employee.employee_number, employee.display_name, "Production", "Operator", "100", "4", "4"],
        [colleague.employee_number, colleague.display_name, "Production", "Operator", "50", "2", "4"],
    ]
    page = client.get(TALENT_URL, {"position": talent.pk})
    assert f'href="?position={talent.pk}&amp;format=csv"' in page.content.decode()


def test_talent_search_xlsx_export(client, cast, talent):
    client.force_login(cast.hc)
    response = client.get(TALENT_URL, {"position": talent.pk, "min_score": 75, "format": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="talent-search-lead.xlsx"'
    _, rows = read_rows(response.content, "xlsx")
    assert [(row[4], row[5], row[6]) for row in rows] == [(100, 4, 4), (75, 3, 4)]


def test_talent_search_for_a_position_without_targets_explains(client, cast):
    empty = PositionFactory(name="Nothing set")
    client.force_login(cast.hc)
    response = client.get(TALENT_URL, {"position": empty.pk})
    assert "Nothing set has no competency targets yet" in response.content.decode()


def test_career_page_links_talent_search_for_supervisors_only(client, cast):
    client.force_login(cast.supervisor)
    assert 'id="talent-search-link"' in client.get(CAREER_URL).content.decode()
    client.force_login(cast.employee)
    assert 'id="talent-search-link"' not in client.get(CAREER_URL).content.decode()


@pytest.mark.parametrize("employees", [3, 40])
def test_talent_search_query_count_is_flat(client, cast, talent, django_assert_num_queries, employees):
    comps = [target.competency for target in talent.targets.select_related("competency")]
    people = UserFactory.create_batch(employees, supervisor=cast.supervisor, section=cast.employee.section)
    for i, person in enumerate(people):
        for competency in comps[: i % 4]:
            give_level(person, competency, 2)
    client.force_login(cast.supervisor)
    # 1 session, 2 viewer, 3 "has direct reports?", 4 positions, 5 sections, 6 the position's
    # targets, 7 the candidates with position and section, 8 their levels, 9 navbar's direct
    # reports, 10 navbar's unread count:
    with django_assert_num_queries(10):
        response = client.get(TALENT_URL, {"position": talent.pk, "section": cast.employee.section_id})
    assert len(response.context["candidates"]) == employees + 2
    client.force_login(cast.hc)
    # HC: 1 session, 2 viewer, 3 HC group, 4 positions, 5 sections, 6 targets, 7 candidates, 8 levels (no page):
    with django_assert_num_queries(8):
        assert client.get(TALENT_URL, {"position": talent.pk, "format": "csv"}).status_code == 200


# --- Admin ---------------------------------------------------------------------------------


def test_career_path_admin_has_an_ordered_inline_and_step_counts(admin_client, known):
    assert CareerPath in admin_site._registry
    path = _path("Operations", known["operator"], known["sixty"], known["eighty"])
    changelist = admin_client.get(reverse("admin:competencies_careerpath_changelist"))
    assert changelist.status_code == 200
    assert '<td class="field-step_count">3</td>' in changelist.content.decode()
    change = admin_client.get(reverse("admin:competencies_careerpath_change", args=[path.pk]))
    assert change.status_code == 200
    formset = change.context["inline_admin_formsets"][0].formset
    assert [form.instance.position.name for form in formset.forms if form.instance.pk] == [
        "Operator",
        "Sixty",
        "Eighty",
    ]


def test_hc_staff_may_edit_career_paths(client, cast):
    client.force_login(cast.hc)
    assert client.get(reverse("admin:competencies_careerpath_add")).status_code == 200
