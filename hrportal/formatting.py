"""Numbers as the active language writes them, where Django's own formats stop short."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language

# How a language puts the sign after a percentage's number, a no-break space keeping the two
# on one line: English "87.5%", Indonesian "87,5 %" (the number's decimal separator comes
# from Django's locale formats). A language not listed writes it the English way.
PERCENT_SIGN_AFTER = {"id": "\N{NO-BREAK SPACE}%"}


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
    text = number_format(number, decimal_pos=decimals, use_l10n=True)
    language = (get_language() or "").split("-")[0]
    return text + PERCENT_SIGN_AFTER.get(language, "%")
