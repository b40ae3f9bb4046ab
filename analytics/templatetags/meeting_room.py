"""The dashboard's way into the meeting room, for the template the dashboard includes."""

from __future__ import annotations

from django import template

from analytics import meeting
from analytics.clock import today
from analytics.review.dashboard import WeeklyReview
from curation.models import ReviewMeeting
from curation.roles import permits

register = template.Library()


@register.simple_tag(takes_context=True)
def meeting_entry(context: template.Context, review: WeeklyReview) -> meeting.MeetingEntry:
    """The meeting that reviewed the week, and whether this person may start or open it here."""
    entry = meeting.meeting_entry(week_start=review.week_start, today=today())
    user = context["request"].user
    allowed = permits(user, "change", entry.meeting) if entry.meeting else permits(user, "add", ReviewMeeting)
    return meeting.MeetingEntry(meeting=entry.meeting, can_start=entry.can_start and allowed)
