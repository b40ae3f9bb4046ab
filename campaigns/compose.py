"""What a campaign's messages say: the few placeholders curators may use, filled in per person.

Placeholders are replaced by name from a fixed list, never with str.format or a template engine,
so a message cannot reach into objects ("{first_name.__class__}") or run template tags.

Each person reads the message in their own language (Subscriber.language) where the campaign has a
variant in it (MessageVariant), and the campaign's own words, the default language's, where not.
The choice is made per medium: a variant with a text but no email sends the default email, whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from campaigns.models import CHECK_LETTERS, Campaign, Medium, MessageVariant, Subscriber, TrackedLink
from campaigns.tokens import Purpose, make_token, make_vote_token, public_url

PLACEHOLDERS = ("first_name", "links")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# "Hi {first_name}" reads "Hi there" when we hold no name: put in by fill, in the words' language.
NO_NAME = pgettext_lazy("in place of a first name we do not hold, as in 'Hi there'", "there")
# The lines below are added around the curator's words, in the language of those words
# (sms_body, email_text). STOP, 1, 2 and the letters stay as they are in every language: they are
# what a reply must say (campaigns.keywords, campaigns.feedback, campaigns.checks).
STOP_FOOTER = gettext_lazy("Reply STOP to stop")
# Counted in the text's segments and cost like every other line (campaigns.preview).
USEFUL_LINE = gettext_lazy("Reply 1 if useful, 2 if not for you")
# An email's two "useful?" links under each placement: the answer as a text reply would give it.
USEFUL_BUTTONS = (("1", gettext_lazy("Useful")), ("2", gettext_lazy("Not for me")))
# A check's question that already says how to answer gets no "Reply A, B or C" line of ours.
REPLY_WORD = pgettext_lazy("the word a check's question uses to say how to answer", "Reply")
UNSUBSCRIBE_LINE = gettext_lazy("To stop these emails: %(url)s")
# Same length as a real tracked link's token (token_urlsafe(16)), so a preview counts true segments.
SAMPLE_TOKEN = "x" * 22


def check_placeholders(text: str) -> None:
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        found = ", ".join(f"{{{name}}}" for name in unknown)
        raise ValidationError(f"Unknown placeholder {found}: use only {allowed}.")


def language_name(language: str) -> str:
    return dict(settings.LANGUAGES).get(language, language)


def variants_by_language(campaign: Campaign) -> dict[str, MessageVariant]:
    """The campaign's variants, read once per campaign object (a batch, a preview, a reconciler's
    row) and kept on it: never a query per recipient. A campaign is frozen while it sends
    (Campaign.is_editable), so what is kept cannot go stale mid-send."""
    cached = campaign.__dict__.get("_variants_by_language")
    if cached is None:
        cached = {variant.language: variant for variant in campaign.variants.all()} if campaign.pk else {}
        campaign.__dict__["_variants_by_language"] = cached
    return cached


def variant_for(campaign: Campaign, language: str | None) -> MessageVariant | None:
    if not language or language == settings.LANGUAGE_CODE:
        return None
    return variants_by_language(campaign).get(language)


@dataclass(frozen=True)
class Words:
    """What one medium's message says in one language, before placeholders are filled."""

    language: str  # the language the words are in: the person's, or the default one
    text: str = ""
    subject: str = ""


def sms_words(campaign: Campaign, language: str | None) -> Words:
    variant = variant_for(campaign, language)
    if variant is not None and variant.sms_text.strip():
        return Words(variant.language, variant.sms_text)
    return Words(settings.LANGUAGE_CODE, campaign.sms_text)


def email_words(campaign: Campaign, language: str | None) -> Words:
    variant = variant_for(campaign, language)
    if variant is not None and variant.email_body.strip() and variant.email_subject.strip():
        return Words(variant.language, variant.email_body, variant.email_subject)
    return Words(settings.LANGUAGE_CODE, campaign.email_body, campaign.email_subject)


def whatsapp_words(campaign: Campaign, language: str | None) -> Words:
    """The free text for those inside their WhatsApp window; a variant's only where the campaign
    has free text at all (without it everyone gets the template)."""
    variant = variant_for(campaign, language)
    if variant is not None and variant.whatsapp_text.strip() and campaign.whatsapp_text.strip():
        return Words(variant.language, variant.whatsapp_text)
    return Words(settings.LANGUAGE_CODE, campaign.whatsapp_text)


def words_for(campaign: Campaign, medium: str, language: str | None) -> Words:
    if medium == Medium.WHATSAPP:
        return whatsapp_words(campaign, language)
    return sms_words(campaign, language) if medium == Medium.SMS else email_words(campaign, language)


