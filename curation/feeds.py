"""The public Atom feed: live public content for any feed reader or a curated-feed tool."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, get_tag_uri

from curation import selectors
from curation.selectors import PublicItem


class LivePublicContentFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return f"{settings.PROGRAMME_NAME}: new learning"

    def subtitle(self) -> str:
        return "Short videos, guides, posts and conversations our curation team has published."

    def author_name(self) -> str:
        return settings.PROGRAMME_NAME

    def link(self) -> str:
        return reverse("home")

    def feed_url(self) -> str:
        return reverse("feed")

    def items(self) -> list[PublicItem]:
        return selectors.feed_items()

    def item_title(self, item: PublicItem) -> str:
        return item.title

    def item_description(self, item: PublicItem) -> str:
        return item.summary or f"{item.format_label} on {item.channel_name}."

    def item_link(self, item: PublicItem) -> str:
        # Readers open the item where it lives, on the platform, not on this site.
        return item.url

    def item_guid(self, item: PublicItem) -> str:
        # Stable whichever host serves the feed and whichever placement is primary today.
        return get_tag_uri(f"{settings.PUBLIC_BASE_URL}/items/{item.pk}", item.created_at)

    def item_pubdate(self, item: PublicItem) -> datetime:
        if item.live_since is None:
            return item.created_at
        return datetime.combine(item.live_since, time.min, tzinfo=timezone.get_current_timezone())

    def item_updateddate(self, item: PublicItem) -> datetime:
        return item.updated_at

    def item_categories(self, item: PublicItem) -> tuple[str, ...]:
        return item.topics
