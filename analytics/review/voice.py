"""What employees told us: "useful?" votes, answers to checks and reasons for leaving, for the
weekly review and the meeting room.

campaigns keeps these as totals per week (no vote, answer or reason is kept per person). Here the
totals are read once, a few GROUP BY queries however many items there are, added up per item,
campaign and period, and only then published, each figure through analytics.privacy's rule from
its own true value: an item's votes, a campaign's and the total over all items are each rounded on
their own, never added up from rounded parts, so an item taken from the total, or a week taken
from its range, is known only to within 19 and never pins a group of one to four. A share is of
the published counts and is withheld when the votes (or answers) it rests on are fewer than five.

Which items and campaigns are listed never depends on how many answered: a row is there because a
launched campaign asked "useful?" about the item (or a launched check asked about it), so a row
showing "fewer than 5" may stand for none, as the rule's withheld zeros must.

Votes are people's only: bot_votes (mail scanners pressing buttons) are never read. A reply to a
text counts once on every placement the text carried, so for an item with two placements in one
text the same reply is there twice: per item and per campaign, a text's votes are the most any of
its placements got, while an email's buttons (one per placement) add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.db.models import Max, Q, Sum

from analytics import privacy
from analytics.review.cells import ITEMS_SHOWN, Cell, Table, published, share_of
from analytics.review.figures import Catalogue, scope
from analytics.review.weeks import ReviewFilters, iso_week_label
from campaigns.models import Campaign, CheckAnswerCount, FeedbackCount, LeaveReason, LeaveReasonCount, Medium
from campaigns.models import Usefulness as Answer

# The counts, as campaigns gathered them.


@dataclass(slots=True)
class Votes:
    useful: int = 0
    not_for_me: int = 0

    @property
    def total(self) -> int:
        return self.useful + self.not_for_me

    def add(self, other: Votes) -> Votes:
        self.useful += other.useful
        self.not_for_me += other.not_for_me
        return self

    def count(self, answer: str, votes: int) -> None:
        if answer == Answer.USEFUL:
            self.useful += votes
        elif answer == Answer.NOT_FOR_ME:
            self.not_for_me += votes


@dataclass(slots=True)
class Answers:
    answered: int = 0
    right: int = 0

    def add(self, other: Answers) -> Answers:
        self.answered += other.answered
        self.right += other.right
        return self


Counted = TypeVar("Counted", Votes, Answers)


def _summed(
    found: dict[tuple[object, date], Counted],
    key: object,
    weeks: Iterable[date],
    empty: Callable[[], Counted],
) -> Counted:
    total = empty()
    for week in weeks:
        held = found.get((key, week))
        if held is not None:
            total.add(held)
    return total


def _all_of(
    found: dict[tuple[object, date], Counted], weeks: Iterable[date], empty: Callable[[], Counted]
) -> Counted:
    weeks = set(weeks)
    total = empty()
    for (_key, week), held in found.items():
        if week in weeks:
            total.add(held)
    return total


@dataclass
class VoiceCounts:
    """The true totals per week, read once for a page: published only through VoteCells and
    CheckCells, never shown as they are."""

    asked_items: set[int] = field(default_factory=set)  # a launched campaign asked "useful?" about them
    asked_campaigns: dict[int, str] = field(default_factory=dict)  # id -> name
    item_votes: dict[tuple[int, date], Votes] = field(default_factory=dict)
    campaign_votes: dict[tuple[int, date], Votes] = field(default_factory=dict)
    checks: int = 0  # launched checks about items in view
    checks_about: dict[int, int] = field(default_factory=dict)  # item -> how many checks ask about it
    item_answers: dict[tuple[int, date], Answers] = field(default_factory=dict)
    check_answers: dict[date, Answers] = field(default_factory=dict)  # every check in view, each answer once
    leave_reasons: dict[tuple[str, date], int] = field(default_factory=dict)

    def votes_on_item(self, item_id: int, weeks: Iterable[date]) -> Votes:
        return _summed(self.item_votes, item_id, weeks, Votes)

    def votes_in_campaign(self, campaign_id: int, weeks: Iterable[date]) -> Votes:
        return _summed(self.campaign_votes, campaign_id, weeks, Votes)

    def votes_on_items(self, weeks: Iterable[date]) -> Votes:
        """Every item's votes added up, from the true counts."""
        return _all_of(self.item_votes, weeks, Votes)

    def votes_in_campaigns(self, weeks: Iterable[date]) -> Votes:
        return _all_of(self.campaign_votes, weeks, Votes)

    def answers_on_item(self, item_id: int, weeks: Iterable[date]) -> Answers:
        return _summed(self.item_answers, item_id, weeks, Answers)

    def answers_to_checks(self, weeks: Iterable[date]) -> Answers:
        total = Answers()
        for week in weeks:
            total.add(self.check_answers.get(week, Answers()))
        return total

    def reasons_given(self, reason: str | None, weeks: Iterable[date]) -> int:
        """One reason's answers in the weeks, or every reason's (None)."""
        weeks = set(weeks)
        return sum(
            count
            for (given, week), count in self.leave_reasons.items()
            if week in weeks and (reason is None or given == reason)
        )


