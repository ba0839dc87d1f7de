from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hrportal.models import Position, User
from strategies.models import Strategy
from strategies.services import StrategyPlan, strategy_plan


class PositionCheckboxes(forms.CheckboxSelectMultiple):
    """The positions to apply a strategy to; the asker's own position is shown but cannot be
    ticked (nobody sets the targets of their own position), saying so beside it."""

    def __init__(self, *args, own_position_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.own_position_id = own_position_id

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if self.own_position_id is not None and str(value) == str(self.own_position_id):
            option["attrs"]["disabled"] = True
            option["label"] = _("%(position)s (your own position: another HC member applies strategies to it)") % {
                "position": label
            }
        return option


class StrategyApplyForm(forms.Form):
    """Which positions to apply a strategy to. Valid means planned: `plan` is what confirming
    would change (strategies.services.strategy_plan), the asker's own position refused."""

    positions = forms.TypedMultipleChoiceField(
        label=_("Positions"),
        coerce=int,
        help_text=_("The strategy proposes targets for the positions you tick; nothing changes until you confirm."),
        error_messages={"required": _("Tick at least one position.")},
    )

    def __init__(self, data=None, *, strategy: Strategy, by: User, positions: list[Position]) -> None:
        super().__init__(data)
        self.strategy, self.by = strategy, by
        self._positions = {position.pk: position for position in positions}
        field = cast(forms.TypedMultipleChoiceField, self.fields["positions"])
        field.choices = [(position.pk, position.name) for position in positions]
        field.widget = PositionCheckboxes(
            choices=field.choices, own_position_id=None if by.is_superuser else by.position_id
        )
        self.plan: StrategyPlan | None = None

    def clean(self):
        cleaned = super().clean() or {}
        chosen = cleaned.get("positions")
        if chosen:
            try:
                self.plan = strategy_plan(
                    strategy=self.strategy, positions=[self._positions[pk] for pk in chosen], by=self.by
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned
