"""Lists and pickers that name people or related rows cost the same number of queries for a few
rows or many: curators' names, placements' items and channels, sync runs' channels."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from analytics.models import Source, SyncRun, SyncStatus
from campaigns.models import ContactAccessAction, ContactAccessLog
from curation.roles import INTERNAL_CURATOR
from tests.factories import ContentItemFactory, YouTubeChannelFactory, live_item

pytestmark = pytest.mark.django_db


def curators(django_user_model, count: int, start: int) -> list:
    from django.contrib.auth.models import Group

    people = []
    for n in range(start, start + count):
        person = django_user_model.objects.create_user(
            username=f"curator{n}", first_name=f"Curator{n}", last_name="Example", is_staff=True
        )
        person.groups.add(Group.objects.get(name=INTERNAL_CURATOR))
        people.append(person)
    return people


def items_owned(people: list) -> None:
    for person in people:
        ContentItemFactory(owner=person)
        ContactAccessLog.objects.create(user=person, action=ContactAccessAction.VIEWED, subscriber_count=1)


def runs(count: int) -> None:
    for n in range(count):
        SyncRun.objects.create(
            source=Source.YOUTUBE,
            channel=YouTubeChannelFactory(),
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 2 + n % 20),
            status=SyncStatus.FAILED,
            error="YouTube said no",
            finished_at="2026-11-03T10:00:00Z",
        )


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:curation_contentitem_changelist"),
        reverse("admin:campaigns_contactaccesslog_changelist"),
        reverse("admin:analytics_syncrun_changelist"),
        reverse("admin:autocomplete")
        + "?app_label=campaigns&model_name=campaign&field_name=placements&term=",
        reverse("admin:autocomplete")
        + "?app_label=analytics&model_name=dailymetric&field_name=placement&term=",
    ],
)
def test_lists_and_pickers_do_not_query_per_row(
    internal_client, django_user_model, django_assert_max_num_queries, url
):
    items_owned(curators(django_user_model, 3, start=0))
    runs(3)
    for _ in range(3):
        live_item()
    with django_assert_max_num_queries(25) as few:
        assert internal_client.get(url).status_code == 200

    items_owned(curators(django_user_model, 15, start=3))
    runs(15)
    for _ in range(15):
        live_item()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert internal_client.get(url).status_code == 200
