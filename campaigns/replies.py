"""Texts from employees that answer what we asked: "1"/"2" to "useful?", a letter to a check.

Keywords (STOP, START, HELP) are campaigns.inbound's and come first; anything else is offered
here. Each answer is counted once per person per question (campaigns.voice), never stored per person.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation

from campaigns import checks, feedback
from campaigns.phones import normalise_phone
from campaigns.services import find_subscriber


def answer_reply(*, sender: str, body: str, message_sid: str) -> str | None:
    """The one-line reply to send back, or None when the text answers nothing we asked."""
    word = (body or "").strip().upper().rstrip(".!")
    if not word.isascii() or len(word) != 1:
        return None
    try:
        phone = normalise_phone(sender)
    except ValidationError:
        return None
    subscriber = find_subscriber(phone=phone)
    if subscriber is None:
        return None
    # The reply's own words are in the person's language; a check's question and choices are
    # the curators' text, as they wrote it.
    with translation.override(subscriber.language):
        if word in feedback.TEXT_ANSWERS:
            return feedback.vote_by_text(subscriber=subscriber, answer=feedback.TEXT_ANSWERS[word])
        if word in checks.LETTERS:
            return checks.answer_by_text(subscriber=subscriber, letter=word)
    return None
