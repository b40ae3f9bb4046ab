"""Pickers offer only what will be accepted: a compliance or business-sensitive item's channel
picker lists no public channel, and curators are picked and listed by their names."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from channels.models import Visibility
from curation.models import Sensitivity
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels():
    return ChannelFactory(name="Public blog"), ChannelFactory(name="Intranet", visibility=Visibility.PRIVATE)


def options_of(page: str, name: str) -> list[str]:
    """The labels a <select name=...> offers, blank left out."""
    select = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no plain <select> named {name}"
    return [
        label for label in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1)) if "---" not in label
    ]


@pytest.mark.parametrize("sensitivity", [Sensitivity.COMPLIANCE, Sensitivity.BUSINESS_SENSITIVE])
def test_a_restricted_items_placement_inline_offers_no_public_channel(internal_client, channels, sensitivity):
    item = ContentItemFactory(sensitivity=sensitivity)
    PlacementFactory(item=item, channel=channels[1])

    page = internal_client.get(reverse("admin:curation_contentitem_change", args=[item.pk])).content.decode()

    assert options_of(page, "placements-0-channel") == ["Intranet (Blog / website)"]
    # And the blank row "Add another placement" copies.
    assert options_of(page, "placements-__prefix__-channel") == ["Intranet (Blog / website)"]


def test_a_public_items_placement_inline_keeps_the_channel_search(internal_client, channels):
    item = ContentItemFactory()

    page = internal_client.get(reverse("admin:curation_contentitem_change", args=[item.pk])).content.decode()

    assert 'name="placements-__prefix__-channel"' in page and "admin-autocomplete" in page


def test_a_restricted_placements_own_page_offers_no_public_channel(internal_client, channels):
    placement = PlacementFactory(
        item=ContentItemFactory(sensitivity=Sensitivity.COMPLIANCE), channel=channels[1]
    )

    page = internal_client.get(
        reverse("admin:curation_placement_change", args=[placement.pk])
    ).content.decode()

    assert options_of(page, "channel") == ["Intranet (Blog / website)"]


def test_adding_a_placement_to_a_restricted_item_offers_no_public_channel(internal_client, channels):
    item = ContentItemFactory(sensitivity=Sensitivity.COMPLIANCE)

    page = internal_client.get(reverse("admin:curation_placement_add"), {"item": item.pk}).content.decode()

    assert options_of(page, "channel") == ["Intranet (Blog / website)"]


def test_a_public_channel_posted_anyway_gets_the_guards_reason(internal_client, channels):
    item = ContentItemFactory(sensitivity=Sensitivity.COMPLIANCE)
    public = channels[0]

    page = internal_client.post(
        reverse("admin:curation_placement_add"),
        {"item": item.pk, "channel": public.pk, "url": f"{public.url}x/", "is_reachable": "on"},
    ).content.decode()

    assert "cannot be placed on the public channel Public blog" in page
    assert options_of(page, "channel") == ["Intranet (Blog / website)"]


def test_curators_are_picked_and_listed_by_name(internal_client, internal_curator, agency_curator):
    internal_curator.first_name, internal_curator.last_name = "Priya", "Shah"
    internal_curator.save()
    ContentItemFactory(title="Feedback basics", owner=internal_curator)
    ContentItemFactory(title="Meeting notes", owner=agency_curator)  # no name held: the username

    listing = internal_client.get(reverse("admin:curation_contentitem_changelist")).content.decode()
    adding = internal_client.get(reverse("admin:curation_contentitem_add")).content.decode()

    assert '<td class="field-owner_name">Priya Shah</td>' in listing
    assert '<td class="field-owner_name">tom</td>' in listing
    assert re.search(r'<a href="\?owner__id__exact=\d+">Priya Shah</a>', listing)  # the filter
    assert {"Priya Shah", "tom"} <= set(options_of(adding, "owner"))
    assert "priya" not in options_of(adding, "owner")


@pytest.mark.parametrize("odd", [" ", "abc", "9" * 30, "²"])
def test_an_odd_id_in_a_picker_is_a_form_error_not_a_server_error(internal_client, channels, odd):
    """Django's autocomplete looks the submitted id up to show it again; an id that is none failed
    that lookup with a 500 (a single picker, a multiple one, and one in an inline)."""
    item = ContentItemFactory()
    pages = [
        internal_client.post(
            reverse("admin:curation_placement_add"), {"item": odd, "channel": odd, "url": "x"}
        ),
        internal_client.post(
            reverse("admin:curation_contentitem_add"),
            {"title": "T", "format": "video", "stage": "embedded", "sensitivity": "public", "topics": [odd]},
        ),
        internal_client.post(
            reverse("admin:curation_contentitem_change", args=[item.pk]),
            {
                "title": item.title,
                "format": item.format,
                "stage": item.stage,
                "sensitivity": item.sensitivity,
                "placements-TOTAL_FORMS": "1",
                "placements-INITIAL_FORMS": "0",
                "placements-0-channel": odd,
                "placements-0-url": "https://blog.example.org/x",
            },
        ),
    ]

    for page in pages:
        assert page.status_code == 200
        assert "errorlist" in page.content.decode()
