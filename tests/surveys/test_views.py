"""The self-assessment page and the supervisor's rating form, as their users meet them."""

import re

import pytest
from django.urls import reverse

from hrportal.models import Notification
from surveys.models import SelfRating, SelfRatingHistory, SupervisorRating
from surveys.services import self_ratings_set
from tests.competencies.factories import CompetencyFactory, LevelDescriptorFactory
from tests.surveys.factories import position_competencies

pytestmark = pytest.mark.django_db

PAGE = reverse("surveys:self_assessment")


def _ratings(employee) -> dict[str, int]:
    return dict(SelfRating.objects.filter(employee=employee).values_list("competency__code", "level"))


def test_each_competency_is_a_group_of_six_levels_with_what_each_looks_like(client, cast):
    competency = position_competencies(cast.employee.position, count=1)[0]
    LevelDescriptorFactory(competency=competency, level=3, behaviour_indicators="Runs the unit alone")
    client.force_login(cast.employee)

    html = client.get(PAGE).content.decode()

    group = re.search(rf'<fieldset[^>]*data-code="{competency.code}".*?</fieldset>', html, re.S).group(0)
    assert f"{competency.code}</span> {competency.name}" in re.search(r"<legend.*?</legend>", group, re.S).group(0)
    assert len(re.findall(r'type="radio" name="level_\d+"', group)) == 6
    assert re.search(r"3 · Advanced</span><span[^>]*>Runs the unit alone", group)
    assert "0 of 1 competency rated." in html


def test_the_descriptors_come_in_the_readers_language(client, cast):
    competency = position_competencies(cast.employee.position, count=1)[0]
    LevelDescriptorFactory(
        competency=competency,
        level=2,
        behaviour_indicators="Helps others",
        behaviour_indicators_ind="Membantu orang lain",
    )
    cast.employee.language = "id"
    cast.employee.save(update_fields=["language"])
    client.force_login(cast.employee)

    html = client.get(PAGE).content.decode()

    assert "Membantu orang lain" in html and "Helps others" not in html


def test_saving_rates_every_competency_chosen_at_once_and_says_so(client, cast):
    first, second, third = position_competencies(cast.employee.position, count=3)
    self_ratings_set(employee=cast.employee, levels={third.pk: 1}, by=cast.employee)
    client.force_login(cast.employee)

    response = client.post(PAGE, {f"level_{first.pk}": "4", f"level_{second.pk}": "0"}, follow=True)

    assert _ratings(cast.employee) == {first.code: 4, second.code: 0, third.code: 1}
    assert "2 ratings changed" in response.content.decode()
    page = response.content.decode()
    assert re.search(rf'name="level_{first.pk}" value="4"[^>]*checked', page)
    assert "3 of 3 competencies rated." in page


def test_a_bad_level_saves_none_of_the_form(client, cast):
    first, second = position_competencies(cast.employee.position, count=2)
    client.force_login(cast.employee)

    response = client.post(PAGE, {f"level_{first.pk}": "4", f"level_{second.pk}": "7"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SelfRating.objects.exists() and not SelfRatingHistory.objects.exists()


def test_a_field_for_a_competency_outside_the_position_rates_nothing(client, cast):
    elsewhere = CompetencyFactory()
    position_competencies(cast.employee.position, count=1)
    client.force_login(cast.employee)

    client.post(PAGE, {f"level_{elsewhere.pk}": "5"})

    assert not SelfRating.objects.exists()


def test_someone_without_a_position_is_told_there_is_nothing_to_rate(client, cast):
    client.force_login(cast.hc)

    html = client.get(PAGE).content.decode()

    assert "nothing to rate" in html
    assert 'id="self-assessment-form"' not in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_page_costs_the_same_queries_however_many_competencies(client, cast, django_assert_max_num_queries, count):
    competencies = position_competencies(cast.employee.position, count=count)
    for competency in competencies:
        for level in (1, 3, 5):
            LevelDescriptorFactory(competency=competency, level=level)
    self_ratings_set(employee=cast.employee, levels={c.pk: 2 for c in competencies}, by=cast.employee)
    client.force_login(cast.employee)

    # 1. session; 2. the user; 3. the page stamps (hrportal/page_cache.py); 4. the self-ratings;
    # 5. targets with competencies and groups; 6. their descriptors; 7. the open self-assessment
    # rounds that ask them; 8. direct reports (navbar); 9. unread notifications (navbar)
    with django_assert_max_num_queries(9):
        response = client.get(PAGE)

    assert response.content.decode().count('type="radio"') == 6 * count
    # Again, from the cache: session, user, stamps, the navbar's two.
    with django_assert_max_num_queries(5):
        again = client.get(PAGE)
    assert again.content.decode().count('type="radio"') == 6 * count


def _rating_url(employee, competency) -> str:
    return reverse("surveys:supervisor_rating", args=[employee.pk, competency.pk])


def test_the_supervisor_rates_with_a_comment_and_the_employee_reads_it(client, cast):
    competency = position_competencies(cast.employee.position, count=1)[0]
    client.force_login(cast.supervisor)

    response = client.post(_rating_url(cast.employee, competency), {"level": "2", "comment": "Needs practice"})

    assert response.status_code == 302
    assert response.url == reverse("competencies:employee_competency", args=[cast.employee.pk, competency.pk])
    rating = SupervisorRating.objects.get()
    assert (rating.level, rating.comment, rating.rated_by) == (2, "Needs practice", cast.supervisor)
    assert Notification.objects.filter(recipient=cast.employee).count() == 1


def test_a_supervisor_rating_without_a_level_saves_nothing_and_says_why(client, cast):
    competency = position_competencies(cast.employee.position, count=1)[0]
    client.force_login(cast.supervisor)

    response = client.post(_rating_url(cast.employee, competency), {"comment": "Hm"}, follow=True)

    assert not SupervisorRating.objects.exists()
    assert "Nothing saved" in response.content.decode()


@pytest.mark.parametrize(
    ("rater", "status"), [("employee", 403), ("hc", 403), ("colleague", 404), ("other_supervisor", 404)]
)
def test_only_the_supervisor_may_post_a_supervisor_rating(client, cast, rater, status):
    competency = position_competencies(cast.employee.position, count=1)[0]
    client.force_login(getattr(cast, rater))

    response = client.post(_rating_url(cast.employee, competency), {"level": "5", "comment": ""})

    assert response.status_code == status
    assert not SupervisorRating.objects.exists()


def test_a_competency_outside_the_position_answers_404(client, cast):
    client.force_login(cast.supervisor)

    response = client.post(_rating_url(cast.employee, CompetencyFactory()), {"level": "3"})

    assert response.status_code == 404
