"""Factories that build data through the same services curators go through, not around them."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from campaigns import consent
from campaigns.hashing import address_hash
from campaigns.models import (
    Campaign,
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentState,
    MediaPreference,
    Medium,
    Segment,
    Subscriber,
)
from campaigns.services import create_subscriber
from channels.models import Channel, MetricSource, Platform, Visibility
from channels.services import register_channel
from curation import services
from curation.inbox.canonical import canonical_url
from curation.inbox.entries import Entry
from curation.inbox.services import record_candidates
from curation.models import (
    Candidate,
    CandidateSource,
    ContentItem,
    Format,
    Placement,
    SourceKind,
    Stage,
    Topic,
)
from tests.fakes.ga4 import PROPERTY_ID


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ChannelFactory(factory.Factory):
    class Meta:
        model = Channel

    name = factory.Sequence(lambda n: f"Blog {n}")
    platform = Platform.BLOG
    url = factory.Sequence(lambda n: f"https://blog{n}.acme-learning.example/")
    visibility = Visibility.PUBLIC
    metric_source = MetricSource.CLICKS_ONLY

    @classmethod
    def _create(cls, model_class: type[Channel], **kwargs: object) -> Channel:
        return register_channel(**kwargs)


class YouTubeChannelFactory(ChannelFactory):
    name = factory.Sequence(lambda n: f"YouTube channel {n}")
    platform = Platform.YOUTUBE
    url = factory.Sequence(lambda n: f"https://www.youtube.com/@acme{n}")
    metric_source = MetricSource.YOUTUBE
    youtube_channel_id = factory.Sequence(lambda n: f"UCacme{n:018d}")


class GA4BlogFactory(ChannelFactory):
    """The programme's blog, measured by GA4 under /learning/ on the property the GA4 fake serves."""

    name = "Learning blog"
    url = "https://www.acme-learning.example/learning/"
    metric_source = MetricSource.GA4
    ga4_property_id = PROPERTY_ID
    ga4_path_prefix = "/learning/"


def youtube_channel_with_videos(videos: list[str], *, titles: list[str] | None = None) -> Channel:
    """The programme's YouTube channel, as the YouTube fake knows it (tests.fakes.youtube's
    CHANNEL_ID), with one placed item per video id: what a YouTube sync reads."""
    from tests.fakes.youtube import CHANNEL_ID

    channel = YouTubeChannelFactory(name="Acme Learns", youtube_channel_id=CHANNEL_ID)
    for video, title in zip(videos, titles or [f"Video {video}" for video in videos], strict=True):
        services.place_item(
            item=ContentItemFactory(title=title),
            channel=channel,
            url=f"https://www.youtube.com/watch?v={video}",
            external_id=video,
        )
    return channel


class ContentItemFactory(factory.Factory):
    class Meta:
        model = ContentItem

    title = factory.Sequence(lambda n: f"Item {n}")
    format = Format.BLOG_POST
    stage = Stage.EMBEDDED

    @classmethod
    def _create(cls, model_class: type[ContentItem], **kwargs: object) -> ContentItem:
        return services.create_item(**kwargs)


class PlacementFactory(factory.Factory):
    class Meta:
        model = Placement

    item = factory.SubFactory(ContentItemFactory)
    channel = factory.SubFactory(ChannelFactory)
    url = factory.LazyAttributeSequence(lambda o, n: f"{o.channel.url}posts/{n}/")

    @classmethod
    def _create(cls, model_class: type[Placement], **kwargs: object) -> Placement:
        return services.place_item(**kwargs)


def live_item(*, channel: Channel | None = None, days_ago: int = 0, **kwargs: object) -> ContentItem:
    """An item placed (on a public blog unless given a channel) and put live `days_ago`, as a
    curator would."""
    placement = PlacementFactory(
        item=ContentItemFactory(**kwargs), **({"channel": channel} if channel else {})
    )
    return services.mark_live(item=placement.item, on=timezone.localdate() - timedelta(days=days_ago))


class SubscriberFactory(factory.Factory):
    """An invitee; pass sms=/email= a ConsentState to give it a consent history."""

    class Meta:
        model = Subscriber

    phone = factory.Sequence(lambda n: f"+4474001{n:05d}")
    # Not the demo's employeeNN@ addresses: a test may load the demo beside its own invitees.
    email = factory.Sequence(lambda n: f"invitee{n}@acme-learning.example")
    department = "Sales"
    location = "Leeds"

    @classmethod
    def _create(
        cls,
        model_class: type[Subscriber],
        sms: str = ConsentState.NONE,
        email_consent: str = ConsentState.NONE,
        **kwargs: object,
    ) -> Subscriber:
        subscriber = create_subscriber(**kwargs)
        give_consent_history(subscriber, sms=sms, email_consent=email_consent)
        return subscriber


