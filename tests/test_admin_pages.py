"""Every admin page opens, and list pages cost the same number of queries for 5 rows or 50."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from curation import services
from tests.factories import ContentItemFactory, PlacementFactory, TopicFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


def build_catalogue(count: int) -> None:
    topics = [TopicFactory(), TopicFactory()]
    for n in range(count):
        item = ContentItemFactory(topics=topics)
        placement = PlacementFactory(item=item)
        PlacementFactory(item=item, channel=placement.channel, url=f"{placement.channel.url}extra/{n}/")
        if n % 2:
            services.mark_live(item=item)


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_changelist_and_add_form_open(admin_client, app_label, model_name):
    build_catalogue(2)

    changelist = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    add = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))

    assert changelist.status_code == 200
    assert add.status_code in (200, 403)  # Some third-party models are read-only.


@pytest.mark.parametrize("model_name", ["contentitem", "placement", "topic"])
def test_change_form_and_history_open(admin_client, model_name):
    build_catalogue(1)
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
    obj = model.objects.first()

    assert admin_client.get(reverse(f"admin:curation_{model_name}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"admin:curation_{model_name}_history", args=[obj.pk])).status_code == 200


def test_channel_change_form_opens(admin_client):
    build_catalogue(1)
    channel = PlacementFactory().channel

    assert admin_client.get(reverse("admin:channels_channel_change", args=[channel.pk])).status_code == 200


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:curation_contentitem_changelist",
        "admin:curation_placement_changelist",
        "admin:curation_topic_changelist",
        "admin:channels_channel_changelist",
    ],
)
def test_list_pages_do_not_query_per_row(internal_client, django_assert_max_num_queries, url_name):
    build_catalogue(5)
    with django_assert_max_num_queries(20) as few_rows:
        internal_client.get(reverse(url_name))

    build_catalogue(45)
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        response = internal_client.get(reverse(url_name))

    assert response.status_code == 200


def test_item_list_filters_by_platform_stage_sensitivity_lifecycle_and_topic(internal_client):
    build_catalogue(2)
    page = internal_client.get(reverse("admin:curation_contentitem_changelist")).content.decode()

    for heading in ("By lifecycle", "By learner power stage", "By sensitivity", "By platform", "By topics"):
        assert heading in page
