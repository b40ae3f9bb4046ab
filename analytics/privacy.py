"""The product's k-anonymity rule, in one place for the weekly review and the quiz's aggregate.

A figure resting on fewer than five people is never shown, only said to be "fewer than 5". And a
breakdown whose total is known gives a lone withheld part away (the total minus the rest), so the
smallest shown part is withheld with it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TypeVar

# A privacy rule, not a tuning knob.
MIN_PEOPLE = 5
FEWER = f"fewer than {MIN_PEOPLE}"
# What a part withheld only to protect another says: it is not itself small.
PROTECTING = "withheld, so a small count cannot be worked out from the total"

Key = TypeVar("Key")


def too_few(people: float | None, *, zero_too: bool = False) -> bool:
    """One to four people could be told apart. None at all identifies nobody, and the review shows
    it; the quiz's counts withhold it too (`zero_too`), as they promise never to show a count under
    five."""
    if people is None:
        return False
    return people < MIN_PEOPLE if zero_too else 0 < people < MIN_PEOPLE


def withheld_with(withheld: Collection[Key], shown: Mapping[Key, float]) -> Key | None:
    """The part to withhold with a lone withheld one (the smallest shown part, the first on a tie),
    or None when the rest cannot give anything away."""
    if len(withheld) != 1 or not shown:
        return None
    return min(shown, key=shown.__getitem__)