def give_consent_history(
    subscriber: Subscriber, *, sms: str = ConsentState.NONE, email_consent: str = ConsentState.NONE
) -> None:
    """The ledger events that lead each medium to the given state, as the sign-up page records them."""
    for medium, state in ((Medium.SMS, sms), (Medium.EMAIL, email_consent)):
        for action in CONSENT_PATH[state]:
            consent.record_consent(
                subscriber=subscriber,
                medium=medium,
                action=action,
                source=ConsentSource.SIGNUP_PAGE,
                evidence="test fixture",
            )


# The ledger rows that lead to each state, as an employee would produce them.
CONSENT_PATH = {
    ConsentState.NONE: [],
    ConsentState.PENDING: [ConsentAction.REQUESTED],
    ConsentState.SUBSCRIBED: [ConsentAction.REQUESTED, ConsentAction.CONFIRMED],
    ConsentState.OPTED_OUT: [ConsentAction.REQUESTED, ConsentAction.CONFIRMED, ConsentAction.OPTED_OUT],
}


def subscribed_employees(
    count: int,
    *,
    email_domain: str = "acme-learning.example",
    media: tuple[str, ...] = (Medium.SMS, Medium.EMAIL),
    **fields: object,
) -> list[Subscriber]:
    """Many employees subscribed by text and email (or the `media` given), written in bulk with the
    ledger rows the sign-up services would write (one by one, the services take minutes for thousands)."""
    first = Subscriber.objects.count()
    people = [
        Subscriber(
            phone=f"+4474{first + n:08d}",
            email=f"employee{first + n}@{email_domain}",
            display_name=f"Sam{first + n} Example",
            department="Sales",
            location="Leeds",
            sms_state=ConsentState.SUBSCRIBED if Medium.SMS in media else ConsentState.NONE,
            email_state=ConsentState.SUBSCRIBED if Medium.EMAIL in media else ConsentState.NONE,
            whatsapp_state=ConsentState.SUBSCRIBED if Medium.WHATSAPP in media else ConsentState.NONE,
            **fields,
        )
        for n in range(count)
    ]
    for person in people:  # save() is skipped by bulk_create: keep the address hashes in step
        person.phone_hash = address_hash(Medium.SMS, person.phone)
        person.email_hash = address_hash(Medium.EMAIL, person.email)
        person.whatsapp_hash = address_hash(Medium.WHATSAPP, person.phone)
    people = Subscriber.objects.bulk_create(people, batch_size=2000)
    ConsentEvent.objects.bulk_create(
        [
            ConsentEvent(
                subscriber=person,
                medium=medium,
                action=action,
                source=ConsentSource.SIGNUP_PAGE,
                evidence="test fixture",
                occurred_at=timezone.now(),
            )
            for person in people
            for medium in media
            for action in (ConsentAction.REQUESTED, ConsentAction.CONFIRMED)
        ],
        batch_size=5000,
    )
    return people


def ready_campaign(*, placements: list[Placement], segments: list[Segment] | None = None, **fields: object):
    """A draft with a text and an email, aimed at everyone unless given segments."""
    values = {
        "name": "Feedback week",
        "slug": "feedback-week",
        "media": MediaPreference.BOTH,
        "sms_text": "Hi {first_name}, 3 minutes on giving feedback: {links}",
        "email_subject": "Giving feedback, {first_name}",
        "email_body": "Hi {first_name},\n\nThis week: {links}\n",
        **fields,
    }
    campaign = Campaign.objects.create(**values)
    campaign.placements.set(placements)
    campaign.segments.set(segments or [Segment.objects.get_or_create(name="Everyone")[0]])
    return campaign


class CandidateSourceFactory(factory.django.DjangoModelFactory):
    """A feed the inbox polls; give it a topic to have its candidates suggested under it."""

    class Meta:
        model = CandidateSource

    name = factory.Sequence(lambda n: f"Feed {n}")
    kind = SourceKind.FEED
    url = factory.Sequence(lambda n: f"https://news{n}.example.org/feed.xml")


class CandidateFactory(factory.Factory):
    """A candidate as a poll records it: through record_candidates, suggestion and all."""

    class Meta:
        model = Candidate

    source = factory.SubFactory(CandidateSourceFactory)
    url = factory.Sequence(lambda n: f"https://blog.example.org/posts/{n}/")
    title = factory.Sequence(lambda n: f"Candidate {n}")
    summary = "What a good one-to-one sounds like, in five minutes."
    published_at = None
    tags = ()

    @classmethod
    def _create(cls, model_class: type[Candidate], source: CandidateSource, **kwargs: object) -> Candidate:
        entry = Entry(**kwargs)
        recorded = record_candidates(source=source, entries=[entry])
        assert recorded.added == 1, f"not recorded: {recorded}"
        return Candidate.objects.get(canonical_url=canonical_url(entry.url))
