"""A believable demo programme: topics, both curators, ~40 items placed across the channels."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from channels.models import Channel
from curation import services
from curation.inbox.demo import load_sample_feed
from curation.models import ContentItem, Format, Lifecycle, Sensitivity, Stage, Topic
from curation.roles import AGENCY_CURATOR, INTERNAL_CURATOR

# Printed by load_demo so whoever ran `make demo` can sign in; never used outside DEBUG.
DEMO_USERS = [
    ("curator", "Internal curator", INTERNAL_CURATOR, "Priya", "Shah"),
    ("agency", "Agency curator", AGENCY_CURATOR, "Tom", "Baker"),
]
DEMO_PASSWORD = "learn-socially-demo"

TOPICS = [
    ("Customer conversations", "Listening, questions and handling complaints well."),
    ("Leading a team", "First-time managers and the everyday craft of leading."),
    ("Wellbeing", "Energy, focus and looking after yourself and others."),
    ("Digital skills", "Getting more from the tools we use every day."),
    ("Selling with confidence", "From first call to renewal."),
    ("Working together", "Meetings, feedback and collaboration across teams."),
]

E, B, F, U = Stage.EMBEDDED, Stage.DIGITAL_BLENDED, Stage.FACILITATED, Stage.UNFACILITATED
# title, format, stage, topic index, channel name; lifecycles are assigned below.
ITEMS = [
    ("Three questions that calm an angry customer", Format.VIDEO, E, 0, "Acme Learns on YouTube"),
    ("The two-minute complaint reset", Format.VIDEO, E, 0, "Acme Learns on YouTube"),
    ("Saying no without losing the customer", Format.BLOG_POST, B, 0, "Acme learning blog"),
    ("Active listening in five pictures", Format.IMAGE_POST, E, 0, "@acmelearns on Instagram"),
    ("How to write a reply customers thank you for", Format.HOW_TO, E, 0, "WikiHow how-to guides"),
    ("Customer stories of the week", Format.CHAT_THREAD, U, 0, "Learning community on Viva Engage"),
    ("Your first 90 days as a manager", Format.VIDEO, B, 1, "Acme Learns on YouTube"),
    ("One-to-ones that people look forward to", Format.BLOG_POST, B, 1, "Acme learning blog"),
    ("Delegation: a board of examples", Format.PIN, E, 1, "Acme Learns boards on Pinterest"),
    ("Giving feedback that lands", Format.VIDEO, F, 1, "Acme Learns on YouTube"),
    ("Leading through the reorganisation", Format.VIDEO, F, 1, "Leadership circle (unlisted YouTube)"),
    ("New managers' circle", Format.CHAT_THREAD, F, 1, "Learning community on Viva Engage"),
    ("Leadership reading this week", Format.CURATED_FEED, B, 1, "Anders Pink briefings"),
    ("A five-minute reset between meetings", Format.VIDEO, E, 2, "Acme Learns on YouTube"),
    ("Desk stretches in pictures", Format.IMAGE_POST, E, 2, "@acmelearns on Instagram"),
    ("Sleep, focus and the afternoon dip", Format.BLOG_POST, B, 2, "Acme learning blog"),
    ("How to take a proper lunch break", Format.HOW_TO, E, 2, "WikiHow how-to guides"),
    ("#AcmeWellbeing walking challenge", Format.HASHTAG, U, 2, "#AcmeLearns on X"),
    ("Wellbeing ideas board", Format.PIN, E, 2, "Acme Learns boards on Pinterest"),
    ("Spreadsheet shortcuts that save an hour a week", Format.VIDEO, E, 3, "Acme Learns on YouTube"),
    ("Writing prompts for AI assistants", Format.BLOG_POST, B, 3, "Acme learning blog"),
    ("Keyboard shortcuts cheat sheet", Format.PIN, E, 3, "Acme Learns boards on Pinterest"),
    ("How to run a clean video call", Format.HOW_TO, E, 3, "WikiHow how-to guides"),
    ("Digital tips from colleagues", Format.HASHTAG, U, 3, "#AcmeLearns on X"),
    ("Tech news that matters to us", Format.CURATED_FEED, B, 3, "Anders Pink briefings"),
    ("Spotting a phishing email", Format.VIDEO, E, 3, "Acme Learns on YouTube"),
    ("Opening a sales call in 30 seconds", Format.VIDEO, E, 4, "Acme Learns on YouTube"),
    ("Handling the price objection", Format.VIDEO, F, 4, "Acme Learns on YouTube"),
    ("Renewal conversations that work", Format.BLOG_POST, B, 4, "Acme learning blog"),
    ("Pipeline review: the questions to ask", Format.IMAGE_POST, E, 4, "@acmelearns on Instagram"),
    ("Deal of the month", Format.CHAT_THREAD, U, 4, "Learning community on Viva Engage"),
    ("Q3 pricing playbook", Format.BLOG_POST, F, 4, "Learning community on Viva Engage"),
    ("Meetings with a clear purpose", Format.VIDEO, E, 5, "Acme Learns on YouTube"),
    ("Feedback across teams", Format.BLOG_POST, B, 5, "Acme learning blog"),
    ("How to run a retrospective", Format.HOW_TO, E, 5, "WikiHow how-to guides"),
    ("Collaboration wins, shared by you", Format.HASHTAG, U, 5, "#AcmeLearns on X"),
    ("Working across time zones", Format.IMAGE_POST, E, 5, "@acmelearns on Instagram"),
    ("Hybrid working etiquette", Format.PIN, E, 5, "Acme Learns boards on Pinterest"),
    ("Remote onboarding buddy guide", Format.BLOG_POST, F, 5, "Acme learning blog"),
    ("Running a lunch-and-learn", Format.VIDEO, F, 5, "Acme Learns on YouTube"),
    ("Negotiation basics (idea)", Format.VIDEO, B, 4, ""),
    ("Mental health first aid signposting (idea)", Format.BLOG_POST, F, 2, ""),
]
BUSINESS_SENSITIVE = {"Leading through the reorganisation", "Q3 pricing playbook"}
IN_PRODUCTION = {"Running a lunch-and-learn", "Remote onboarding buddy guide"}
# title -> (reason, successor title or None)
RETIRED = {
    "The two-minute complaint reset": (
        "Drop-out after 20 seconds for six weeks running; replaced by a shorter take.",
        "Three questions that calm an angry customer",
    ),
    "Keyboard shortcuts cheat sheet": ("Outdated after the office suite upgrade.", None),
    "Tech news that matters to us": ("Too few opens; the digital tips hashtag does this better.", None),
}


def _token(text: str, length: int, alphabet: str) -> str:
    """A stable, platform-shaped id for a demo URL, so re-runs place items at the same address."""
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def demo_url(channel: Channel, title: str) -> str:
    slug = slugify(title)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    by_platform = {
        "youtube": f"https://www.youtube.com/watch?v={_token(title, 11, letters + '_-')}",
        "blog": f"https://www.acme-learning.example/learning/{slug}/",
        "instagram": f"https://www.instagram.com/p/{_token(title, 11, letters)}/",
        "pinterest": f"https://www.pinterest.com/pin/{_token(title, 15, '0123456789')}/",
        "wikihow": f"https://www.wikihow.com/{slug.title()}",
        "twitter": f"https://x.com/hashtag/{_token(title, 8, letters)}",
        "yammer": "https://engage.cloud.microsoft/main/groups/learning/threads/"
        + _token(title, 12, "0123456789"),
        "curated_feed": f"https://anderspink.com/briefing/{slug}",
    }
    return by_platform[channel.platform]


def _ensure_users(stdout: OutputWrapper) -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, label, role, first, last in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@acme-learning.example"
        user.is_staff, user.is_active = True, True
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        users[role] = user
        stdout.write(f"  {label}: username {username!r}, password {DEMO_PASSWORD!r}")
    return users


@transaction.atomic
def load(*, stdout: OutputWrapper) -> None:
    stdout.write(f"Curator logins ({settings.PUBLIC_BASE_URL}{reverse('admin:index')}):")
    users = _ensure_users(stdout)
    stdout.write(
        "  Each curator is asked to set up a second factor (authenticator app or passkey) on first "
        "sign-in; employees' contact data stays hidden until they do."
    )
    topics = [
        Topic.objects.get_or_create(slug=slugify(name), defaults={"name": name, "description": text})[0]
        for name, text in TOPICS
    ]
    channels = {channel.name: channel for channel in Channel.objects.all()}
    today = timezone.localdate()
    created = 0
    for index, (title, format, stage, topic_index, channel_name) in enumerate(ITEMS):
        if ContentItem.objects.filter(title=title).exists():
            continue
        owner = users[INTERNAL_CURATOR] if index % 3 else users[AGENCY_CURATOR]
        sensitivity = Sensitivity.BUSINESS_SENSITIVE if title in BUSINESS_SENSITIVE else Sensitivity.PUBLIC
        item = services.create_item(
            title=title,
            summary=f"{title}: part of our {topics[topic_index].name.lower()} collection.",
            format=format,
            stage=stage,
            sensitivity=sensitivity,
            topics=[topics[topic_index]],
            owner=owner,
        )
        created += 1
        if not channel_name:
            continue  # Still an idea.
        if title in IN_PRODUCTION:
            services.start_production(item=item)
            continue
        published = today - timedelta(days=20 + (index * 37) % 340)
        channel = channels[channel_name]
        services.place_item(item=item, channel=channel, url=demo_url(channel, title), published_on=published)
        services.mark_live(item=item, on=published)
    for title, (reason, successor_title) in RETIRED.items():
        item = ContentItem.objects.get(title=title)
        if item.lifecycle != Lifecycle.RETIRED:
            successor = ContentItem.objects.get(title=successor_title) if successor_title else None
            services.retire_item(item=item, reason=reason, successor=successor)
    stdout.write(f"Content items: {created} created, {len(ITEMS) - created} already there.")
    load_sample_feed(stdout=stdout)  # Issue 18: the inbox's candidates, after the topics they suggest.
