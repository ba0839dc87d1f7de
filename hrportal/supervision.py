"""Who supervises whom, as a rule every entry point shares: nobody may end up supervising themselves.

The database refuses only the shortest cycle (a user as their own supervisor, a check
constraint); longer ones (A → B → A, A → B → C → A) are found here, by the employee import and
the admin alike, before they are written.
"""

from collections.abc import Callable, Hashable, Mapping


def supervisor_cycle[K: Hashable](
    start: K, supervisor_of: Mapping[K, K | None] | Callable[[K], K | None]
) -> list[K] | None:
    """The supervisor cycle that `start` is part of, or None.

    `supervisor_of` gives a key's supervisor key, None for none: a mapping (a key it lacks has
    no supervisor) or a callable. Follows supervisors up from `start`; if the chain comes back
    to `start`, returns the path as a closed list that starts and ends with `start`:
    ["sinta", "budi", "sinta"] for Sinta → Budi → Sinta, ["a", "a"] for someone who is their
    own supervisor. A chain that ends, or that runs into a cycle `start` is not part of,
    gives None (that cycle belongs to its own members). Stops after each key has been seen
    once, so any mapping is safe.
    """
    step = supervisor_of.get if isinstance(supervisor_of, Mapping) else supervisor_of
    path = [start]
    seen = {start}
    current = step(start)
    while current is not None:
        if current == start:
            return [*path, start]
        if current in seen:
            return None
        path.append(current)
        seen.add(current)
        current = step(current)
    return None
