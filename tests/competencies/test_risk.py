"""Team risk: single points of failure and the bench, on the team heatmap and in the report."""

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competencies.models import CompetencyLevel
from competencies.selectors.risk import section_risks, team_risks
from competencies.selectors.team import team_heatmap
from hrportal.models import User
from hrportal.page_cache import bump_people
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import HcUserFactory, PositionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM_URL = reverse("competencies:team")
REPORT_URL = reverse("competencies:reports")
RISK_URL = reverse("competencies:risk_report")


def person(first: str, last: str, **kwargs) -> User:
    return UserFactory(first_name=first, last_name=last, **kwargs)


def expire(employee, competency) -> None:
    """Test set-up: the level's evidence lapsed yesterday. Written behind the services' back,
    so it bumps the person's page stamp as they would (hrportal/page_cache.py)."""
    CompetencyLevel.objects.filter(employee=employee, competency=competency).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    bump_people([employee.pk])


@pytest.fixture
def crew(db):
    """A supervisor and four Operators; Operator targets P3 (pumps), V2 (valves), S0 (safety
    talk: target 0, so not needed); the lead's position targets P4, which is the highest."""
    section = SectionFactory(name="Plant")
    operator, lead = PositionFactory(name="Operator"), PositionFactory(name="Lead Operator")
    comp = {code: CompetencyFactory(code=code, name=f"Skill {code}") for code in "PVS"}
    for position, targets in ((operator, {"P": 3, "V": 2, "S": 0}), (lead, {"P": 4})):
        for code, level in targets.items():
            PositionTargetFactory(position=position, competency=comp[code], target_level=level)
    boss = person("Bima", "Boss", section=section, position=lead)
    members = {
        "ani": person("Ani", "Anwar", section=section, position=operator, supervisor=boss),
        "budi": person("Budi", "Baskoro", section=section, position=operator, supervisor=boss),
        "citra": person("Citra", "Cahya", section=section, position=operator, supervisor=boss),
        "lead": person("Lina", "Lead", section=section, position=lead, supervisor=boss),
    }
    return {"boss": boss, "comp": comp, "section": section, "operator": operator, "lead": lead, **members}


def flags_on_team_page(client, viewer, query=""):
    client.force_login(viewer)
    response = client.get(TEAM_URL + query)
    assert response.status_code == 200
    return {flag.code: flag for flag in response.context["risks"]}, response.content.decode()


def names(people) -> list[str]:
    return [p.name for p in people]


def test_one_person_meeting_the_highest_target_is_flagged_with_their_name(client, crew):
    give_level(crew["lead"], crew["comp"]["P"], 4)
    give_level(crew["ani"], crew["comp"]["P"], 3)  # meets her own target, not the team's highest
    flags, html = flags_on_team_page(client, crew["boss"])
    pumps = flags["P"]
    assert (pumps.top_target, pumps.needed_by, names(pumps.meeting)) == (4, 4, ["Lina Lead"])
    section = html[html.index('id="team-risk"') :]
    assert "Only one person meets it" in section
    assert "Meets it:" in section and "Lina Lead" in section and "4 · Expert" in section


def test_two_people_meeting_it_is_no_flag(client, crew):
    give_level(crew["lead"], crew["comp"]["P"], 4)
    give_level(crew["ani"], crew["comp"]["P"], 5)  # above the highest target: meets it too
    flags, _ = flags_on_team_page(client, crew["boss"])
    assert "P" not in flags


def test_nobody_meeting_it_is_flagged_as_the_worst_and_says_so(client, crew):
    comp = crew["comp"]
    give_level(crew["lead"], comp["P"], 4)  # P: one person
    give_level(crew["ani"], comp["V"], 1)  # V: nobody (target 2)
    flags, html = flags_on_team_page(client, crew["boss"])
    assert list(flags) == ["V", "P"]  # worst first
    assert flags["V"].nobody_meets and not flags["P"].nobody_meets
    valves = html[html.index('data-code="V"') : html.index('data-code="P"')]
    assert "Nobody meets it" in valves and "Nobody in the team meets it." in valves


def test_a_target_of_zero_is_not_a_need(client, crew):
    flags, _ = flags_on_team_page(client, crew["boss"])
    assert "S" not in flags


def test_an_expired_level_does_not_count_as_meeting(client, crew):
    pumps = crew["comp"]["P"]
    give_level(crew["lead"], pumps, 4)
    give_level(crew["budi"], pumps, 4)
    assert "P" not in flags_on_team_page(client, crew["boss"])[0]
    expire(crew["budi"], pumps)
    flags, _ = flags_on_team_page(client, crew["boss"])
    assert names(flags["P"].meeting) == ["Lina Lead"]
    assert names(flags["P"].bench) == []  # an expired level is no level, not one short


