"""What a candidate probably is: a topic, a format and a learner power stage, with the reasons.

Rules only, no model to download, each reason in words a curator can check:
  topic   a feed tag or the title naming one of our topics; else what curators chose for accepted
          candidates with the same tag, then from the same source; else the source's topic.
  format  the address's platform (YouTube: video, Pinterest: pin, WikiHow: how-to...); else what
          curators chose for this source's accepted candidates; else a blog post (feeds and podcasts).
  stage   the stage most of that topic's items have; else this source's accepted candidates' stage.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db.models import Count
from django.utils.text import slugify

from channels.destinations import host_matches
from channels.models import PLATFORM_HOSTS, Platform
from curation.inbox.entries import Entry
from curation.inbox.models import Candidate, CandidateSource, CandidateStatus, SourceKind
from curation.models import ContentItem, Format, Stage, Topic

# The most recent accepted candidates are the curators' taste; older ones are not read.
PAST_CHOICES_READ = 2000
# What an address on a platform is, whatever the feed says.
PLATFORM_FORMATS = {
    Platform.YOUTUBE: Format.VIDEO,
    Platform.PINTEREST: Format.PIN,
    Platform.WIKIHOW: Format.HOW_TO,
    Platform.INSTAGRAM: Format.IMAGE_POST,
    Platform.YAMMER: Format.CHAT_THREAD,
    Platform.CURATED_FEED: Format.CURATED_FEED,
}


@dataclass(frozen=True)
class Suggestion:
    topic: Topic | None = None
    format: str = ""
    stage: str = ""
    reasons: list[str] = field(default_factory=list)


@dataclass
class Choices:
    """What curators chose for some accepted candidates: counts of topics, formats and stages."""

    topics: Counter[int] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    stages: Counter[str] = field(default_factory=Counter)
    accepted: int = 0


class Suggester:
    """Built once per batch of entries (it reads the topics and past choices once), asked per entry."""

    def __init__(self, source: CandidateSource) -> None:
        self.source = source
        self.topics = {topic.pk: topic for topic in Topic.objects.all()}
        self.topic_by_key: dict[str, Topic] = {}
        for topic in self.topics.values():
            self.topic_by_key.setdefault(topic.slug, topic)
            self.topic_by_key.setdefault(slugify(topic.name), topic)
        # Longest names first, so "Leading a team" wins over "Leading" in a title naming both.
        named = ((f" {_words(topic.name)} ", topic) for topic in self.topics.values())
        self.titled = sorted(named, key=lambda pair: -len(pair[0]))
        self.from_source = Choices()
        self.by_tag: dict[str, Choices] = defaultdict(Choices)
        self._read_past_choices()
        self.stages_by_topic: dict[int, Counter[str]] = defaultdict(Counter)
        for topic_id, stage, count in ContentItem.topics.through.objects.values_list(
            "topic_id", "contentitem__stage"
        ).annotate(count=Count("pk")):
            self.stages_by_topic[topic_id][stage] += count

    def _read_past_choices(self) -> None:
        accepted = list(
            Candidate.objects.filter(status=CandidateStatus.ACCEPTED, item__isnull=False)
            .order_by("-decided_at", "-pk")
            .values_list("source_id", "tags", "item_id", "item__format", "item__stage")[:PAST_CHOICES_READ]
        )
        topics_of: dict[int, list[int]] = defaultdict(list)
        for item_id, topic_id in ContentItem.topics.through.objects.filter(
            contentitem_id__in={row[2] for row in accepted}
        ).values_list("contentitem_id", "topic_id"):
            topics_of[item_id].append(topic_id)
        for source_id, tags, item_id, format, stage in accepted:
            groups = [self.by_tag[slugify(tag)] for tag in set(tags or ()) if slugify(tag)]
            if source_id == self.source.pk:
                groups.append(self.from_source)
            for choices in groups:
                choices.accepted += 1
                choices.topics.update(topics_of[item_id])
                choices.formats[format] += 1
                choices.stages[stage] += 1

    def suggest(self, entry: Entry) -> Suggestion:
        reasons: list[str] = []
        topic = self._topic(entry, reasons)
        format = self._format(entry, reasons)
        stage = self._stage(topic, reasons)
        return Suggestion(topic=topic, format=format, stage=stage, reasons=reasons)

    def _topic(self, entry: Entry, reasons: list[str]) -> Topic | None:
        for tag in entry.tags:
            topic = self.topic_by_key.get(slugify(tag))
            if topic is not None:
                reasons.append(f"Topic: {topic.name}, from the feed's tag “{tag}”.")
                return topic
        title = f" {_words(entry.title)} "
        for words, topic in self.titled:
            if words in title:
                reasons.append(f"Topic: {topic.name}, named in the title.")
                return topic
        for tag in entry.tags:
            choices = self.by_tag.get(slugify(tag))
            if choices and choices.topics:
                topic_id, count = choices.topics.most_common(1)[0]
                reasons.append(
                    f"Topic: {self.topics[topic_id].name}, as curators chose for {count} of "
                    f"{choices.accepted} accepted candidates tagged “{tag}”."
                )
                return self.topics[topic_id]
        if self.from_source.topics:
            topic_id, count = self.from_source.topics.most_common(1)[0]
            reasons.append(
                f"Topic: {self.topics[topic_id].name}, as curators chose for {count} of "
                f"{self.from_source.accepted} accepted candidates from this source."
            )
            return self.topics[topic_id]
        topic = self.source.topic
        if topic is not None:
            reasons.append(f"Topic: {topic.name}, the source's topic.")
        return topic

    def _format(self, entry: Entry, reasons: list[str]) -> str:
        platform = _platform(entry.url)
        if platform in PLATFORM_FORMATS:
            format = PLATFORM_FORMATS[platform]
            reasons.append(f"Format: {format.label.lower()}, a {Platform(platform).label} address.")
            return format
        if self.source.kind in (SourceKind.YOUTUBE_CHANNEL, SourceKind.YOUTUBE_PLAYLIST):
            reasons.append("Format: video, from a YouTube source.")
            return Format.VIDEO
        if self.from_source.formats:
            format, count = self.from_source.formats.most_common(1)[0]
            reasons.append(
                f"Format: {Format(format).label.lower()}, as curators chose for {count} of "
                f"{self.from_source.accepted} accepted candidates from this source."
            )
            return format
        if self.source.kind == SourceKind.OWNED_CHANNEL:
            reasons.append("Format: blog post, a new page on our own site.")
        else:
            reasons.append("Format: blog post, an article from a feed.")
        return Format.BLOG_POST

    def _stage(self, topic: Topic | None, reasons: list[str]) -> str:
        if topic is not None and self.stages_by_topic.get(topic.pk):
            stages = self.stages_by_topic[topic.pk]
            stage, count = stages.most_common(1)[0]
            reasons.append(
                f"Stage: {Stage(stage).label.lower()}, as {count} of {stages.total()} items on {topic.name}."
            )
            return stage
        if self.from_source.stages:
            stage, count = self.from_source.stages.most_common(1)[0]
            reasons.append(
                f"Stage: {Stage(stage).label.lower()}, as curators chose for {count} of "
                f"{self.from_source.accepted} accepted candidates from this source."
            )
            return stage
        return ""


def _words(text: str) -> str:
    """Lower-case words, punctuation and accents dropped: "Well-being!" reads "well being"."""
    return slugify(text).replace("-", " ")


def _platform(url: str) -> str:
    """The platform of an address record_candidates has already passed (a plain https address)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    for platform, hosts in PLATFORM_HOSTS.items():
        if any(host_matches(host, allowed) for allowed in hosts):
            return platform
    return ""
