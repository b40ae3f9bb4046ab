"""What the weekly review suggests the team discuss: the shape both the dashboard (which finds
them, analytics.selectors) and review meetings (whose agendas are made of them) rely on."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from curation.models import ContentItem, Placement, Topic


class SuggestionKind(enum.StrEnum):
    RETIRE = "retire"  # live for a while and in the bottom quantile on engagement, week after week
    RISING = "rising"  # engagement growing week on week
    TOPIC_GAP = "topic_gap"  # interest (sign-up topics, clicks) but little live content
    UNREACHABLE = "unreachable"  # the link checker found the placement gone or private


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    reason: str  # plain words with the figures, as a curator would say it
    item: ContentItem | None = None
    topic: Topic | None = None
    placement: Placement | None = None
    # The evidence: kept as the snapshot of figures a decision was taken on (JSON-serialisable).
    figures: dict[str, float | int | str | None] = field(default_factory=dict)
