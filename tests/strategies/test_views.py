"""The strategy pages: list, a strategy with its apply form, the preview, the confirmation."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from competencies.models import Competency, PositionTarget, PositionTargetHistory
from competencies.services import target_set
from hrportal.models import Position
from strategies.models import Strategy
from strategies.services import StrategyPlanOutdated, strategy_apply, strategy_plan
from tests.competencies.factories import CompetencyFactory, SkillGroupFactory
from tests.hrportal.factories import PositionFactory
from tests.maturity.factories import questionnaire, record
from tests.strategies.factories import StrategyFactory, StrategyTargetFactory

pytestmark = pytest.mark.django_db


@dataclass
class Setting:
    strategy: Strategy
    operator: Position
    shift_supervisor: Position
    a1: Competency
    a2: Competency
    a3: Competency
    b1: Competency


@pytest.fixture
def setting(cast) -> Setting:
    """Group A (A1–A3) and B (B1); Operator (the employee's and the HC employee's position) and
    Shift Supervisor (the supervisors'). The strategy "Depth": all of A at 4 for every position,
    A1 at 2 for every position, all of A at 5 for Shift Supervisor."""
    group_a, group_b = SkillGroupFactory(name="Group A"), SkillGroupFactory(name="Group B")
    a1, a2, a3 = (CompetencyFactory(code=f"A{n}", name=f"Alpha {n}", group=group_a) for n in (1, 2, 3))
    b1 = CompetencyFactory(code="B1", name="Beta 1", group=group_b)
    operator, shift_supervisor = cast.employee.position, cast.supervisor.position
    for position, competency, level in [
        (operator, a1, 3),
        (operator, a2, 4),
        (operator, b1, 2),
        (shift_supervisor, a1, 2),
        (shift_supervisor, a2, 3),
        (shift_supervisor, a3, 3),
    ]:
        target_set(position=position, competency=competency, level=level, by=None, note="set-up")
    # A weight and a critical mark the strategy must leave alone.
    target_set(position=shift_supervisor, competency=a2, level=3, weight=3, is_critical=True, by=None)
    strategy = StrategyFactory(name="Depth")
    StrategyTargetFactory(strategy=strategy, skill_group=group_a, target_level=4)
    StrategyTargetFactory(strategy=strategy, competency=a1, target_level=2)
    StrategyTargetFactory(strategy=strategy, skill_group=group_a, position=shift_supervisor, target_level=5)
    return Setting(strategy, operator, shift_supervisor, a1, a2, a3, b1)


def _preview_url(setting: Setting, *positions: Position) -> str:
    query = "&".join(f"positions={position.pk}" for position in positions)
    return f"{reverse('strategies:preview', args=[setting.strategy.pk])}?{query}"


def _targets() -> dict[tuple[str, str], tuple[int, int, bool]]:
    return {
        (target.position.name, target.competency.code): (target.target_level, target.weight, target.is_critical)
        for target in PositionTarget.objects.select_related("position", "competency")
    }


def _sections(response) -> list[tuple[str, list[str], str]]:
    return [(section.title, section.lines, section.note) for section in response.context["sections"]]


def test_the_preview_lists_each_position_s_changes_and_changes_nothing(client, cast, setting):
    targets, history = _targets(), PositionTargetHistory.objects.count()
    client.force_login(cast.hc)

    response = client.get(_preview_url(setting, setting.shift_supervisor, setting.operator))

    assert response.status_code == 200
    # By position name; a competency's row wins over its group's (A1 at 2 everywhere), a
    # position's own row over the every-position one (A at 5 for Shift Supervisor); A3 is not
    # applicable to Operator and stays so; B is not in the strategy.
    assert _sections(response) == [
        (
            "Operator",
            ["A1 Alpha 1: 3 · Advanced → 2 · Intermediate"],
            "1 target already at the strategy's level. "
            "1 competency the strategy names is not applicable to this position and stays so.",
        ),
        (
            "Shift Supervisor",
            ["A2 Alpha 2: 3 · Advanced → 5 · Master", "A3 Alpha 3: 3 · Advanced → 5 · Master"],
            "1 target already at the strategy's level.",
        ),
    ]
    page = response.content.decode()
    assert "3 target changes in 2 positions." in page
    assert "Nothing has changed yet." in page
    assert 'id="confirm-form"' in page
    assert _targets() == targets
    assert PositionTargetHistory.objects.count() == history


def test_confirming_writes_each_change_through_target_set_dated_now_and_naming_the_strategy(client, cast, setting):
    client.force_login(cast.hc)
    preview = client.get(_preview_url(setting, setting.operator, setting.shift_supervisor))
    before = timezone.now()

    response = client.post(
        reverse("strategies:apply", args=[setting.strategy.pk]),
        {
            "positions": [setting.operator.pk, setting.shift_supervisor.pk],
            "fingerprint": preview.context["fingerprint"],
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("strategies:detail", args=[setting.strategy.pk]), 302)]
    page = response.content.decode()
    assert "Applied “Depth”: 3 target changes in 2 positions. Each change is dated today in the target history." in page
    matrix = f"{reverse('admin:competencies_positiontarget_changelist')}?position__id__in="
    assert matrix in page
    targets = _targets()
    assert targets[("Operator", "A1")] == (2, 1, False)
    assert targets[("Operator", "A2")] == (4, 1, False)
    assert ("Operator", "A3") not in targets  # not applicable stays so
    assert targets[("Operator", "B1")] == (2, 1, False)
    assert targets[("Shift Supervisor", "A2")] == (5, 3, True)  # weight and critical mark kept
    assert targets[("Shift Supervisor", "A3")] == (5, 1, False)
    rows = list(PositionTargetHistory.objects.filter(changed_at__gte=before).order_by("position__name_en", "pk"))
    assert [(row.position.name, row.competency.code, row.old_level, row.new_level) for row in rows] == [
        ("Operator", "A1", 3, 2),
        ("Shift Supervisor", "A2", 3, 5),
        ("Shift Supervisor", "A3", 3, 5),
    ]
    assert {(row.changed_by, row.note) for row in rows} == {(cast.hc, "Strategy “Depth”")}
    assert all(before <= row.changed_at <= timezone.now() for row in rows)
    # The matrix link the message gives answers (the admin accepts the filter).
    link = page.split(matrix, 1)[1].split('"', 1)[0]
    assert client.get(matrix + link.replace("%2C", ",")).status_code == 200


def test_the_own_position_is_refused_before_anything_is_written(client, cast, setting):
    targets, history = _targets(), PositionTargetHistory.objects.count()
    client.force_login(cast.hc_employee)  # holds Operator

    detail = client.get(reverse("strategies:detail", args=[setting.strategy.pk])).content.decode()
    preview = client.get(_preview_url(setting, setting.operator, setting.shift_supervisor))
    confirm = client.post(
        reverse("strategies:apply", args=[setting.strategy.pk]),
        {"positions": [setting.operator.pk], "fingerprint": "anything"},
    )

    checkbox = detail.split(f'value="{setting.operator.pk}"', 1)[1].split(">", 1)[0]
    assert "disabled" in checkbox
    assert "Operator (your own position: another HC member applies strategies to it)" in detail
    for response in (preview, confirm):
        assert response.status_code == 200
        assert response.templates[0].name == "strategies/detail.html"
        assert "You hold the position Operator: nobody sets the targets of their own position." in (
            response.content.decode()
        )
    assert _targets() == targets
    assert PositionTargetHistory.objects.count() == history
    # The other position alone is theirs to apply.
    assert client.get(_preview_url(setting, setting.shift_supervisor)).context["plan"].summary() == (
        "2 target changes in 1 position."
    )


def test_the_plan_itself_refuses_the_own_position_whatever_the_door(cast, setting):
    with pytest.raises(ValidationError) as refused:
        strategy_plan(strategy=setting.strategy, positions=[setting.operator], by=cast.hc_employee)
    assert "positions" in refused.value.message_dict


def test_a_stale_preview_is_refused_and_shown_again_as_it_is_now(client, cast, setting):
    client.force_login(cast.hc)
    preview = client.get(_preview_url(setting, setting.shift_supervisor))
    # Meanwhile someone sets A2 of Shift Supervisor to 4.
    target_set(position=setting.shift_supervisor, competency=setting.a2, level=4, by=cast.hc_employee, note="admin")
    targets, history = _targets(), PositionTargetHistory.objects.count()

    response = client.post(
        reverse("strategies:apply", args=[setting.strategy.pk]),
        {"positions": [setting.shift_supervisor.pk], "fingerprint": preview.context["fingerprint"]},
    )

    assert response.status_code == 200
    assert "changed since you saw the preview, so nothing was changed" in response.content.decode()
    assert _sections(response)[0][1] == [
        "A2 Alpha 2: 4 · Expert → 5 · Master",
        "A3 Alpha 3: 3 · Advanced → 5 · Master",
    ]
    assert _targets() == targets
    assert PositionTargetHistory.objects.count() == history


def test_applying_plans_again_under_lock_and_writes_nothing_when_the_plan_is_outdated(cast, setting):
    plan = strategy_plan(strategy=setting.strategy, positions=[setting.operator, setting.shift_supervisor], by=cast.hc)
    # The strategy is edited after the preview: A3 for every position at 1 now.
    StrategyTargetFactory(strategy=setting.strategy, competency=setting.a3, target_level=1)
    targets, history = _targets(), PositionTargetHistory.objects.count()

    with pytest.raises(StrategyPlanOutdated) as outdated:
        strategy_apply(plan=plan, by=cast.hc)

    assert _targets() == targets
    assert PositionTargetHistory.objects.count() == history
    assert "A3 Alpha 3: 3 · Advanced → 1 · Basic" in outdated.value.plan.sections()[1].lines
    assert strategy_apply(plan=outdated.value.plan, by=cast.hc) == 3


def test_a_preview_without_positions_asks_for_one(client, cast, setting):
    client.force_login(cast.hc)
    response = client.get(_preview_url(setting))
    assert response.status_code == 200
    assert response.templates[0].name == "strategies/detail.html"
    assert "Tick at least one position." in response.content.decode()


def test_positions_already_at_the_strategy_s_levels_offer_nothing_to_confirm(client, cast, setting):
    client.force_login(cast.hc)
    strategy = StrategyFactory(name="Same")
    StrategyTargetFactory(strategy=strategy, competency=setting.a1, target_level=3)
    response = client.get(f"{reverse('strategies:preview', args=[strategy.pk])}?positions={setting.operator.pk}")
    page = response.content.decode()
    assert "Nothing to change: every target the strategy names is already at its level" in page
    assert "Confirm these target changes" not in page


@pytest.mark.parametrize("who", ["employee", "supervisor"])
def test_strategy_pages_answer_403_to_anyone_but_hc_and_change_nothing(client, cast, setting, who):
    targets, history = _targets(), PositionTargetHistory.objects.count()
    client.force_login(getattr(cast, who))
    pk = setting.strategy.pk
    for url in (
        reverse("strategies:list"),
        reverse("strategies:detail", args=[pk]),
        _preview_url(setting, setting.shift_supervisor),
    ):
        assert client.get(url).status_code == 403
    plan = strategy_plan(strategy=setting.strategy, positions=[setting.shift_supervisor], by=cast.hc)
    response = client.post(
        reverse("strategies:apply", args=[pk]),
        {"positions": [setting.shift_supervisor.pk], "fingerprint": plan.fingerprint()},
    )
    assert response.status_code == 403
    assert _targets() == targets
    assert PositionTargetHistory.objects.count() == history


def test_the_list_shows_each_strategy_with_its_band_and_rows(client, cast, setting):
    StrategyFactory(name="Foundation", maturity_min=0, maturity_max=40)
    client.force_login(cast.hc)
    page = client.get(reverse("strategies:list")).content.decode()
    assert "Foundation" in page and "For a maturity score of 0% to 40%" in page
    assert "2 skill group rows" in page and "1 competency row" in page
    assert reverse("strategies:detail", args=[setting.strategy.pk]) in page


def test_the_latest_maturity_score_marks_the_strategies_whose_band_holds_it_suggested(client, cast):
    questions = questionnaire(questions=2)  # scores 0–4 each: out of 8
    record(questions, cast.hc, 1, 1, answered_at=timezone.now() - timedelta(days=60))  # 25 %
    record(questions, cast.hc, 2, 2)  # 50 %, the latest
    foundation = StrategyFactory(name="Foundation", maturity_min=0, maturity_max=40)
    depth = StrategyFactory(name="Depth", maturity_min=40, maturity_max=75)
    edge = StrategyFactory(name="Edge", maturity_min=50, maturity_max=50)
    excellence = StrategyFactory(name="Excellence", maturity_min=75, maturity_max=100)
    client.force_login(cast.hc)

    response = client.get(reverse("strategies:list"))

    page = response.content.decode()
    assert 'id="maturity-score">50%</strong> (3 · Defined)' in page
    suggested = {summary.name for summary in response.context["strategies"] if summary.suggested}
    assert suggested == {"Depth", "Edge"}
    assert page.count("suggested-badge") == 2
    for strategy, shown in ((depth, True), (foundation, False), (excellence, False), (edge, True)):
        detail = client.get(reverse("strategies:detail", args=[strategy.pk])).content.decode()
        assert ("suggested-badge" in detail) is shown, strategy


def test_before_any_maturity_score_nothing_is_suggested(client, cast):
    StrategyFactory(name="Foundation", maturity_min=0, maturity_max=100)
    client.force_login(cast.hc)
    page = client.get(reverse("strategies:list")).content.decode()
    assert "No maturity score yet" in page and "suggested-badge" not in page


# A fixed number of queries


@pytest.mark.parametrize("size", [1, 20])
def test_the_list_costs_the_same_queries_at_two_sizes(client, cast, django_assert_max_num_queries, size):
    competency = CompetencyFactory()
    for n in range(size):
        strategy = StrategyFactory(maturity_min=n, maturity_max=100)
        StrategyTargetFactory(strategy=strategy, competency=competency)
        StrategyTargetFactory(strategy=strategy, skill_group=competency.group, target_level=2)
    client.force_login(cast.hc)
    record(questionnaire(questions=2), cast.hc, 2, 3)
    # 1 session, 2 viewer, 3 their HC group (require_hc), 4 the latest maturity score, 5 the
    # strategies with their row counts, 6 navbar's direct reports, 7 navbar's unread count:
    with django_assert_max_num_queries(7):
        response = client.get(reverse("strategies:list"))
    assert len(response.context["strategies"]) == size


@pytest.mark.parametrize(("positions", "competencies"), [(1, 2), (8, 30)])
def test_the_preview_costs_the_same_queries_at_two_sizes(
    client, cast, django_assert_max_num_queries, positions, competencies
):
    group = SkillGroupFactory(name="Everything")
    chosen = [PositionFactory(name=f"Position {n}") for n in range(positions)]
    strategy = StrategyFactory()
    StrategyTargetFactory(strategy=strategy, skill_group=group, target_level=4)
    for n in range(competencies):
        competency = CompetencyFactory(group=group)
        StrategyTargetFactory(strategy=strategy, competency=competency, position=chosen[0], target_level=5)
        for position in chosen:
            target_set(position=position, competency=competency, level=n % 5, by=None)
    query = "&".join(f"positions={position.pk}" for position in chosen)
    client.force_login(cast.hc)
    # 1 session, 2 viewer, 3 their HC group (require_hc), 4 the strategy, 5 the positions (the
    # form's choices), then the plan: 6 is the asker HC (its own check; cached), 7 the
    # strategy's rows, 8 the competencies they name, 9 the positions' targets with their
    # competencies; 10 navbar's direct reports, 11 navbar's unread count:
    with django_assert_max_num_queries(11):
        response = client.get(f"{reverse('strategies:preview', args=[strategy.pk])}?{query}")
    assert len(response.context["sections"]) == positions
    assert sum(len(section.lines) for section in response.context["sections"]) > 0


@pytest.mark.parametrize("size", [1, 20])
def test_a_strategy_s_page_costs_the_same_queries_at_two_sizes(client, cast, django_assert_max_num_queries, size):
    strategy = StrategyFactory()
    for n in range(size):
        competency = CompetencyFactory()
        position = PositionFactory(name=f"Position {n}")
        StrategyTargetFactory(strategy=strategy, competency=competency, position=position, target_level=n % 6)
        StrategyTargetFactory(strategy=strategy, skill_group=competency.group, target_level=2)
    client.force_login(cast.hc)
    # 1 session, 2 viewer, 3 their HC group (require_hc), 4 the strategy, 5 the positions (the
    # form's choices), 6 the latest maturity score, 7 the rows with their competencies, groups
    # and positions, 8 navbar's direct reports, 9 navbar's unread count:
    with django_assert_max_num_queries(9):
        response = client.get(reverse("strategies:detail", args=[strategy.pk]))
    assert len(response.context["rows"]) == 2 * size


def test_a_reader_of_indonesian_sees_the_strategy_and_the_framework_in_indonesian(client, cast, setting):
    Strategy.objects.filter(pk=setting.strategy.pk).update(name_ind="Kedalaman")
    Competency.objects.filter(pk=setting.a1.pk).update(name_ind="Alfa 1")
    Position.objects.filter(pk=setting.operator.pk).update(name_ind="Operator Lapangan")
    cast.hc.language = "id"
    cast.hc.save(update_fields=["language"])
    client.force_login(cast.hc)

    listing = client.get(reverse("strategies:list")).content.decode()
    preview = client.get(_preview_url(setting, setting.operator)).content.decode()

    assert "Strategi kualifikasi" in listing and "Kedalaman" in listing
    assert "Pratinjau: terapkan “Kedalaman”" in preview
    assert "Operator Lapangan" in preview
    assert "A1 Alfa 1: 3 · Mahir → 2 · Menengah" in preview
    assert "1 perubahan target di 1 jabatan." in preview


def test_a_preview_read_in_another_language_confirms_the_same_plan(client, cast, setting):
    """The positions' order follows their names in the reader's language; the plan does not."""
    Position.objects.filter(pk=setting.operator.pk).update(name_ind="Zeta")
    Position.objects.filter(pk=setting.shift_supervisor.pk).update(name_ind="Alfa")
    client.force_login(cast.hc)
    preview = client.get(_preview_url(setting, setting.operator, setting.shift_supervisor))
    cast.hc.language = "id"
    cast.hc.save(update_fields=["language"])

    response = client.post(
        reverse("strategies:apply", args=[setting.strategy.pk]),
        {
            "positions": [setting.operator.pk, setting.shift_supervisor.pk],
            "fingerprint": preview.context["fingerprint"],
        },
    )

    assert response.status_code == 302
    assert PositionTarget.objects.get(position=setting.operator, competency=setting.a1).target_level == 2
