"""“Useful?” on every nudge: a reply 1 or 2 to a text, two buttons per link in an email.

Counted per campaign x placement x medium x answer (FeedbackCount), once per person per message
(campaigns.voice receipts), nothing in analytics linking a vote to a person.
"""

from __future__ import annotations

from campaigns.models import Subscriber, Usefulness

TEXT_ANSWERS: dict[str, str] = {"1": Usefulness.USEFUL, "2": Usefulness.NOT_FOR_ME}


def vote_by_text(*, subscriber: Subscriber, answer: str) -> str | None:
    """Count a text reply against the latest message that asked; the reply to send back."""
    return None  # TODO(feedback helper)
