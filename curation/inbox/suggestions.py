"""What a candidate probably is: a topic, a format and a learner power stage, with the reasons.

Rules only (the feed's tags, the source, the curators' past choices); no model to download.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curation.inbox.entries import Entry
from curation.inbox.models import CandidateSource, SourceKind
from curation.models import Format, Topic, youtube_video_id


@dataclass(frozen=True)
class Suggestion:
    topic: Topic | None = None
    format: str = ""
    stage: str = ""
    reasons: list[str] = field(default_factory=list)


class Suggester:
    """Built once per batch of entries (it reads the topics and past choices once), asked per entry."""

    def __init__(self, source: CandidateSource) -> None:
        self.source = source

    def suggest(self, entry: Entry) -> Suggestion:
        reasons: list[str] = []
        format = ""
        if self.source.kind in (SourceKind.YOUTUBE_CHANNEL, SourceKind.YOUTUBE_PLAYLIST):
            format = Format.VIDEO
            reasons.append("Format: video, from a YouTube source.")
        elif youtube_video_id(entry.url):
            format = Format.VIDEO
            reasons.append("Format: video, a YouTube video's address.")
        topic = self.source.topic
        if topic is not None:
            reasons.append(f"Topic: {topic.name}, the source's topic.")
        return Suggestion(topic=topic, format=format, reasons=reasons)
