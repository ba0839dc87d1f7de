import json
import re

import pytest
from django.urls import reverse

from assessments.services.results import result_record
from surveys.services import self_ratings_set, supervisor_rating_set
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PASSWORD, HcUserFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _gaps_url(user=None):
    return reverse("competencies:employee_gaps", args=[user.pk]) if user else reverse("competencies:my_gaps")


def _give(employee, competency, level):
    give_level(employee, competency, level, note=f"Course {competency.code}")


def _pass(employee, competency, level, *, by):
    """Raise a level by a recorded pass of an assessment granting it: the result is its evidence."""
    assessment = AssessmentFactory(title=f"OJ {competency.code} level {level}", is_published=False)
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=level)
    result_record(employee=employee, assessment=assessment, score=90, recorded_by=by)


def _position_with_targets(targets: dict[str, int]):
    position = PositionFactory()
    competencies = {}
    for code, target in targets.items():
        competencies[code] = CompetencyFactory(code=code, name=f"Name {code}")
        PositionTargetFactory(position=position, competency=competencies[code], target_level=target)
    return position, competencies


def _assessments_raising(competencies, *, per_assessment=3):
    """Published assessments mapped to the competencies, some by name, some by category and
    title pattern, and an unpublished one: as many as the competencies call for."""
    competencies = list(competencies)
    for start in range(0, len(competencies), per_assessment):
        assessment = AssessmentFactory(title=f"Exam {start}", category="IHT", is_published=True)
        for competency in competencies[start : start + per_assessment]:
            CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=4)
        CompetencyMappingFactory(competency=competencies[start], category="IHT", title_pattern=f"Exam {start}")
    hidden = AssessmentFactory(title="Draft exam", category="IHT", is_published=False)
    CompetencyMappingFactory(competency=competencies[0], assessment=hidden, category="", level_granted=5)


@pytest.fixture
def known_employee():
    """Targets A3 B2 C4 D1 E0; levels A3 (met), B1 (gap 1), C none (not started, gap 4),
    D2 (met, above target), E none (met: target 0)."""
    position, comps = _position_with_targets({"A": 3, "B": 2, "C": 4, "D": 1, "E": 0})
    other = CompetencyFactory(code="Z", name="Not applicable here")
    employee = UserFactory(position=position)
    _give(employee, comps["A"], 3)
    _give(employee, comps["B"], 1)
    _give(employee, comps["D"], 2)
    _give(employee, other, 5)
    return employee


