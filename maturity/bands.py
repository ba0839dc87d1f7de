"""The maturity band of a percentage: the one home of the rule (pages, selectors, strategies)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import pgettext_lazy


class MaturityBand(models.IntegerChoices):
    """Five stages, named as in the usual capability-maturity scales."""

    INITIAL = 1, pgettext_lazy("maturity band", "Initial")
    MANAGED = 2, pgettext_lazy("maturity band", "Managed")
    DEFINED = 3, pgettext_lazy("maturity band", "Defined")
    MEASURED = 4, pgettext_lazy("maturity band", "Measured")
    OPTIMISING = 5, pgettext_lazy("maturity band", "Optimising")


# The lowest percentage of each band, highest first: 0–19.99 Initial, 20–39.99 Managed, …, 80–100 Optimising.
BAND_FLOORS: tuple[tuple[Decimal, MaturityBand], ...] = (
    (Decimal(80), MaturityBand.OPTIMISING),
    (Decimal(60), MaturityBand.MEASURED),
    (Decimal(40), MaturityBand.DEFINED),
    (Decimal(20), MaturityBand.MANAGED),
    (Decimal(0), MaturityBand.INITIAL),
)


def maturity_band(percent: Decimal) -> MaturityBand:
    """The band a score of `percent` (0–100) falls in."""
    for floor, band in BAND_FLOORS:
        if percent >= floor:
            return band
    return MaturityBand.INITIAL


def band_label(band: int) -> str:
    """ "3 · Defined" for 3, as a level is shown with its label."""
    return f"{band} · {MaturityBand(band).label}"
