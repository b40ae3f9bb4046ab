"""Texts (and WhatsApp messages) from employees that answer what we asked: "1"/"2" to
"useful?", a letter to a check.

Keywords (STOP, START, HELP) are campaigns.inbound's (campaigns.whatsapp.inbound's) and come
first; anything else is offered here. Each answer is counted once per person per question
(campaigns.voice), never stored per person.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation

from campaigns import checks, feedback
from campaigns.models import Medium, Subscriber
from campaigns.phones import normalise_phone
from campaigns.services import find_subscriber


def answer_reply(*, sender: str, body: str, message_sid: str) -> str | None:
    """The one-line reply to send back, or None when the text answers nothing we asked."""
    if answer_word(body) is None:
        return None
    try:
        phone = normalise_phone(sender)
    except ValidationError:
        return None
    return answer(subscriber=find_subscriber(phone=phone), body=body, medium=Medium.SMS)


def answer_word(body: str) -> str | None:
    """The one letter or digit a reply consists of, or None: longer words answer nothing."""
    word = (body or "").strip().upper().rstrip(".!")
    return word if word.isascii() and len(word) == 1 else None


def answer(*, subscriber: Subscriber | None, body: str, medium: str) -> str | None:
    """A reply by `medium` (a text, or WhatsApp) counted as what the latest message by that medium
    asked; the reply to send back in the person's language, or None."""
    word = answer_word(body)
    if word is None or subscriber is None:
        return None
    # The reply's own words are in the person's language; a check's question and choices are
    # the curators' text, as they wrote it.
    with translation.override(subscriber.language):
        if word in feedback.TEXT_ANSWERS:
            vote = feedback.TEXT_ANSWERS[word]
            return feedback.vote_by_text(subscriber=subscriber, answer=vote, medium=medium)
        if word in checks.LETTERS:
            return checks.answer_by_text(subscriber=subscriber, letter=word, medium=medium)
    return None
