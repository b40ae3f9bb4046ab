"""One-question checks by text: a journey step asks, a reply A-D gets a one-line answer and link.

Answers are counted per step x letter x week (CheckAnswerCount), once per person per check.
"""

from __future__ import annotations

from campaigns.models import Subscriber

LETTERS = ("A", "B", "C", "D")


def answer_by_text(*, subscriber: Subscriber, letter: str) -> str | None:
    """Count a reply to the latest check this person was sent; the reply to send back."""
    return None  # TODO(journeys helper)
