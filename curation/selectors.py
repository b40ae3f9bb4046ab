"""Reads for the employee front door and the public feed.

Everything here is public: only live items of public sensitivity, and only their placements on
public channels that the link checker still finds. Business-sensitive and compliance content never
reaches a public channel (curation.compliance), and these reads filter for it again anyway, so a
page or feed can never be the place where a slip shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from channels.destinations import check_destination
from channels.models import Channel, Cost, Platform, Visibility
from curation.models import ContentItem, Format, Lifecycle, Placement, Sensitivity

NEW_THIS_WEEK_DAYS = 7
# When nothing went live this week the front door shows the latest few instead of an empty list.
LATEST_WHEN_QUIET = 4
FEED_LENGTH = 50

# The models' labels are the curators' English; employees read these, in their own language.
FORMAT_LABELS = {
    Format.VIDEO: gettext_lazy("Video"),
    Format.IMAGE_POST: gettext_lazy("Image post"),
    Format.PIN: gettext_lazy("Pin"),
    Format.HOW_TO: gettext_lazy("How-to guide"),
    Format.BLOG_POST: gettext_lazy("Blog post"),
    Format.HASHTAG: gettext_lazy("Hashtag"),
    Format.CHAT_THREAD: gettext_lazy("Chat thread"),
    Format.CURATED_FEED: gettext_lazy("Curated feed"),
    Format.OTHER: gettext_lazy("Other"),
}
PLATFORM_LABELS = {
    Platform.BLOG: gettext_lazy("Blog / website"),
    Platform.CURATED_FEED: gettext_lazy("Curated feed (e.g. Anders Pink)"),
    Platform.OTHER: gettext_lazy("Other"),
}


def public_placements() -> QuerySet[Placement]:
    """Placements an employee can open without an invitation: on public channels, still reachable."""
    return Placement.objects.filter(channel__visibility=Visibility.PUBLIC, is_reachable=True)


@dataclass(frozen=True)
class PublicItem:
    """A live item as the public sees it: its primary public placement and nothing else."""

    pk: int
    title: str
    summary: str
    format_label: str
    url: str
    channel_name: str
    topics: tuple[str, ...]
    live_since: date | None
    updated_at: datetime
    created_at: datetime


def _published_url(placement: Placement) -> str | None:
    """The address as browsers will read it, if it passes the destination rule. Rows saved before
    the rule that fail it are listed by `manage.py check_destinations`, never published."""
    try:
        return placement.channel.check_url(placement.url)
    except ValidationError:
        return None


def _public_item(item: ContentItem) -> PublicItem | None:
    # The earliest published public placement is the item's home; later ones are re-posts.
    published = [(p, url) for p in item.public_placements if (url := _published_url(p)) is not None]
    if not published:
        return None
    placement, url = published[0]
    return PublicItem(
        pk=item.pk,
        title=item.title,
        summary=item.summary,
        format_label=str(FORMAT_LABELS.get(item.format, item.get_format_display())),
        url=url,
        channel_name=placement.channel.name,
        topics=tuple(topic.name for topic in item.topics.all()),
        live_since=item.live_since,
        updated_at=item.updated_at,
        created_at=item.created_at,
    )


def _public_items(items: Iterable[ContentItem]) -> list[PublicItem]:
    """The items as published, leaving out any with no address that passes the rule."""
    return [public for item in items if (public := _public_item(item)) is not None]


def live_public_items() -> QuerySet[ContentItem]:
    """Live, public-sensitivity items with at least one public placement, newest live first.

    Each item carries `public_placements` (primary first) and its topics, prefetched.
    """
    placements = public_placements().select_related("channel").order_by("published_on", "pk")
    return (
        ContentItem.objects.filter(lifecycle=Lifecycle.LIVE, sensitivity=Sensitivity.PUBLIC)
        .filter(Exists(public_placements().filter(item=OuterRef("pk"))))
        .prefetch_related(Prefetch("placements", queryset=placements, to_attr="public_placements"), "topics")
        .order_by("-live_since", "-pk")
    )


def feed_items() -> list[PublicItem]:
    return _public_items(live_public_items()[:FEED_LENGTH])


@dataclass(frozen=True)
class WhatsNew:
    items: list[PublicItem]
    since: date
    # True when nothing went live in the last week and `items` are simply the latest ones.
    is_fallback: bool


def new_this_week() -> WhatsNew:
    since = timezone.localdate() - timedelta(days=NEW_THIS_WEEK_DAYS - 1)
    recent = _public_items(live_public_items().filter(live_since__gte=since))
    if recent:
        return WhatsNew(items=recent, since=since, is_fallback=False)
    latest = _public_items(live_public_items()[:LATEST_WHEN_QUIET])
    return WhatsNew(items=latest, since=since, is_fallback=True)


@dataclass(frozen=True)
class AppLink:
    store: str
    url: str


@dataclass(frozen=True)
class App:
    name: str
    links: tuple[AppLink, ...]


def _store_link(store: str, url: str) -> AppLink:
    # Held to the same rule as every published address: a mistyped link fails at start-up.
    return AppLink(store, check_destination(url, hosts=APP_STORE_HOSTS, place=store))


def _app(name: str, app_store_id: str, play_id: str) -> App:
    return App(
        name=name,
        links=(
            _store_link(
                gettext_lazy("the App Store (iPhone)"), f"https://apps.apple.com/app/id{app_store_id}"
            ),
            _store_link(
                gettext_lazy("Google Play (Android)"),
                f"https://play.google.com/store/apps/details?id={play_id}",
            ),
        ),
    )


APP_STORE_HOSTS = ("apps.apple.com", "play.google.com")

# The official apps, by the stores' own ids. Blogs and curated feeds open in any browser.
PLATFORM_APPS: dict[str, App] = {
    Platform.YOUTUBE: _app("YouTube", "544007664", "com.google.android.youtube"),
    Platform.INSTAGRAM: _app("Instagram", "389801252", "com.instagram.android"),
    Platform.PINTEREST: _app("Pinterest", "429047995", "com.pinterest"),
    Platform.TWITTER: _app("X", "333903271", "com.twitter.android"),
    Platform.YAMMER: _app("Viva Engage", "289559439", "com.yammer.v1"),
    Platform.WIKIHOW: _app("wikiHow", "309209200", "com.wikihow.wikihowapp"),
}


@dataclass(frozen=True)
class RecommendedChannel:
    name: str
    platform_label: str
    follow_url: str
    provided_by_organisation: bool
    app: App | None

    @property
    def cost_label(self) -> str:
        return gettext("Provided by the organisation") if self.provided_by_organisation else gettext("Free")


def recommended_channels() -> list[RecommendedChannel]:
    """Public channels, with the app to install and the link to follow. Private ones are for the
    people invited to them, so their names and addresses stay off a public page."""
    recommended = []
    for channel in Channel.objects.filter(visibility=Visibility.PUBLIC).order_by("platform", "name"):
        try:
            follow_url = channel.check_own_url()
        except ValidationError:
            continue  # Saved before the rule; `manage.py check_destinations` lists it.
        recommended.append(
            RecommendedChannel(
                name=channel.name,
                # Brand names (YouTube, WikiHow) read the same in every language.
                platform_label=str(PLATFORM_LABELS.get(channel.platform, channel.get_platform_display())),
                follow_url=follow_url,
                provided_by_organisation=channel.cost == Cost.PREPAID,
                app=PLATFORM_APPS.get(channel.platform),
            )
        )
    return recommended