def variant_problems(campaign: Campaign) -> list[str]:
    """Why a variant would not send as written: what launching refuses, as for the default words."""
    found = []
    step = getattr(campaign, "journey_step", None) if campaign.pk else None
    for variant in variants_by_language(campaign).values():
        name = language_name(variant.language)
        texts = []
        if campaign.sends(Medium.SMS) and variant.sms_text.strip():
            texts.append(("text message", variant.sms_text))
        if campaign.sends(Medium.EMAIL) and (variant.email_body.strip() or variant.email_subject.strip()):
            texts.append(("email body", variant.email_body))
            if not (variant.email_subject.strip() and variant.email_body.strip()):
                found.append(f"Write both the {name} email's subject and its body, or neither.")
        if campaign.sends(Medium.WHATSAPP) and variant.whatsapp_text.strip():
            texts.append(("WhatsApp free text", variant.whatsapp_text))
            if not campaign.whatsapp_text.strip():
                found.append(
                    f"Write the default WhatsApp free text too, or clear the {name} one: without it "
                    "everyone gets the template."
                )
        for label, text in texts:
            if text.strip() and "{links}" not in text:
                found.append(f"Put {{links}} in the {name} {label}: that is where the tracked links go.")
        for label, text in [*texts, ("email subject", variant.email_subject)]:
            try:
                check_placeholders(text)
            except ValidationError as error:
                found.extend(f"In the {name} {label}: {message}" for message in error.messages)
        if variant.question.strip():
            asked = len(step.lettered_choices) if step is not None and step.is_check else 0
            if not asked:
                found.append(f"Clear the {name} check: this message asks none in its own language.")
            elif len(answers_of(variant.choices)) != asked:
                found.append(
                    f"Give the {name} check as many answers as the step's own ({asked}): "
                    "the letters are the replies."
                )
            elif not variant.sms_text.strip():
                found.append(f"Write the {name} text too: its check is asked inside it.")
    return found


def answers_of(choices: object) -> list[str]:
    return [str(choice).strip() for choice in choices or [] if str(choice).strip()]


def given_name(subscriber: Subscriber | None) -> str:
    """The first word of their name; "" when we hold none, which fill greets as NO_NAME in the
    language of the words it fills."""
    name = (subscriber.display_name if subscriber else "").split()
    return name[0] if name else ""


