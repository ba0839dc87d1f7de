"""The page cache (hrportal/page_cache.py): a person's pages come from the cache until something
they show changes through any door, and then show the change at once.

Every test first shows that the second view of the page IS a hit (fewer queries), so that the
check after the change would fail if the door forgot to bump the stamps."""

import csv
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.services.results import result_record
from competencies.models import CompetencyLevel, LevelSource, PositionTarget
from competencies.services import level_raise
from hrportal.models import Notification, PageStamp
from idp.models import IdpItem, ItemStatus
from surveys.services import self_ratings_set
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _cached(client, url: str) -> str:
    """The page, viewed twice: the second view must come from the cache (fewer queries)."""
    miss, _ = _queries(client, url)
    hit, html = _queries(client, url)
    assert hit < miss, f"{url}: not served from the cache ({hit} queries, then {miss})"
    return html


def _gap(html: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}">.*?data-label="Gap">(-?\d+)</td>', html, re.S)
    assert match, f"no row {code}"
    return match.group(1)


@pytest.fixture
def team(cast):
    """The cast's employee with targets A3 and B2 in their position, level A1."""
    competencies = {code: CompetencyFactory(code=code, name=f"Name {code}") for code in "AB"}
    PositionTargetFactory(position=cast.employee.position, competency=competencies["A"], target_level=3)
    PositionTargetFactory(position=cast.employee.position, competency=competencies["B"], target_level=2)
    give_level(cast.employee, competencies["A"], 1)
    return competencies


GAPS = reverse("competencies:my_gaps")


def test_a_passed_assessment_shows_at_once(client, cast, team):
    client.force_login(cast.employee)
    assert _gap(_cached(client, GAPS), "A") == "2"
    assessment = AssessmentFactory(title="Exam A", is_published=False)
    CompetencyMappingFactory(competency=team["A"], assessment=assessment, category="", level_granted=3)
    result_record(employee=cast.employee, assessment=assessment, score=90, recorded_by=cast.hc)
    assert _gap(_cached(client, GAPS), "A") == "0"


def test_the_supervisors_view_of_a_report_changes_with_the_report(client, cast, team):
    url = reverse("competencies:employee_gaps", args=[cast.employee.pk])
    client.force_login(cast.supervisor)
    assert _gap(_cached(client, url), "B") == "2"
    give_level(cast.employee, team["B"], 2)
    assert _gap(_cached(client, url), "B") == "0"


def test_an_hc_override_in_the_admin_shows_at_once(client, cast, team):
    client.force_login(cast.employee)
    assert _gap(_cached(client, GAPS), "A") == "2"
    level = CompetencyLevel.objects.get(employee=cast.employee, competency=team["A"])
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:competencies_competencylevel_change", args=[level.pk]), {"level": 3, "reason": "Certificate"}
    )
    assert response.status_code == 302
    client.force_login(cast.employee)
    assert _gap(client.get(GAPS).content.decode(), "A") == "0"