def test_inactive_people_do_not_count(client, crew):
    pumps = crew["comp"]["P"]
    give_level(crew["lead"], pumps, 4)
    give_level(crew["budi"], pumps, 4)
    User.objects.filter(pk=crew["budi"].pk).update(is_active=False)
    flags, _ = flags_on_team_page(client, crew["boss"])
    assert names(flags["P"].meeting) == ["Lina Lead"]
    report = {risk.name: risk for risk in section_risks()}
    assert names({f.code: f for f in report["Plant"].flags}["P"].meeting) == ["Lina Lead"]


def test_the_selector_ignores_inactive_members_it_is_handed(crew):
    pumps = crew["comp"]["P"]
    give_level(crew["lead"], pumps, 4)
    give_level(crew["budi"], pumps, 4)
    crew["budi"].is_active = False
    members = [crew[key] for key in ("ani", "budi", "citra", "lead")]
    flags = {flag.code: flag for flag in team_risks(team_heatmap(members=members))}
    assert names(flags["P"].meeting) == ["Lina Lead"]


def test_the_bench_is_exactly_the_people_one_level_short(client, crew):
    pumps = crew["comp"]["P"]
    give_level(crew["lead"], pumps, 4)  # meets it
    give_level(crew["ani"], pumps, 3)  # one short
    give_level(crew["citra"], pumps, 3)  # one short, but expired: counts as none
    expire(crew["citra"], pumps)
    give_level(crew["budi"], pumps, 2)  # two short
    give_level(crew["boss"], pumps, 3)  # one short, but not in his own team
    flags, html = flags_on_team_page(client, crew["boss"])
    assert [(p.name, p.level) for p in flags["P"].bench] == [("Ani Anwar", 3)]
    bench = html[html.index('data-code="P"') :]
    bench = bench[bench.index("Bench, one level short:") : bench.index("</li>")]
    assert "Ani Anwar" in bench and "3 · Advanced" in bench
    assert "Citra" not in bench and "Budi" not in bench


def test_for_a_highest_target_of_one_people_without_a_level_are_not_the_bench(client, crew):
    basic = CompetencyFactory(code="B1")
    PositionTargetFactory(position=crew["operator"], competency=basic, target_level=1)
    give_level(crew["ani"], basic, 1)
    flags, html = flags_on_team_page(client, crew["boss"])
    assert names(flags["B1"].meeting) == ["Ani Anwar"] and flags["B1"].bench == []
    item = html[html.index('data-code="B1"') :]
    assert "Bench, one level short:" in item[: item.index("</li>")]
    assert "nobody" in item[: item.index("</li>")]


def test_a_team_without_flags_says_so(client, crew):
    for key in ("ani", "lead"):
        give_level(crew[key], crew["comp"]["P"], 4)
        give_level(crew[key], crew["comp"]["V"], 2)
    flags, html = flags_on_team_page(client, crew["boss"])
    assert flags == {}
    assert 'id="no-risks"' in html


# The report: one team per section


@pytest.fixture
def plants(crew):
    """A second section, Dock, with two Operators: V met by both, P (target 3) by nobody, one on the bench."""
    dock = SectionFactory(name="Dock")
    comp = crew["comp"]
    dina = person("Dina", "Dermaga", section=dock, position=crew["operator"])
    eko = person("Eko", "Eka", section=dock, position=crew["operator"])
    for member in (dina, eko):
        give_level(member, comp["V"], 2)
    give_level(dina, comp["P"], 2)
    give_level(crew["lead"], comp["P"], 4)  # Plant: P by one; V by nobody
    return {**crew, "dock": dock, "dina": dina, "eko": eko, "hc": HcUserFactory(section=None, position=None)}


def test_the_report_flags_each_section_worst_first(client, plants):
    client.force_login(plants["hc"])
    response = client.get(RISK_URL)
    risks = response.context["section_risks"]
    summary = [(r.name, [(f.code, f.top_target, names(f.meeting), names(f.bench)) for f in r.flags]) for r in risks]
    assert summary == [
        ("Plant", [("V", 2, [], []), ("P", 4, ["Lina Lead"], [])]),  # two flags, one nobody meets
        ("Dock", [("P", 3, [], ["Dina Dermaga"])]),  # Dock's highest P target is the Operator's 3
    ]
    html = response.content.decode()
    section = html[html.index('id="section-risk"') :]
    assert section.index('data-section="Plant"') < section.index('data-section="Dock"')
    assert "2 single points of failure" in section and "Dina Dermaga" in section


def test_the_report_risks_follow_the_filters(client, plants):
    client.force_login(plants["hc"])
    by_section = client.get(RISK_URL, {"section": plants["dock"].pk}).context["section_risks"]
    assert [r.name for r in by_section] == ["Dock"]
    # Operators only: Lina (Lead Operator) is left out, so Plant's highest P target is 3 and nobody meets it.
    by_position = client.get(RISK_URL, {"position": plants["operator"].pk}).context["section_risks"]
    plant = next(r for r in by_position if r.name == "Plant")
    assert [(f.code, f.top_target, names(f.meeting)) for f in plant.flags] == [("P", 3, []), ("V", 2, [])]


