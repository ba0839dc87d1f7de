import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from hrportal.models import AuditEntry
from strategies.models import Strategy, StrategyTarget
from strategies.services import DEFAULT_STRATEGIES
from tests.competencies.factories import CompetencyFactory, SkillGroupFactory
from tests.hrportal.factories import PositionFactory

pytestmark = pytest.mark.django_db


def _form(**rows) -> dict:
    data = {
        "name_en": "Depth",
        "name_ind": "Kedalaman",
        "description_en": "Deeper.",
        "description_ind": "Lebih dalam.",
        "maturity_min": "40",
        "maturity_max": "75",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    data["targets-TOTAL_FORMS"] = str(len(rows))
    for index, row in enumerate(rows.values()):
        data.update({f"targets-{index}-{name}": value for name, value in row.items()})
    return data


def test_hc_adds_a_strategy_with_its_rows_in_both_languages_and_it_is_audited(client, cast):
    competency, position = CompetencyFactory(), PositionFactory(name="Technician")
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:strategies_strategy_add"),
        _form(
            group={"skill_group": competency.group.pk, "target_level": "3"},
            one={"competency": competency.pk, "position": position.pk, "target_level": "5"},
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    strategy = Strategy.objects.get()
    assert (strategy.name_en, strategy.name_ind) == ("Depth", "Kedalaman")
    assert set(StrategyTarget.objects.values_list("skill_group", "competency", "position", "target_level")) == {
        (competency.group.pk, None, None, 3),
        (None, competency.pk, position.pk, 5),
    }
    assert AuditEntry.objects.get_for_object(strategy).exists()
    # Its page in the list links to the portal's apply page.
    changelist = client.get(reverse("admin:strategies_strategy_changelist")).content.decode()
    assert reverse("strategies:detail", args=[strategy.pk]) in changelist


def test_a_row_with_both_a_competency_and_a_skill_group_is_refused_by_the_form(client, cast):
    competency = CompetencyFactory()
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:strategies_strategy_add"),
        _form(both={"competency": competency.pk, "skill_group": competency.group.pk, "target_level": "3"}),
    )
    assert response.status_code == 200
    assert "Choose a competency or a skill group, not both and not neither." in response.content.decode()
    assert not Strategy.objects.exists()


def test_two_rows_for_the_same_group_and_position_are_refused_by_the_form(client, cast):
    competency = CompetencyFactory()
    client.force_login(cast.hc)
    row = {"skill_group": competency.group.pk, "target_level": "3"}
    response = client.post(reverse("admin:strategies_strategy_add"), _form(one=row, two={**row, "target_level": "4"}))
    assert response.status_code == 200
    assert "Two rows name the same competency or skill group for the same position" in response.content.decode()
    assert not Strategy.objects.exists()


def test_a_band_ending_below_its_start_is_refused_by_the_form(client, cast):
    client.force_login(cast.hc)
    response = client.post(reverse("admin:strategies_strategy_add"), {**_form(), "maturity_min": "80"})
    assert response.status_code == 200
    assert "The band ends below where it starts" in response.content.decode()
    assert not Strategy.objects.exists()


def _framework_the_defaults_name() -> None:
    for spec in json.loads(DEFAULT_STRATEGIES.read_text(encoding="utf-8")):
        for row in spec["targets"]:
            if row.get("skill_group"):
                SkillGroupFactory(name=row["skill_group"])
            if row.get("position"):
                PositionFactory(name=row["position"])
            if row.get("competency"):
                CompetencyFactory(code=row["competency"])


def test_the_default_strategies_load_once_and_a_second_run_changes_nothing():
    _framework_the_defaults_name()
    call_command("load_default_strategies", verbosity=0)
    strategies = list(Strategy.objects.values_list("name_en", "name_ind", "maturity_min", "maturity_max"))
    rows = list(StrategyTarget.objects.values())
    assert strategies == [
        ("Foundation", "Fondasi", 0, 40),
        ("Specialist depth", "Kedalaman spesialis", 40, 75),
        ("Excellence", "Keunggulan", 75, 100),
    ]
    call_command("load_default_strategies", verbosity=0)
    assert list(StrategyTarget.objects.values()) == rows
    assert Strategy.objects.count() == 3


def test_default_strategies_naming_what_the_framework_lacks_create_nothing_and_say_what_is_missing():
    with pytest.raises(CommandError, match="names the skill group “General Safety & Health”, which does not exist"):
        call_command("load_default_strategies", verbosity=0)
    assert not Strategy.objects.exists()
