"""Reads of the inbox: what is new, how much of it per topic, and the briefs a candidate could fill."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from curation.inbox.models import Candidate, CandidateStatus
from curation.models import BriefStatus, ContentBrief


def new_candidates(
    *, topic_id: int | None = None, without_topic: bool = False, source_id: int | None = None
) -> QuerySet[Candidate]:
    """New candidates, newest found first, with what the inbox shows of each in the same query.

    Narrowed to one suggested topic (or to those with none suggested) and to one source, as the
    inbox's filters and the per-topic counts' links ask."""
    candidates = Candidate.objects.filter(status=CandidateStatus.NEW).select_related(
        "source", "suggested_topic"
    )
    if without_topic:
        candidates = candidates.filter(suggested_topic__isnull=True)
    elif topic_id is not None:
        candidates = candidates.filter(suggested_topic_id=topic_id)
    if source_id is not None:
        candidates = candidates.filter(source_id=source_id)
    return candidates


@dataclass(frozen=True)
class TopicCount:
    topic_id: int | None  # None: no topic suggested
    topic_name: str
    count: int


@dataclass(frozen=True)
class InboxCounts:
    total: int
    by_topic: list[TopicCount]  # largest first; "no topic suggested" last


def new_candidate_counts() -> InboxCounts:
    """How many new candidates wait, in all and per suggested topic: one query."""
    rows = (
        Candidate.objects.filter(status=CandidateStatus.NEW)
        .values("suggested_topic", "suggested_topic__name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_topic = sorted(
        (
            TopicCount(row["suggested_topic"], row["suggested_topic__name"] or "", row["count"])
            for row in rows
        ),
        key=lambda each: (each.topic_id is None, -each.count, each.topic_name),
    )
    return InboxCounts(total=sum(each.count for each in by_topic), by_topic=by_topic)


def open_briefs_for(candidate: Candidate) -> list[ContentBrief]:
    """The open briefs a candidate could fill, those on its suggested topic first, newest first."""
    briefs = ContentBrief.objects.filter(status=BriefStatus.OPEN).select_related("topic")
    if candidate.suggested_topic_id is not None:
        briefs = briefs.annotate(
            same_topic=Case(
                When(topic_id=candidate.suggested_topic_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("same_topic", "-created_at", "-pk")
    else:
        briefs = briefs.order_by("-created_at", "-pk")
    return list(briefs)
