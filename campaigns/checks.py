"""One-question checks by text: a journey step asks, a reply A-D gets a one-line answer and link.

Answers are counted per step x letter x week (CheckAnswerCount), once per person per check
(a campaigns.voice receipt), so the team sees which content teaches and never who got it wrong.
The first answer stands, as a "useful?" vote's does.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from campaigns import compose, sending, voice
from campaigns.models import (
    CHECK_LETTERS,
    CheckAnswerCount,
    Enrolment,
    EnrolmentStatus,
    JourneyStep,
    Medium,
    Subscriber,
)

LETTERS = CHECK_LETTERS
ALREADY_ANSWERED = gettext_lazy("You've answered that one already, thanks.")


def answer_by_text(*, subscriber: Subscriber, letter: str, medium: str = Medium.SMS) -> str | None:
    """Count a reply (a text, or a WhatsApp message: `medium`) to the latest check this person was
    sent by that medium; the reply to send back, or None when no check was sent to them lately (the
    letter then answers nothing we asked). One answer per check, whichever medium carried it."""
    now = timezone.now()
    delivery = voice.latest_text_asking(
        subscriber, Q(campaign__journey_step__question__gt=""), now=now, medium=medium
    )
    if delivery is None:
        return None
    step = delivery.campaign.journey_step
    # As their message asked it: in the language of the words it went in, for that medium.
    asked_in = compose.words_for(delivery.campaign, medium, subscriber.language).language
    question, asked = compose.check_in(delivery.campaign, asked_in)
    choices = dict(asked)
    if letter not in choices:
        return (
            gettext("Reply with one of %(letters)s: %(question)s")
            % {"letters": ", ".join(choices), "question": question.strip()}
        )[:300]
    with transaction.atomic():
        counted = voice.first_answer(
            "check", step.pk, subscriber.link_key, expires_at=delivery.sent_at + voice.window()
        )
        if counted:
            voice.add_one(CheckAnswerCount, "count", step=step, letter=letter, week=voice.week_of(now))
            if step.stop_on_answer:
                Enrolment.objects.filter(
                    journey_id=step.journey_id, subscriber=subscriber, status=EnrolmentStatus.ACTIVE
                ).update(status=EnrolmentStatus.STOPPED, ended_at=now, next_due_at=None)
    if not counted:
        return str(ALREADY_ANSWERED)
    return verdict(step, letter, choices, medium=medium)


def verdict(step: JourneyStep, letter: str, choices: dict[str, str], *, medium: str = Medium.SMS) -> str:
    """One line: right or not, the right answer (in the words the check was asked in), and where
    to learn more."""
    right = f"{step.correct}) {choices.get(step.correct, '')}".strip()
    if letter == step.correct:
        said = gettext("Right: %(answer)s") % {"answer": right}
    else:
        said = gettext("Not quite: the answer is %(answer)s") % {"answer": right}
    link = item_link(step, medium)
    return gettext("%(verdict)s. More: %(link)s") % {"verdict": said, "link": link} if link else f"{said}."


def item_link(step: JourneyStep, medium: str = Medium.SMS) -> str:
    """The step's first tracked link in the reply's medium: its clicks count with the step's."""
    links = sending.links_for(step.message, medium)
    return compose.link_url(links[0].token) if links else ""