def test_employees_without_a_section_are_one_team(client, plants):
    give_level(person("Nina", "Nomad", section=None, position=plants["operator"]), plants["comp"]["V"], 2)
    client.force_login(plants["hc"])
    response = client.get(RISK_URL)
    nomads = next(r for r in response.context["section_risks"] if r.pk is None)
    assert [(f.code, names(f.meeting)) for f in nomads.flags] == [("P", []), ("V", ["Nina Nomad"])]
    assert "No section" in response.content.decode()


def test_the_report_sql_agrees_with_the_heatmap_on_random_teams(db):
    """The fast path (one SQL statement) against the heatmap's Python, section by section."""
    rng = random.Random(11)
    comps = [CompetencyFactory() for _ in range(5)]
    positions = [PositionFactory() for _ in range(3)]
    for position in positions:
        for competency in rng.sample(comps, 4):
            PositionTargetFactory(position=position, competency=competency, target_level=rng.randint(0, 5))
    sections = [SectionFactory() for _ in range(4)]
    for _ in range(40):
        employee = UserFactory(section=rng.choice(sections), position=rng.choice(positions))
        for competency in rng.sample(comps, 3):
            give_level(employee, competency, rng.randint(0, 5))
            if rng.random() < 0.2:
                expire(employee, competency)
        if rng.random() < 0.1:
            User.objects.filter(pk=employee.pk).update(is_active=False)

    def summary(flags):
        return sorted((f.code, f.top_target, f.needed_by, f.meeting, f.bench) for f in flags)

    by_sql = {risk.pk: summary(risk.flags) for risk in section_risks()}
    by_python = {}
    for section in sections:
        members = list(User.objects.filter(section=section, is_active=True).select_related("position"))
        if flags := team_risks(team_heatmap(members=members)):
            by_python[section.pk] = summary(flags)
    assert by_sql == by_python
    assert by_sql  # the data has flags to compare


# Query budgets: team size and number of competencies


def _team(boss, size: int, competencies: int) -> None:
    """`size` reports of `boss` with levels in half of `competencies` targets, and one more
    target at 5 that only the first report meets, so that there are flags with names."""
    position = PositionFactory()
    comps = [CompetencyFactory() for _ in range(competencies)]
    for i, competency in enumerate(comps):
        PositionTargetFactory(position=position, competency=competency, target_level=1 + i % 5)
    rare = CompetencyFactory()
    PositionTargetFactory(position=position, competency=rare, target_level=5)
    for i in range(size):
        member = UserFactory(position=position, section=boss.section, supervisor=boss)
        for competency in comps[i % 2 :: 2]:
            give_level(member, competency, 1 + (i + member.pk) % 5)
        give_level(member, rare, 5 if i == 0 else 4)


@pytest.mark.parametrize(("size", "competencies"), [(2, 2), (25, 12)])
def test_team_page_with_risks_has_a_flat_query_count(client, cast, django_assert_num_queries, size, competencies):
    _team(cast.other_supervisor, size, competencies)
    client.force_login(cast.other_supervisor)
    # 1 session, 2 user, 3 the viewer's reports with their page stamps (hrportal/page_cache.py)
    # and the unread count, 4 members, 5 their positions' targets, 6 their levels, 7 navbar's
    # direct reports, 8 the members' next level lapse (how long the page may be cached). The
    # risks add none: they are worked out from the heatmap's cells.
    with django_assert_num_queries(8):
        response = client.get(TEAM_URL)
    assert len(response.context["heatmap"].rows) == size + 1  # and hc_employee
    assert response.context["risks"]


@pytest.mark.parametrize(("size", "competencies"), [(2, 2), (25, 12)])
def test_report_with_risks_has_a_flat_query_count(client, cast, django_assert_num_queries, size, competencies):
    _team(cast.other_supervisor, size, competencies)
    client.force_login(cast.hc)
    # 1 session, 2 viewer, 3 viewer's HC group, 4 sections and 5 positions (the filter's
    # choices), 6 the single points of failure of every section, 7 navbar's direct reports,
    # 8 unread count.
    with django_assert_num_queries(8):
        response = client.get(RISK_URL)
    assert response.context["section_risks"]


def test_the_report_links_to_the_risks_with_its_filters(client, plants):
    client.force_login(plants["hc"])
    html = client.get(REPORT_URL, {"section": plants["dock"].pk}).content.decode()
    assert f'href="{RISK_URL}?section={plants["dock"].pk}"' in html
    assert "Dina Dermaga" not in html  # the names are on the risk page only


def test_the_risk_page_is_for_hc_only(client, plants, cast):
    client.force_login(cast.supervisor)
    assert client.get(RISK_URL).status_code == 403


def test_a_bad_filter_on_the_risk_page_says_so(client, plants):
    client.force_login(plants["hc"])
    response = client.get(RISK_URL, {"section": "nope"})
    assert response.status_code == 200
    assert "The filter is not valid" in response.content.decode()
    assert response.context["section_risks"] is None