def read_voice(
    first_week: date, last_week: date, filters: ReviewFilters, *, item_id: int | None = None
) -> VoiceCounts:
    """The totals for the weeks whose Mondays run from `first_week` to `last_week`, for the items in
    view (or one item): four queries, or three for one item (reasons for leaving are nobody's item)."""
    in_view = scope(filters, "placement__")
    if item_id is not None:
        in_view &= Q(placement__item_id=item_id)
    counts = VoiceCounts()
    weeks = (first_week, last_week)
    promoted = Campaign.placements.through.objects.filter(in_view, campaign__launched_at__isnull=False)

    # Asked about, whoever answered: the rows listed.
    checked: dict[int, set[int]] = defaultdict(set)
    for campaign_id, name, item, useful_asked, step_id, question in promoted.values_list(
        "campaign_id",
        "campaign__name",
        "placement__item_id",
        "campaign__ask_useful",
        "campaign__journey_step",
        "campaign__journey_step__question",
    ).distinct():
        if useful_asked:
            counts.asked_items.add(item)
            counts.asked_campaigns[campaign_id] = name
        if step_id is not None and question:
            checked[step_id].add(item)

    # "Useful?" votes: a text's the most any placement got, an email's added up (the module's note).
    votes = (
        FeedbackCount.objects.filter(in_view, week__range=weeks)
        .values("placement__item_id", "campaign_id", "medium", "answer", "week")
        .annotate(summed=Sum("votes"), most=Max("votes"))
        .values_list("placement__item_id", "campaign_id", "medium", "answer", "week", "summed", "most")
        .order_by()
    )
    replies: dict[tuple[int, str, date], int] = defaultdict(int)
    for item, campaign_id, medium, answer, week, summed, most in votes:
        by_text = medium == Medium.SMS
        counts.item_votes.setdefault((item, week), Votes()).count(answer, most if by_text else summed)
        if by_text:
            replies[campaign_id, answer, week] = max(replies[campaign_id, answer, week], most)
        else:
            counts.campaign_votes.setdefault((campaign_id, week), Votes()).count(answer, summed)
    for (campaign_id, answer, week), most in replies.items():
        counts.campaign_votes.setdefault((campaign_id, week), Votes()).count(answer, most)

    # Checks: an answer counts once for each item its check asks about, once in the total.
    counts.checks = len(checked)
    for items in checked.values():
        for item in items:
            counts.checks_about[item] = counts.checks_about.get(item, 0) + 1
    answers = CheckAnswerCount.objects.filter(step_id__in=list(checked), week__range=weeks).values_list(
        "step_id", "step__correct", "letter", "week", "count"
    )
    for step_id, correct, letter, week, count in answers:
        given = Answers(count, count if letter.strip().upper() == correct.strip().upper() else 0)
        counts.check_answers.setdefault(week, Answers()).add(given)
        for item in checked[step_id]:
            counts.item_answers.setdefault((item, week), Answers()).add(given)

    if item_id is None:
        for reason, week, count in LeaveReasonCount.objects.filter(week__range=weeks).values_list(
            "reason", "week", "count"
        ):
            counts.leave_reasons[reason, week] = count
    return counts


# Published.


def resting_share(part: int, whole: int) -> Cell:
    """A part's share of the published counts, withheld when the votes or answers it rests on are
    fewer than five (or the part is withheld: its share would say what the count does not)."""
    if privacy.too_few(whole):
        return Cell(None, suppressed=True, kind="percent")
    return share_of(published(part), published(whole))


@dataclass(frozen=True)
class VoteCells:
    votes: Cell
    useful: Cell
    not_for_me: Cell
    share: Cell  # useful, as a share of the votes

    @classmethod
    def of(cls, votes: Votes) -> VoteCells:
        return cls(
            votes=published(votes.total),
            useful=published(votes.useful),
            not_for_me=published(votes.not_for_me),
            share=resting_share(votes.useful, votes.total),
        )

    @property
    def row(self) -> tuple[Cell, ...]:
        return (self.votes, self.useful, self.not_for_me, self.share)


