"""Business-sensitive and compliance content never reaches a public channel, whichever way in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from channels.models import Channel, Visibility
from channels.services import change_visibility
from curation import services
from curation.models import ContentItem, Placement, Sensitivity
from tests.factories import ChannelFactory, ContentItemFactory, PlacementFactory

pytestmark = pytest.mark.django_db

REFUSAL = "cannot be placed on the public channel"


def inline_management(prefix: str = "placements", total: int = 1, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def item_form(item_fields: dict[str, str], channel: Channel | None = None) -> dict[str, str]:
    data = {"format": "blog_post", "stage": "embedded", "summary": "", **item_fields}
    if channel is None:
        return {**data, **inline_management(total=0)}
    return {
        **data,
        **inline_management(total=1),
        "placements-0-channel": str(channel.pk),
        "placements-0-url": f"{channel.url}a-post/",
        "placements-0-is_reachable": "on",
    }


@pytest.mark.parametrize("sensitivity", [Sensitivity.BUSINESS_SENSITIVE, Sensitivity.COMPLIANCE])
def test_service_refuses_to_place_sensitive_item_on_public_channel(sensitivity):
    item = ContentItemFactory(title="Pricing playbook", sensitivity=sensitivity)
    public = ChannelFactory(name="Public blog")

    with pytest.raises(ValidationError) as refused:
        services.place_item(item=item, channel=public, url=f"{public.url}pricing/")

    assert "“Pricing playbook”" in refused.value.messages[0]
    assert "public channel Public blog" in refused.value.messages[0]
    assert not Placement.objects.exists()


def test_sensitive_item_may_be_placed_on_private_channel():
    item = ContentItemFactory(sensitivity=Sensitivity.BUSINESS_SENSITIVE)
    private = ChannelFactory(visibility=Visibility.PRIVATE)

    placement = services.place_item(item=item, channel=private, url=f"{private.url}x/")

    assert placement.pk is not None


def test_model_validation_refuses_sensitive_item_on_public_channel():
    item = ContentItemFactory(sensitivity=Sensitivity.COMPLIANCE)
    placement = Placement(item=item, channel=ChannelFactory(), url="https://blog.example/x/")

    with pytest.raises(ValidationError, match=REFUSAL):
        placement.full_clean()


def test_service_refuses_to_make_publicly_placed_item_sensitive():
    placement = PlacementFactory(item=ContentItemFactory(title="Onboarding tips"))

    with pytest.raises(ValidationError) as refused:
        services.change_sensitivity(item=placement.item, sensitivity=Sensitivity.COMPLIANCE)

    assert "cannot become compliance while it is placed on public channels" in str(refused.value)
    placement.item.refresh_from_db()
    assert placement.item.sensitivity == Sensitivity.PUBLIC


def test_service_refuses_to_make_channel_public_while_it_holds_sensitive_content():
    private = ChannelFactory(name="Leaders only", visibility=Visibility.PRIVATE)
    PlacementFactory(
        item=ContentItemFactory(title="Reorg briefing", sensitivity=Sensitivity.BUSINESS_SENSITIVE),
        channel=private,
    )

    with pytest.raises(ValidationError) as refused:
        change_visibility(channel=private, visibility=Visibility.PUBLIC)

    assert "Leaders only cannot become public" in str(refused.value)
    assert "Reorg briefing" in str(refused.value)
    private.refresh_from_db()
    assert private.visibility == Visibility.PRIVATE


def test_admin_placement_form_shows_the_refusal(internal_client):
    item = ContentItemFactory(sensitivity=Sensitivity.COMPLIANCE)
    public = ChannelFactory()

    response = internal_client.post(
        reverse("admin:curation_placement_add"),
        {"item": item.pk, "channel": public.pk, "url": f"{public.url}x/", "is_reachable": "on"},
    )

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not Placement.objects.exists()


def test_admin_refuses_new_sensitive_item_with_public_placement_inline(internal_client):
    public = ChannelFactory()

    response = internal_client.post(
        reverse("admin:curation_contentitem_add"),
        item_form({"title": "Audit rules", "sensitivity": "compliance"}, channel=public),
    )

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not ContentItem.objects.exists()


def test_admin_refuses_sensitivity_switch_and_public_placement_in_one_save(internal_client):
    item = ContentItemFactory(title="Sales targets")
    public = ChannelFactory()

    response = internal_client.post(
        reverse("admin:curation_contentitem_change", args=[item.pk]),
        item_form({"title": "Sales targets", "sensitivity": "business_sensitive"}, channel=public),
    )

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    item.refresh_from_db()
    assert item.sensitivity == Sensitivity.PUBLIC
    assert not Placement.objects.exists()


def test_admin_refuses_to_make_publicly_placed_item_sensitive(internal_client):
    item = PlacementFactory(item=ContentItemFactory(title="Team talk")).item
    placement = item.placements.get()
    data = item_form({"title": "Team talk", "sensitivity": "compliance"})
    data.update(inline_management(total=1, initial=1))
    data.update(
        {
            "placements-0-id": str(placement.pk),
            "placements-0-item": str(item.pk),
            "placements-0-channel": str(placement.channel_id),
            "placements-0-url": placement.url,
            "placements-0-is_reachable": "on",
        }
    )

    response = internal_client.post(reverse("admin:curation_contentitem_change", args=[item.pk]), data)

    assert response.status_code == 200
    assert "cannot become compliance while it is placed on public channels" in response.content.decode()
    item.refresh_from_db()
    assert item.sensitivity == Sensitivity.PUBLIC


def test_admin_refuses_to_make_channel_public_while_it_holds_sensitive_content(internal_client):
    private = ChannelFactory(name="Leaders only", visibility=Visibility.PRIVATE)
    PlacementFactory(item=ContentItemFactory(sensitivity=Sensitivity.BUSINESS_SENSITIVE), channel=private)

    response = internal_client.post(
        reverse("admin:channels_channel_change", args=[private.pk]),
        {
            "name": private.name,
            "platform": private.platform,
            "url": private.url,
            "ownership": private.ownership,
            "visibility": "public",
            "cost": "free",
            "metric_source": "clicks_only",
        },
    )

    assert response.status_code == 200
    assert "Leaders only cannot become public" in response.content.decode()
    private.refresh_from_db()
    assert private.visibility == Visibility.PRIVATE
