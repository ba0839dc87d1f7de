"""Numbers as the active language writes them, where Django's own formats stop short."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language

# How a language writes a percentage around its number, a no-break space keeping number and
# sign on one line: English "87.5%", Indonesian "87,5 %" (the number's decimal separator comes
# from the locale's formats). A language not listed writes it the English way.
PERCENT_PATTERNS = {"id": "{number}\N{NO-BREAK SPACE}%"}
DEFAULT_PERCENT_PATTERN = "{number}%"


def percent_pattern() -> str:
    """The active language's way of writing a percentage, "{number}%" or "{number} %": for
    scripts (charts), which put in a number they format with Intl for the page's language."""
    return PERCENT_PATTERNS.get((get_language() or "").split("-")[0], DEFAULT_PERCENT_PATTERN)


def format_percent(value: float | Decimal | int | str | None, decimal_places: int = -2) -> str:
    """`value` (87.5, already a percentage) as "87.5%" / "87,5 %", in the active language.

    A negative `decimal_places` (-2, the default) rounds to that many decimals and drops
    trailing zeros ("87.5%", "80%", "33.33%"); a positive one always shows that many
    ("80.0%" for 1). None or "" (no value, e.g. a share of nothing) gives "–".
    """
    if value is None or value == "":
        return "–"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-abs(decimal_places)), rounding=ROUND_HALF_UP)
    decimals = abs(decimal_places)
    if decimal_places < 0:
        decimals = max(0, -number.normalize().as_tuple().exponent)  # type: ignore[operator]
    return percent_pattern().format(number=number_format(number, decimal_pos=decimals, use_l10n=True))
