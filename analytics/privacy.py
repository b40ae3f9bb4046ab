"""Disclosure control: the one rule every published count about people, sessions or views goes through.

The method is rounding to a base with small counts withheld, as statistics offices publish flexible
tables (the UK's DWP and HMRC round to the nearest ten; ONS and Eurostat round small-area tables):

- a count of 0 to 4 is published as "fewer than 5", never as the number;
- any other count is published rounded to the nearest ten (halves up: 5 to 14 show as 10);
- every total is rounded on its own, from its true value, never added up from rounded parts;
- shares and changes are worked out from the published counts, and an average or a ratio is
  withheld when the people (or sessions, or views) it rests on are fewer than five.

Why rounding and not complementary suppression across tables. The dashboard breaks one audience
down by item, format, channel, stage and topic, and every filter (topic, channel, stage) publishes
the same tables again for a subset: the figures are linked across tables and across page variants.
Complementary suppression has to choose, for every table and every variant together, which extra
cells to withhold so no sum or difference gives a withheld one away; doing that per table (as this
module used to) left 21 small groups that an attacker subtracting a week's CSVs could work out in
the cohorts of tests/analytics/test_disclosure_attack.py. Rounding needs no such choice: each figure's
protection comes from the figure alone, so it holds whatever else is published beside it, on this
page, in its CSVs or in another filter's.

What an attacker learns. A published ten-multiple t says the count is between t-5 and t+4, and
"fewer than 5" that it is between 0 and 4: every count is known only to within ten values (five
for a withheld one). Subtracting one published figure from another adds the uncertainties: a
difference is known only to within 19 values, so a filter variant taken from the unfiltered page,
or a row taken from its table's total, never pins a group of 1 to 4. Where a total meets several
parts, one step of subtraction can pin a small part only at 4 from a lower bound of 4; but such a
lower bound is a total's lower end (a ten-multiple minus 5: odd) less the parts' upper ends (a
ten-multiple plus 4, or 4: even), so it is odd and never 4. Withholding zeros with 1 to 4 is what
keeps that parity, and the base of ten is what keeps it for totals: rounded to five, a total of 8
is published as 10 (8 to 12), and its two withheld parts would both be pinned at 4, zeros shown or
not (the attacker test finds exactly those with a base of five). Chains of equations (a bound learnt
from one table used in the next) are beyond that one-step argument: the attacker test runs them to
a fixed point over the dashboard, its CSVs, every filter variant and the quiz, and finds no small
group. Rounding is deterministic, so asking again under another filter gives the same figure for
the same group, never a fresh draw to average out.
"""

from __future__ import annotations

# A privacy rule, not a tuning knob.
MIN_PEOPLE = 5
ROUNDING_BASE = 10
FEWER = f"fewer than {MIN_PEOPLE}"
# What "fewer than 5" tells a reader: the count is one of these, zero included.
WITHHELD_RANGE = (0, MIN_PEOPLE - 1)
METHOD = (
    f"counts of people, sessions and views are rounded to the nearest {ROUNDING_BASE} (each total on "
    f"its own), counts of 0 to {MIN_PEOPLE - 1} are shown as “{FEWER}”, and an average or share "
    f"resting on fewer than {MIN_PEOPLE} is withheld"
)


def rounded(count: int | None) -> int | None:
    """A count as it may be published: None when it is withheld (0 to 4), else to the nearest ten."""
    if count is None or count < MIN_PEOPLE:
        return None
    return (count + ROUNDING_BASE // 2) // ROUNDING_BASE * ROUNDING_BASE


def too_few(base: int | None) -> bool:
    """An average or a share over 0 to 4 people (or sessions, or views) would describe them."""
    return base is not None and base < MIN_PEOPLE


def share(part: int | None, whole: int | None) -> float | None:
    """A part's share of a whole, in percent, from the published (rounded) counts: it tells no more
    than the two counts do. None when either is withheld or the whole is nothing."""
    if part is None or not whole:
        return None
    return part / whole * 100