def test_anonymous_user_is_sent_to_log_in(client):
    response = client.get(_gaps_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_home_sends_logged_in_user_to_gap_dashboard(client, cast):
    assert client.get("/").url == reverse("login")
    client.force_login(cast.employee)
    assert client.get("/").url == reverse("competencies:my_gaps")


def test_dashboard_shows_figures_for_a_known_employee(client, known_employee):
    client.force_login(known_employee)
    response = client.get(_gaps_url())
    assert response.status_code == 200
    report = response.context["report"]
    assert [row.code for row in report.rows] == ["C", "B", "A", "E", "D"]
    assert [(row.current, row.target, row.gap, row.status.label) for row in report.rows] == [
        (0, 4, 4, "Not started"),
        (1, 2, 1, "Gap"),
        (3, 3, 0, "Met"),
        (0, 0, 0, "Met"),
        (2, 1, -1, "Met"),
    ]
    assert (report.total, report.met, report.in_gap, report.not_started, report.progress_percent) == (5, 3, 1, 1, 60)
    html = response.content.decode()
    assert '<div class="display-6" id="progress">60%</div>' in html
    assert "4 · Expert" in html and "Course A" in html
    assert "Not applicable here" not in html  # no target: not on the dashboard


def test_chart_data_is_embedded_with_json_script(client, known_employee):
    client.force_login(known_employee)
    response = client.get(_gaps_url())
    html = response.content.decode()
    start = html.index('<script id="gap-chart-data" type="application/json">') + len(
        '<script id="gap-chart-data" type="application/json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    assert data == {
        "labels": ["Name C", "Name B", "Name A", "Name E", "Name D"],
        "current": [0, 1, 3, 0, 2],
        "target": [4, 2, 3, 0, 1],
        "self": [None, None, None, None, None],  # no self-ratings: the third series is empty
    }
    assert 'id="gap-chart-table"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html


def test_chart_shows_at_most_the_8_largest_gaps(client):
    position, comps = _position_with_targets({f"K{i:02d}": 1 + i % 5 for i in range(12)})
    employee = UserFactory(position=position)
    client.force_login(employee)
    data = client.get(_gaps_url()).context["report"].chart_data
    assert len(data["labels"]) == 8
    assert sorted(data["target"], reverse=True) == data["target"][:8]
    assert min(data["target"]) == 2  # the four smallest targets (gaps) are left out


def test_text_is_escaped_in_chart_json(client):
    position, comps = _position_with_targets({"X": 2})
    comps["X"].name = '</script><script>alert("x")</script>'
    comps["X"].save()
    employee = UserFactory(position=position)
    client.force_login(employee)
    html = client.get(_gaps_url()).content.decode()
    assert '<script>alert("x")</script>' not in html


def test_user_without_position_gets_an_explanation(client):
    employee = UserFactory(position=None)
    client.force_login(employee)
    response = client.get(_gaps_url())
    assert response.status_code == 200
    assert "no position yet" in response.content.decode()


@pytest.mark.parametrize(
    ("viewer", "subject", "status"),
    [
        ("employee", "employee", 200),
        ("supervisor", "employee", 200),
        ("hc", "employee", 200),
        ("hc_employee", "employee", 200),
        ("colleague", "employee", 404),
        ("other_supervisor", "employee", 404),
        ("employee", "supervisor", 404),
        ("employee", "hc", 404),
        ("other_supervisor", "hc_employee", 200),
        ("supervisor", "hc_employee", 404),
    ],
)
def test_who_may_see_an_employee_dashboard(client, cast, viewer, subject, status):
    client.force_login(getattr(cast, viewer))
    assert client.get(_gaps_url(getattr(cast, subject))).status_code == status


def test_unknown_employee_id_is_404_like_a_forbidden_one(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse("competencies:employee_gaps", args=[999999])).status_code == 404


def test_supervisor_navbar_lists_direct_reports(client, cast):
    client.force_login(cast.supervisor)
    html = client.get(_gaps_url()).content.decode()
    assert "My team" in html and cast.employee.display_name in html
    assert "HC admin" not in html


def test_hc_navbar_links_to_admin(client, cast):
    client.force_login(cast.hc)
    assert "HC admin" in client.get(_gaps_url()).content.decode()


def test_login_with_password_reaches_dashboard(client, cast):
    response = client.post(reverse("login"), {"username": "employee", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("competencies:my_gaps")


def _body(response) -> str:
    """The page without what is the request's own (the CSRF tokens, masked anew each time)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.mark.parametrize("competency_count", [5, 60])
def test_dashboard_query_count_is_flat(client, django_assert_num_queries, competency_count):
    position, comps = _position_with_targets({f"Q{i:02d}": 1 + i % 5 for i in range(competency_count)})
    employee = UserFactory(position=position)
    recorder = HcUserFactory(position=None, employee_number=None)
    for i, competency in enumerate(comps.values()):
        if i % 4 == 1:
            _pass(employee, competency, 1 + i % 4, by=recorder)
        elif i % 2:
            _give(employee, competency, 1 + i % 4)
    supervisor = UserFactory(position=position)
    employee.supervisor = supervisor
    employee.save()
    UserFactory.create_batch(competency_count // 5, supervisor=supervisor, position=position)
    _assessments_raising(comps.values())
    self_ratings_set(employee=employee, levels={c.pk: 4 for c in comps.values()}, by=employee)
    for competency in list(comps.values())[::3]:
        supervisor_rating_set(employee=employee, competency=competency, level=2, comment="", by=supervisor)
    client.force_login(supervisor)
    # 1 session, 2 viewer, 3 employee with position and section, 4 the page stamps with the
    # navbar's unread count (hrportal/page_cache.py), 5 levels (with their evidence's type), 6 the results that are
    # the levels' evidence, with their assessments (the Evidence column), 7 targets with
    # competencies and groups, 8 the employee's active IDP items, 9 mappings that could raise
    # a competency in gap, 10 the published assessments open to the employee that those
    # mappings name (by id or category), 11 self-ratings, 12 supervisor ratings with their
    # authors, 13 navbar's direct reports, then what the cached body is good until: 14 the
    # next level lapse, 15 the next assessment window (staff viewers add one: their HC
    # group). The same for 5 competencies as for 60:
    with django_assert_num_queries(15):
        response = client.get(_gaps_url(employee))
    assert response.status_code == 200
    assert len(response.context["report"].rows) == competency_count
    assert sum(len(raising) > 0 for _, _, raising, _ in response.context["rows_with_items"]) > competency_count // 3
    # Again: the whole page comes from the page cache. 1 session, 2 viewer, 3 employee, 4 the
    # stamps with the unread count (the navbar's direct reports are in the cached page).
    with django_assert_num_queries(4):
        again = client.get(_gaps_url(employee))
    assert _body(again) == _body(response)


def test_out_of_scope_dashboard_shows_a_friendly_404_page(client, cast):
    client.force_login(cast.colleague)
    response = client.get(_gaps_url(cast.employee))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    # The full name: the viewer's own name is in the navbar, and random surnames can coincide.
    assert cast.employee.get_full_name() not in response.content.decode()


@pytest.mark.parametrize("competency_count", [5, 60])
def test_dashboard_query_count_for_hc_viewer_is_flat(client, cast, django_assert_num_queries, competency_count):
    position, comps = _position_with_targets({f"H{i:02d}": 1 + i % 5 for i in range(competency_count)})
    employee = UserFactory(position=position)
    for i, competency in enumerate(comps.values()):
        if i % 2:
            _pass(employee, competency, 2, by=cast.hc)
        else:
            _give(employee, competency, 2)
    _assessments_raising(comps.values(), per_assessment=2)
    client.force_login(cast.hc)
    # As for a supervisor (15, with the results that are the levels' evidence, the two of
    # the assessments that would raise a gap, the two of ratings and the stamps and the two
    # of the page cache), plus 1 for the HC group of a staff viewer: 16; cached: 4 + 1.
    with django_assert_num_queries(16):
        assert client.get(_gaps_url(employee)).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(_gaps_url(employee)).status_code == 200


def _row_html(html: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S)
    assert match, f"no row {code}"
    return match.group(1)


def _detail(assessment) -> str:
    return reverse("assessments:detail", args=[assessment.pk])


def test_gap_rows_link_to_the_published_assessments_that_would_raise_them(client, known_employee):
    # Targets A3 B2 C4 D1 E0; levels A3 (met), B1 (gap), C none (not started), D2 (met).
    targets = known_employee.position.targets.select_related("competency")
    comps = {target.competency.code: target.competency for target in targets}
    safety = AssessmentFactory(title="Safety Exam", category="IHT", is_published=True)
    for code in ("A", "B"):
        CompetencyMappingFactory(competency=comps[code], assessment=safety, category="", level_granted=4)
    CompetencyMappingFactory(competency=comps["C"], category="iht", title_pattern="safety", level_granted=2)
    unpublished = AssessmentFactory(title="Hidden Exam", is_published=False)
    CompetencyMappingFactory(competency=comps["B"], assessment=unpublished, category="", level_granted=3)
    too_low = AssessmentFactory(title="Level One Exam", is_published=True)
    CompetencyMappingFactory(competency=comps["B"], assessment=too_low, category="", level_granted=1)
    not_open_to_them = AssessmentFactory(title="Listed Exam", is_published=True, audience="listed")
    CompetencyMappingFactory(competency=comps["C"], assessment=not_open_to_them, category="", level_granted=3)
    client.force_login(known_employee)

    html = client.get(_gaps_url()).content.decode()

    assert _detail(safety) in _row_html(html, "B")  # gap
    assert _detail(safety) in _row_html(html, "C")  # not started, through the category mapping
    assert _detail(safety) not in _row_html(html, "A")  # met already
    assert "up to 4 · Expert" in _row_html(html, "B")
    for hidden in (unpublished, too_low, not_open_to_them):
        assert _detail(hidden) not in html
    # Two links to the same assessment, each naming its competency: no identical link texts.
    texts = re.findall(rf'<a href="{_detail(safety)}">(.*?)</a>', html, re.S)
    assert len(texts) == 2 and len(set(texts)) == 2
    assert all("Take: Safety Exam" in text for text in texts)
    assert "B Name B" in texts[0] + texts[1] and "C Name C" in texts[0] + texts[1]


def test_supervisor_sees_which_assessments_would_raise_a_gap_without_links(client, cast):
    position, comps = _position_with_targets({"S1": 3})
    cast.employee.position = position
    cast.employee.save()
    exam = AssessmentFactory(title="Shift Exam", is_published=True)
    CompetencyMappingFactory(competency=comps["S1"], assessment=exam, category="", level_granted=2)
    client.force_login(cast.supervisor)

    html = client.get(_gaps_url(cast.employee)).content.decode()

    assert "Assessment: Shift Exam" in _row_html(html, "S1")
    assert _detail(exam) not in html
