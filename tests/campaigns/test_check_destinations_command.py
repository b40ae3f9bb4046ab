"""`manage.py check_destinations`: stored addresses that fail the rule are listed, not kept quietly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign, Medium, TrackedLink
from campaigns.tracking import tracked_link_for
from channels.models import Channel
from curation import services
from curation.models import Placement
from tests.factories import ChannelFactory, ContentItemFactory, YouTubeChannelFactory

pytestmark = pytest.mark.django_db

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def run() -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("check_destinations", stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def test_every_failing_row_is_listed_with_its_reason_and_the_command_fails():
    youtube = YouTubeChannelFactory()
    placement = services.place_item(item=ContentItemFactory(), channel=youtube, url=VIDEO)
    services.mark_live(item=placement.item)
    link = tracked_link_for(
        campaign=Campaign.objects.create(name="C", slug="c"), medium=Medium.SMS, placement=placement
    )
    blog = ChannelFactory()
    # Written past the forms, as rows saved before the rule would be.
    Placement.objects.filter(pk=placement.pk).update(url="https://evil.example\\@www.youtube.com/watch?v=x")
    TrackedLink.objects.filter(pk=link.pk).update(destination="https://www.youtube.com@evil.example/")
    Channel.objects.filter(pk=blog.pk).update(url="https://127.0.0.1/")

    out, error = run()

    assert out.splitlines() == [
        f"channel {blog.pk}\t'https://127.0.0.1/'\tUse the site's name, not an IP address.",
        f"placement {placement.pk}\t'https://evil.example\\\\@www.youtube.com/watch?v=x'\tThe address has a "
        "backslash (\\) in it: browsers read it as /, so the link would lead somewhere other than it seems.",
        f"tracked link {link.pk}\t'https://www.youtube.com@evil.example/'\tThe address has a user name "
        "before the host (user@host), a classic trick to send people elsewhere: use the page's own address.",
    ]
    assert error is not None and error.returncode == 1
    assert str(error) == "3 stored address(es) fail the destination rule; mend them in the admin."


def test_a_clean_database_passes():
    services.place_item(item=ContentItemFactory(), channel=YouTubeChannelFactory(), url=VIDEO)

    out, error = run()

    assert error is None
    assert out == "Every stored address passes the destination rule.\n"