@dataclass(frozen=True)
class CheckCells:
    answered: Cell
    right: Cell
    share: Cell  # answered right, as a share of the answers

    @classmethod
    def of(cls, answers: Answers) -> CheckCells:
        return cls(
            answered=published(answers.answered),
            right=published(answers.right),
            share=resting_share(answers.right, answers.answered),
        )

    @property
    def row(self) -> tuple[Cell, ...]:
        return (self.answered, self.right, self.share)


@dataclass(frozen=True)
class Period:
    """Whole weeks: the votes, answers and reasons are counted per week."""

    weeks: tuple[date, ...]

    @property
    def label(self) -> str:
        first, last = iso_week_label(self.weeks[0]), iso_week_label(self.weeks[-1])
        return first if first == last else f"{first} to {last}"


@dataclass(frozen=True)
class Heading:
    """A table's two header rows: the periods over their columns, then each column."""

    groups: tuple[tuple[str, int], ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class VoiceSection:
    """What the dashboard says above the voice tables, and how their headers group."""

    week: str
    over: str
    lede: list[str]
    headings: dict[str, Heading]
    asked: bool  # anything asked at all: a campaign asking "useful?", a check, a reason given


VOTE_COLUMNS = ("Votes", "Useful", "Not for me", "Useful (%)")
CHECK_COLUMNS = ("Answers", "Right", "Right (%)")
VOTES_MEAN = (
    "Votes are employees' answers to “useful?” on a campaign's text (a reply 1 or 2) or email (two "
    "buttons per link): one vote per person per message, bots and mail scanners left out. Summed over "
    "an item's campaigns and placements; a text's reply counts once for an item however many of its "
    "placements the text carried."
)
CHECKS_MEAN = (
    "Answers to the one-question checks a journey sends by text, one per person per check; an answer "
    "counts for each item its check is about, and once in the total."
)
LEAVING_MEANS = (
    "Reasons are the optional answer on the unsubscribe page and /me/, one per opt-out of texts or "
    "of email; opt-outs count people. Both are for everyone, whatever the filters."
)


def _grouped(
    first: str, week: Period, over: Period, columns: tuple[str, ...], before: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], Heading]:
    """The CSV's columns (each named with its period) and the page's two header rows."""
    flat = (
        first,
        *before,
        *(f"{c}, {week.label}" for c in columns),
        *(f"{c}, {over.label}" for c in columns),
    )
    heading = Heading(
        groups=(("", 1 + len(before)), (f"Week {week.label}", len(columns)), (over.label, len(columns))),
        columns=(first, *before, *columns, *columns),
    )
    return flat, heading


def _by_votes(rows: list[tuple[object, ...]], votes_at: int) -> list[tuple[object, ...]]:
    """Most votes over the range first, as published (ties by name): the true counts never order rows."""
    return sorted(rows, key=lambda row: (-(row[votes_at].value or 0), str(row[0])))


