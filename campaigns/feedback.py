"""“Useful?” on every nudge: a reply 1 or 2 to a text, two buttons per link in an email.

Counted per campaign x placement x medium x answer (FeedbackCount), once per person per message
(campaigns.voice receipts), nothing in analytics linking a vote to a person. The first answer
stands: a "2" after a "1" is told it was already counted, so a total never moves by one person's
change of mind, and no receipt needs to say which answer was given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns import compose, tokens, voice
from campaigns.models import (
    Campaign,
    FeedbackCount,
    Medium,
    Subscriber,
    TrackedLink,
    Usefulness,
)
from curation.models import Placement

TEXT_ANSWERS: dict[str, str] = {"1": Usefulness.USEFUL, "2": Usefulness.NOT_FOR_ME}
# Replies by text too: rendered in the person's language (campaigns.replies), and short.
COUNTED = _("Thanks, counted.")
ALREADY_COUNTED = _("Thanks, you've already told us about that one.")
# The model's labels are the curators' English; the email's voter reads these.
ANSWER_LABELS = {Usefulness.USEFUL: _("Useful"), Usefulness.NOT_FOR_ME: _("Not for me")}
# A token's timestamp is whole seconds: its receipt outlives it by one, so no second vote slips
# in between the receipt's deletion and the token's expiry.
TOKEN_MARGIN = timedelta(seconds=1)


def promoted_placements(campaign_id: int, medium: str) -> list[int]:
    """The placements a campaign's messages in this medium named (a re-pointed link still names its
    first), in a fixed order so concurrent votes lock the total rows in the same order."""
    return sorted(
        set(
            TrackedLink.objects.filter(campaign_id=campaign_id, medium=medium)
            .annotate(promoted=Coalesce("repointed_from", "placement"))
            .values_list("promoted", flat=True)
        )
    )


@transaction.atomic
def count_once(
    *,
    receipt: tuple[object, ...],
    expires_at: datetime,
    campaign_id: int,
    placement_ids: Iterable[int],
    medium: str,
    answer: str,
    now: datetime,
) -> bool:
    """Add one vote to each placement's total, unless this receipt was already taken; both or
    neither, so a vote is never refused for a receipt whose count was rolled back."""
    if not voice.first_answer(*receipt, expires_at=expires_at):
        return False
    week = voice.week_of(now)
    for placement_id in placement_ids:
        voice.add_one(
            FeedbackCount,
            "votes",
            campaign_id=campaign_id,
            placement_id=placement_id,
            medium=medium,
            answer=answer,
            week=week,
        )
    return True


def vote_by_text(*, subscriber: Subscriber, answer: str, medium: str = Medium.SMS) -> str | None:
    """Count a reply (a text, or a WhatsApp message: `medium`) against the latest message by that
    medium that asked; the reply to send back, or None when nothing asked lately (the reply is then
    not an answer to us).

    A text promotes its placements together and the reply cannot say which it means, so one reply
    is one vote on each placement the text carried: per placement, a text's votes read as "people
    who found the message with this in it useful"."""
    now = timezone.now()
    # A check's text asks only for its letters (compose.sms_body): a "1" after it answers nothing,
    # not a text that asked before it.
    is_check = Q(campaign__journey_step__question__gt="")
    delivery = voice.latest_text_asking(
        subscriber, Q(campaign__ask_useful=True) | is_check, now=now, medium=medium
    )
    if delivery is None or compose.check_question(delivery.campaign):
        return None
    counted = count_once(
        receipt=("useful", medium, delivery.campaign_id, delivery.occurrence, subscriber.link_key),
        expires_at=delivery.sent_at + voice.window(),
        campaign_id=delivery.campaign_id,
        placement_ids=promoted_placements(delivery.campaign_id, medium),
        medium=medium,
        answer=answer,
        now=now,
    )
    return str(COUNTED if counted else ALREADY_COUNTED)


# Email: a button leads to /f/<token>/, a page that asks before it counts (mail scanners follow links).


@dataclass(frozen=True)
class EmailVote:
    """A feedback button's token, checked: its answer, and the campaign and placement it is about."""

    vote: tokens.Vote
    answer: str
    campaign: Campaign
    placement: Placement
    language: str  # the voter's own: the page asks and thanks them in it

    @property
    def answer_label(self) -> str:
        return str(ANSWER_LABELS[self.answer])

    @property
    def title(self) -> str:
        return self.placement.item.title


def email_vote(token: str) -> EmailVote | None:
    """The vote an email's button carries, or None if the link is forged, altered or expired, or
    its person, campaign or placement is gone."""
    vote = tokens.vote_from_token(token, max_age=voice.window())
    if vote is None or vote.answer not in TEXT_ANSWERS:
        return None
    language = Subscriber.objects.filter(link_key=vote.link_key).values_list("language", flat=True).first()
    if language is None:
        return None
    campaign = Campaign.objects.filter(pk=vote.campaign_id).first()
    placement = Placement.objects.select_related("item").filter(pk=vote.placement_id).first()
    if campaign is None or placement is None:
        return None
    return EmailVote(
        vote=vote, answer=TEXT_ANSWERS[vote.answer], campaign=campaign, placement=placement, language=language
    )


def vote_by_email(*, found: EmailVote, bot: bool) -> bool:
    """Count a pressed button: True if counted now, False if this person already answered about
    this placement in this email.

    A bot's press (a scanner that submits forms) is added to bot_votes every time and takes no
    receipt: a scanner that pressed first would otherwise use up the person's own vote."""
    now = timezone.now()
    vote = found.vote
    if bot:
        voice.add_one(
            FeedbackCount,
            "bot_votes",
            campaign_id=vote.campaign_id,
            placement_id=vote.placement_id,
            medium=Medium.EMAIL,
            answer=found.answer,
            week=voice.week_of(now),
        )
        return True
    return count_once(
        receipt=("useful", Medium.EMAIL, vote.campaign_id, vote.occurrence, vote.placement_id, vote.link_key),
        expires_at=vote.signed_at + voice.window() + TOKEN_MARGIN,
        campaign_id=vote.campaign_id,
        placement_ids=[vote.placement_id],
        medium=Medium.EMAIL,
        answer=found.answer,
        now=now,
    )
