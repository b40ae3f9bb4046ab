"""Journeys built as curators build them (campaigns.journeys), for the journey admin and report tests."""

from __future__ import annotations

from campaigns import journeys
from campaigns.models import Journey, JourneyStep, MediaPreference
from curation.models import Placement


def compose(step: JourneyStep, placement: Placement, *, media: str = MediaPreference.BOTH) -> JourneyStep:
    """Write the step's message as a curator would in the campaign admin."""
    message = step.message
    message.media = media
    message.sms_text = "Hi {first_name}, two minutes on feedback: {links}"
    message.email_subject = "Giving feedback, {first_name}"
    message.email_body = "Hi {first_name},\n\nTwo minutes on feedback: {links}\n"
    message.save()
    message.placements.set([placement])
    return step


def welcome_series(placement: Placement, *, name: str = "Welcome to Learn Socially") -> Journey:
    """A two-step welcome series, ready to launch: a welcome, then a check by text two days later."""
    journey = Journey.objects.create(name=name)
    compose(journeys.create_step(journey=journey), placement)
    compose(
        journeys.create_step(
            journey=journey,
            wait_days=2,
            question="Which of these calms an angry customer first? Reply A, B or C",
            choices=["Listen first", "Offer a refund", "Call a manager"],
            correct="A",
        ),
        placement,
        media=MediaPreference.SMS,
    )
    return journey