def voice_tables(
    counts: VoiceCounts,
    catalogue: Catalogue,
    week: Period,
    over: Period,
    last_week: Period,
    opt_outs: dict[str, int],
) -> tuple[dict[str, Table], VoiceSection]:
    """The section's tables (page and CSV alike) and what the page says above them.

    `opt_outs` holds the people who opted out in "week", "last_week" and "over", everyone."""
    tables: dict[str, Table] = {}
    headings: dict[str, Heading] = {}

    columns, headings["voice_items"] = _grouped("Item", week, over, VOTE_COLUMNS)
    items = [
        (
            catalogue.items[item_id].title,
            *VoteCells.of(counts.votes_on_item(item_id, week.weeks)).row,
            *VoteCells.of(counts.votes_on_item(item_id, over.weeks)).row,
        )
        for item_id in counts.asked_items
        if item_id in catalogue.items
    ]
    all_week, all_over = (
        VoteCells.of(counts.votes_on_items(week.weeks)),
        VoteCells.of(counts.votes_on_items(over.weeks)),
    )
    tables["voice_items"] = Table(
        "voice_items",
        "“Useful?” by item",
        columns,
        [("All items", *all_week.row, *all_over.row), *_by_votes(items, 1 + len(VOTE_COLUMNS))],
        note=VOTES_MEAN + " Each figure, the totals too, is rounded on its own from its true value.",
        shown=ITEMS_SHOWN,
    )

    columns, headings["voice_campaigns"] = _grouped("Campaign", week, over, VOTE_COLUMNS)
    campaigns = [
        (
            name,
            *VoteCells.of(counts.votes_in_campaign(campaign_id, week.weeks)).row,
            *VoteCells.of(counts.votes_in_campaign(campaign_id, over.weeks)).row,
        )
        for campaign_id, name in counts.asked_campaigns.items()
    ]
    tables["voice_campaigns"] = Table(
        "voice_campaigns",
        "“Useful?” by campaign",
        columns,
        [
            (
                "All campaigns",
                *VoteCells.of(counts.votes_in_campaigns(week.weeks)).row,
                *VoteCells.of(counts.votes_in_campaigns(over.weeks)).row,
            ),
            *_by_votes(campaigns, 1 + len(VOTE_COLUMNS)),
        ],
        note="A campaign's votes on the placements in view; a text's reply counts once for the campaign.",
        shown=ITEMS_SHOWN,
    )

    columns, headings["voice_checks"] = _grouped("Item", week, over, CHECK_COLUMNS, before=("Checks",))
    checked = [
        (
            catalogue.items[item_id].title,
            asked,
            *CheckCells.of(counts.answers_on_item(item_id, week.weeks)).row,
            *CheckCells.of(counts.answers_on_item(item_id, over.weeks)).row,
        )
        for item_id, asked in counts.checks_about.items()
        if item_id in catalogue.items
    ]
    checks_week = CheckCells.of(counts.answers_to_checks(week.weeks))
    checks_over = CheckCells.of(counts.answers_to_checks(over.weeks))
    tables["voice_checks"] = Table(
        "voice_checks",
        "Checks: answering right, by item",
        columns,
        [
            ("All checks", counts.checks, *checks_week.row, *checks_over.row),
            *_by_votes(checked, 2 + len(CHECK_COLUMNS)),
        ],
        note=CHECKS_MEAN + " Checks: how many checks ask about it (a count of questions, not people).",
        shown=ITEMS_SHOWN,
    )

    periods = (("week", week), ("last_week", last_week), ("over", over))
    tables["voice_leaving"] = Table(
        "voice_leaving",
        "Why people left, beside the opt-outs",
        ("", f"Week {week.label}", f"Week {last_week.label}", over.label),
        [
            ("Opt-outs (people)", *(published(opt_outs[name]) for name, _ in periods)),
            ("Reasons given", *(published(counts.reasons_given(None, p.weeks)) for _, p in periods)),
            *(
                (label, *(published(counts.reasons_given(reason, p.weeks)) for _, p in periods))
                for reason, label in LeaveReason.choices
            ),
        ],
        note=LEAVING_MEANS,
    )

    section = VoiceSection(
        week=week.label,
        over=over.label,
        lede=_lede(week, all_week, checks_week, tables["voice_leaving"]),
        headings=headings,
        asked=bool(counts.asked_items or counts.checks or counts.leave_reasons),
    )
    return tables, section


def _lede(week: Period, votes: VoteCells, checks: CheckCells, leaving: Table) -> list[str]:
    """The week in a sentence per question, from the tables' own published totals."""
    said = [
        f"“Useful?”: {votes.votes} votes on items in week {week.label}"
        + (f", {votes.share} useful." if votes.share.value is not None else ".")
    ]
    said.append(
        f"Checks: {checks.answered} answers"
        + (f", {checks.share} right." if checks.share.value is not None else ".")
    )
    opt_outs, reasons = leaving.rows[0][1], leaving.rows[1][1]
    said.append(f"Leaving: {reasons} reasons given beside {opt_outs} opt-outs.")
    return said


# The meeting room: one item's voice as a card shows it.


@dataclass(frozen=True)
class ItemVoice:
    period: str
    weeks: int
    usefulness: VoteCells | None  # None: no launched campaign asked "useful?" about it
    checks: CheckCells | None  # None: no launched check asks about it
    checks_asked: int


def item_voice(*, item_id: int, weeks: list[date]) -> ItemVoice | None:
    """The item's votes and check answers over `weeks`, published as the dashboard publishes them
    (no filters); None when nothing ever asked about it."""
    counts = read_voice(weeks[0], weeks[-1], ReviewFilters(), item_id=item_id)
    asked, checks = item_id in counts.asked_items, counts.checks_about.get(item_id, 0)
    if not asked and not checks:
        return None
    return ItemVoice(
        period=Period(tuple(weeks)).label,
        weeks=len(weeks),
        usefulness=VoteCells.of(counts.votes_on_item(item_id, weeks)) if asked else None,
        checks=CheckCells.of(counts.answers_on_item(item_id, weeks)) if checks else None,
        checks_asked=checks,
    )
