"""Reads of the review meetings' record, shared by curation's admin and the meeting room."""

from __future__ import annotations

from curation.models import Decision, ReviewMeeting


def previous_meeting(meeting: ReviewMeeting) -> ReviewMeeting | None:
    return ReviewMeeting.objects.filter(held_on__lt=meeting.held_on).order_by("-held_on").first()


def decisions_of(meeting: ReviewMeeting | None) -> list[Decision]:
    """What a meeting decided, applied or not, in the order it was decided."""
    if meeting is None:
        return []
    related = ("meeting", "item", "successor", "topic", "applied_by", "owner")
    return list(meeting.decisions.select_related(*related).order_by("pk"))