def test_a_target_changed_in_the_admin_shows_at_once(client, cast, team):
    client.force_login(cast.employee)
    assert _gap(_cached(client, GAPS), "B") == "2"
    target = PositionTarget.objects.get(position=cast.employee.position, competency=team["B"])
    client.force_login(cast.hc)
    url = reverse("admin:competencies_positiontarget_change", args=[target.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(target_level=4, note="More is asked")
    data = {name: value for name, value in data.items() if value is not False}
    assert client.post(url, data).status_code == 302
    assert PositionTarget.objects.get(pk=target.pk).target_level == 4
    client.force_login(cast.employee)
    assert _gap(client.get(GAPS).content.decode(), "B") == "4"


def test_a_target_changed_by_import_matrix_shows_at_once(client, cast, team, tmp_path):
    client.force_login(cast.employee)
    assert _gap(_cached(client, GAPS), "B") == "2"
    path = tmp_path / "matrix.csv"
    position = cast.employee.position.name
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["skill_group", "code", "name", "definition", position])
        writer.writerow([team["A"].group.name, "A", "Name A", team["A"].definition, "3"])
        writer.writerow([team["B"].group.name, "B", "Name B", team["B"].definition, "5"])
    call_command("import_matrix", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert PositionTarget.objects.get(position=cast.employee.position, competency=team["B"]).target_level == 5
    assert _gap(client.get(GAPS).content.decode(), "B") == "5"


def test_a_self_rating_shows_at_once(client, cast, team):
    client.force_login(cast.employee)
    assert 'id="self-assessment-invite"' in _cached(client, GAPS)
    self_ratings_set(employee=cast.employee, levels={team["B"].pk: 4}, by=cast.employee)
    html = client.get(GAPS).content.decode()
    assert 'id="self-assessment-invite"' not in html


def test_the_language_switch_shows_the_page_in_the_new_language(client, cast, team):
    client.force_login(cast.employee)
    assert "All competencies of the position" in _cached(client, GAPS)
    client.post(reverse("language_set"), {"language": "id", "next": GAPS})
    html = client.get(GAPS).content.decode()
    assert "All competencies of the position" not in html
    assert 'lang="id"' in html


def test_a_level_lapsing_shows_when_its_moment_passes(client, cast, team):
    expires = timezone.now() + timedelta(hours=3)
    level_raise(
        employee=cast.employee,
        competency=team["B"],
        level=2,
        source=LevelSource.ASSESSMENT,
        evidence=None,
        evidence_note="Exam B",
        by=None,
        expires_at=expires,
    )
    client.force_login(cast.employee)
    assert _gap(_cached(client, GAPS), "B") == "0"
    with time_machine.travel(expires + timedelta(minutes=1)):
        html = client.get(GAPS).content.decode()
    assert _gap(html, "B") == "2"
    assert "Expired" in html


def test_the_next_day_is_rendered_again(client, cast, team):
    """Pages say "overdue" and "expires in …": a page cached before midnight is not served after."""
    late = timezone.localtime().replace(hour=23, minute=50, second=0, microsecond=0)
    with time_machine.travel(late, tick=False) as traveller:
        client.force_login(cast.employee)
        hit = len(_cached_queries(client, GAPS))
        traveller.shift(timedelta(minutes=20))
        assert _queries(client, GAPS)[0] > hit


def _cached_queries(client, url: str) -> list:
    _queries(client, url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return list(queries)


def test_an_idp_item_submitted_and_approved_in_the_pages_shows_at_once(client, cast, team):
    client.force_login(cast.employee)
    plan = reverse("idp:my_plan")
    _cached(client, plan)
    response = client.post(reverse("idp:suggestion_accept", args=[team["A"].pk]))
    assert response.status_code == 302
    item = IdpItem.objects.get(employee=cast.employee)
    assert f'href="{item.get_absolute_url()}"' in _cached(client, plan)
    client.post(reverse("idp:item_action", args=[item.pk, "submit"]))
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.SUBMITTED
    html = _cached(client, plan)
    assert _status_of(html, item) == str(ItemStatus.SUBMITTED.label)
    client.force_login(cast.supervisor)
    client.post(reverse("idp:item_action", args=[item.pk, "approve"]), {"comment": "Go ahead"})
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.APPROVED
    client.force_login(cast.employee)
    assert _status_of(client.get(plan).content.decode(), item) == str(ItemStatus.APPROVED.label)


def _status_of(html: str, item) -> str:
    """The status badge next to the item's link on the plan."""
    start = html.index(f'href="{item.get_absolute_url()}"')
    match = re.search(r'class="badge[^"]*status-[^"]*"[^>]*>([^<]+)<', html[start - 2000 : start + 2000])
    assert match, "no status badge near the item"
    return match.group(1).strip()


def test_a_reports_level_change_shows_on_the_team_page(client, cast, team):
    client.force_login(cast.supervisor)
    url = reverse("competencies:team")
    before = _cached(client, url)
    give_level(cast.employee, team["B"], 2)
    after = _cached(client, url)
    assert after != before


def test_a_cached_page_posts_its_form_from_another_session(client, cast, team):
    """Two sessions of one person: the second gets the first's cached page, with its own
    CSRF token, and its form posts."""
    first = Client(enforce_csrf_checks=True)
    first.force_login(cast.employee)
    miss, _ = _queries(first, reverse("idp:my_plan"))
    second = Client(enforce_csrf_checks=True)
    second.force_login(cast.employee)
    hit, html = _queries(second, reverse("idp:my_plan"))
    assert hit < miss
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert "placeholder" not in token
    response = second.post(reverse("idp:suggestion_dismiss", args=[team["A"].pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_career_and_history_pages_are_cached_and_follow_the_levels(client, cast, team):
    client.force_login(cast.employee)
    for level, url in enumerate((reverse("competencies:career"), reverse("competencies:my_history")), start=1):
        before = _cached(client, url)
        give_level(cast.employee, team["B"], level)  # a raise each time
        assert _cached(client, url) != before


def test_a_query_string_is_never_cached(client, cast, team):
    client.force_login(cast.employee)
    url = f"{GAPS}?as_of={timezone.localdate().isoformat()}"
    first, _ = _queries(client, url)
    second, _ = _queries(client, url)
    assert first == second


def test_another_viewer_never_gets_the_employees_own_page(client, cast, team):
    url = reverse("competencies:employee_gaps", args=[cast.employee.pk])
    client.force_login(cast.employee)
    own = _cached(client, url)
    assert "My competency gaps" in own
    client.force_login(cast.supervisor)
    theirs = client.get(url).content.decode()
    assert "My competency gaps" not in theirs


def test_staleness_is_not_caused_by_users_saved_from_old_copies(client, cast, team):
    """A full save of a user row read before a bump does not bring the old page back: the
    stamps are not on the user row."""
    stale_copy = type(cast.employee).objects.get(pk=cast.employee.pk)
    client.force_login(cast.employee)
    _cached(client, GAPS)
    give_level(cast.employee, team["B"], 2)
    stale_copy.first_name = "Renamed"
    stale_copy.save()
    assert _gap(client.get(GAPS).content.decode(), "B") == "0"


def test_other_people_keep_their_cached_pages(client, cast, team):
    client.force_login(cast.colleague)
    _cached(client, GAPS)
    hit, _ = _queries(client, GAPS)
    give_level(cast.employee, team["B"], 2)
    assert _queries(client, GAPS)[0] == hit


def test_the_self_assessment_form_shows_the_saved_ratings_at_once(client, cast, team):
    url = reverse("surveys:self_assessment")
    client.force_login(cast.employee)
    html = _cached(client, url)
    assert "0 of 2 competencies rated" in html
    response = client.post(url, {f"level_{team['A'].pk}": 2, f"level_{team['B'].pk}": 3})
    assert response.status_code == 302
    assert "2 of 2 competencies rated" in _cached(client, url)


# --- The whole page (the navbar around the fragments) -------------------------------------


def test_the_whole_page_is_served_without_the_navbars_reports_query(client, cast, team):
    """The third view of a page comes whole from the cache: not even the navbar is rendered
    (its direct-reports query is not made), and the page is the same."""
    client.force_login(cast.supervisor)
    url = reverse("competencies:employee_gaps", args=[cast.employee.pk])
    _queries(client, url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert not any('"supervisor_id" =' in query["sql"] for query in queries), "the navbar was rendered"
    assert cast.employee.display_name in html  # the navbar's "My team" menu names the report
    assert "page-cache-csrf-token-placeholder" not in html


def test_a_new_notification_shows_in_the_bell_of_a_cached_page(client, cast, team):
    client.force_login(cast.employee)
    unread = Notification.objects.filter(recipient=cast.employee, read_at=None).count()
    assert unread < 99
    assert re.search(rf'id="nav-unread-count">{unread}<', _cached(client, GAPS)) or unread == 0
    Notification.objects.create(recipient=cast.employee, subject="Your plan was approved")
    html = client.get(GAPS).content.decode()
    assert re.search(rf'id="nav-unread-count">{unread + 1}<', html)


def test_a_message_is_shown_once_on_a_cached_page(client, cast, team):
    """The message after saving a self-assessment is on the page it leads to, and not on the
    next view of that page (a cached page never keeps one)."""
    url = reverse("surveys:self_assessment")
    client.force_login(cast.employee)
    _cached(client, url)
    response = client.post(url, {f"level_{team['A'].pk}": 2, f"level_{team['B'].pk}": 3}, follow=True)
    assert "Your self-assessment is saved" in response.content.decode()
    assert "Your self-assessment is saved" not in _cached(client, url)
    client.post(url, {f"level_{team['A'].pk}": 2, f"level_{team['B'].pk}": 3})
    assert "Nothing changed: your ratings were already these." in client.get(url).content.decode()
    assert "Nothing changed" not in client.get(url).content.decode()


def test_the_navbar_marks_the_page_that_is_shown(client, cast, team):
    """Two views of one cached page (the own dashboard by /gap/ and by the employee's id) each
    mark their own navbar link."""
    client.force_login(cast.employee)
    own = _cached(client, GAPS)
    assert re.search(r'aria-current="page"\s+href="/gap/"', own)
    _, html = _queries(client, reverse("competencies:employee_gaps", args=[cast.employee.pk]))
    assert "My competency gaps" in html  # the same page
    assert not re.search(r'aria-current="page"\s+href="/gap/"', html)


def test_the_bell_counts_before_any_stamp_exists(client, cast, team):
    """A new database has no stamps yet: the unread count, which comes with them, is counted on its own."""
    PageStamp.objects.all().delete()
    unread = Notification.objects.filter(recipient=cast.employee, read_at=None).count()
    Notification.objects.create(recipient=cast.employee, subject="Welcome")
    client.force_login(cast.employee)
    _queries(client, GAPS)
    assert re.search(rf'id="nav-unread-count">{unread + 1}<', client.get(GAPS).content.decode())