def first_name(subscriber: Subscriber | None) -> str:
    """Their first name, or NO_NAME in the default language: for words in no other (WhatsApp's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return given_name(subscriber) or str(NO_NAME)


def link_url(token: str) -> str:
    return public_url(reverse("campaigns:tracked-link", args=[token]))


def feedback_url(token: str) -> str:
    return public_url(reverse("campaigns:feedback", args=[token]))


VoteUrl = Callable[[TrackedLink, str], str]  # (link, answer) -> the address of that answer's button


def links_text(links: Sequence[TrackedLink], medium: str, *, vote_url: VoteUrl | None = None) -> str:
    if medium == Medium.SMS:  # Every character costs in a text: addresses only.
        return "\n".join(link_url(link.token) for link in links)
    return "\n\n".join(email_link_block(link, vote_url) for link in links)


def email_link_block(link: TrackedLink, vote_url: VoteUrl | None) -> str:
    lines = [link.placement.item.title, link_url(link.token)]
    if vote_url:
        lines += [f"{label}: {vote_url(link, answer)}" for answer, label in USEFUL_BUTTONS]
    return "\n".join(lines)


def promoted_placement_id(link: TrackedLink) -> int:
    """The placement the message named, as reports count it: a link re-pointed to a successor
    still votes for the placement its message promoted."""
    return link.repointed_from_id or link.placement_id


def email_links(
    campaign: Campaign,
    links: Sequence[TrackedLink],
    *,
    subscriber: Subscriber,
    occurrence: int,
    sample: bool = False,
) -> str:
    """What {links} becomes in one person's email: each link, and under it, when the campaign asks,
    that person's own "Useful" / "Not for me" links (signed, so a vote counts once per person),
    labelled in the language of the email's words. A `sample` (the preview) has stand-ins of the
    same length: a real one would be a working vote."""
    if not campaign.ask_useful:
        return links_text(links, Medium.EMAIL)

    def vote_url(link: TrackedLink, answer: str) -> str:
        token = make_vote_token(
            subscriber,
            campaign_id=campaign.pk,
            occurrence=occurrence,
            placement_id=promoted_placement_id(link),
            answer=answer,
        )
        return feedback_url("x" * len(token) if sample else token)

    with translation.override(email_words(campaign, subscriber.language).language):
        return links_text(links, Medium.EMAIL, vote_url=vote_url)


def fill(template: str, *, name: str, links: str) -> str:
    values = {"first_name": name or str(NO_NAME), "links": links}
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def sms_body(campaign: Campaign, *, name: str, links: str, language: str | None = None) -> str:
    """The one place a text's words are made: the sender, the preview's cost and the reconciler's
    match against the provider's log all call it, so they agree to the character. In the
    `language` variant where there is one (the lines added below follow the active language)."""
    words = sms_words(campaign, language)
    with translation.override(words.language):
        return body_with_lines(campaign, words, name=name, links=links)


def whatsapp_free_text(campaign: Campaign, *, name: str, links: str, language: str | None = None) -> str:
    """WhatsApp free text, made as a text is: the check or the "useful?" line, and the STOP line,
    so a reply "1" or "A" by WhatsApp answers what it asked. A template (what goes outside the
    window) is WhatsApp-approved words and carries none of these lines."""
    words = whatsapp_words(campaign, language)
    if not words.text.strip():
        return ""
    with translation.override(words.language):
        return body_with_lines(campaign, words, name=name, links=links)


def body_with_lines(campaign: Campaign, words: Words, *, name: str, links: str) -> str:
    body = fill(words.text, name=name, links=links).strip()
    question = check_question(campaign, language=words.language)  # the check in the text's language
    if question:
        body = f"{body}\n{question}"
    footer = []
    useful, stop = str(USEFUL_LINE), str(STOP_FOOTER)  # in the active language: the words'
    # A check's text asks one thing: its letters. "Useful?" is asked of every other text.
    if campaign.ask_useful and not question and useful.lower() not in body.lower():
        footer.append(useful)
    if stop.lower() not in body.lower():
        footer.append(stop)
    return "\n".join([body, *footer])


def check_question(campaign: Campaign, *, language: str | None = None) -> str:
    """A journey step's one-question check, as the text asks it; "" for any other message.
    (The step is cached on the campaign after the first look, so a batch asks the database once.)"""
    asked = check_in(campaign, language)
    if asked is None:
        return ""
    question, choices = asked
    letters = [letter for letter, _ in choices]
    lines = [question.strip(), *(f"{letter}) {answer}" for letter, answer in choices)]
    said = {"Reply", "reply", str(REPLY_WORD), str(REPLY_WORD).lower()}
    if not any(word in question for word in said) and letters:
        reply = {"letters": ", ".join(letters[:-1]), "last": letters[-1]}
        lines.append(gettext("Reply %(letters)s or %(last)s") % reply)
    return "\n".join(lines)


def check_in(campaign: Campaign, language: str | None) -> tuple[str, list[tuple[str, str]]] | None:
    """A step's check as asked in `language`: (question, [(letter, answer)]), or None when the
    message asks none. The variant's words only when it gives as many answers as the step (else
    launching refuses it, variant_problems): the letters, and the right one, are the step's."""
    step = getattr(campaign, "journey_step", None) if campaign.pk else None
    if step is None or not step.is_check:
        return None
    variant = variant_for(campaign, language)
    if variant is not None and variant.question.strip():
        answers = answers_of(variant.choices)
        if len(answers) == len(step.lettered_choices):
            return variant.question, list(zip(CHECK_LETTERS, answers, strict=False))
    return step.question, step.lettered_choices


def email_subject(campaign: Campaign, *, name: str, language: str | None = None) -> str:
    words = email_words(campaign, language)
    with translation.override(words.language):
        return fill(words.subject, name=name, links="").strip()


def email_text(
    campaign: Campaign, *, name: str, links: str, unsubscribe: str, language: str | None = None
) -> str:
    """The email as it goes: the body, then the person's unsubscribe link written out, in the
    body's language, for mail programs that do not offer the List-Unsubscribe header's button."""
    words = email_words(campaign, language)
    with translation.override(words.language):
        body = fill(words.text, name=name, links=links).strip()
        return f"{body}\n\n{UNSUBSCRIBE_LINE % {'url': unsubscribe}}\n"


class SampleLink:
    """Stands in for a TrackedLink not made yet (a draft): same title, same address length."""

    token = SAMPLE_TOKEN
    repointed_from_id = None

    def __init__(self, placement) -> None:
        self.placement = placement
        self.placement_id = placement.pk


def sample_email_links(campaign: Campaign, links: Sequence[TrackedLink], language: str | None = None) -> str:
    """{links} as the preview shows an email's: the next send's, for nobody in particular (a
    reader of `language`, whose "useful?" links read in the email's language)."""
    return email_links(
        campaign,
        links,
        subscriber=Subscriber(language=language or settings.LANGUAGE_CODE),
        occurrence=campaign.occurrence + 1,
        sample=True,
    )


def sample_unsubscribe_url() -> str:
    """A stand-in for a person's unsubscribe link, as long as a real one: the preview's."""
    token = make_token(Subscriber(), Purpose.UNSUBSCRIBE, Medium.EMAIL)
    return public_url(reverse("campaigns:unsubscribe", args=["x" * len(token)]))
