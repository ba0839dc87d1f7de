"""The "to discuss" rule, in one place: a self-rating that differs from the verified level by
TO_DISCUSS_DIFFERENCE or more (either way) is flagged for the employee and their supervisor.

The verified level is the one the gap rule counts (competencies.rules): no level, or an
expired one, counts as NO_LEVEL. A competency without a self-rating is never flagged.
"""

from competencies import rules

TO_DISCUSS_DIFFERENCE = 2


def rating_difference(self_level: int | None, verified_level: int | None) -> int | None:
    """Self-rating − the counted verified level; None without a self-rating."""
    if self_level is None:
        return None
    return self_level - rules.current_level(verified_level)


def is_to_discuss(self_level: int | None, verified_level: int | None) -> bool:
    """`verified_level` is the counted level (rules.counted_level: None for none or expired)."""
    difference = rating_difference(self_level, verified_level)
    return difference is not None and abs(difference) >= TO_DISCUSS_DIFFERENCE
