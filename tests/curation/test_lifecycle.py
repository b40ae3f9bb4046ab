"""An item's life: idea, in production, live, retired (with a reason, perhaps a successor)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from curation import services
from curation.models import ContentItem, Lifecycle
from tests.factories import ContentItemFactory, PlacementFactory, live_item

pytestmark = pytest.mark.django_db


def test_new_item_starts_as_an_idea():
    assert ContentItemFactory().lifecycle == Lifecycle.IDEA


def test_only_ideas_go_into_production():
    item = services.start_production(item=ContentItemFactory())
    assert item.lifecycle == Lifecycle.IN_PRODUCTION

    with pytest.raises(ValidationError, match="only ideas go into production"):
        services.start_production(item=item)


def test_item_goes_live_only_with_a_reachable_placement():
    item = ContentItemFactory(title="Desk stretches")

    with pytest.raises(ValidationError, match="“Desk stretches” has no reachable placement"):
        services.mark_live(item=item)

    PlacementFactory(item=item)
    item = services.mark_live(item=item, on=date(2026, 3, 2))
    assert (item.lifecycle, item.live_since) == (Lifecycle.LIVE, date(2026, 3, 2))


def test_retiring_records_reason_and_date():
    item = live_item(title="Old video")

    services.retire_item(item=item, reason="  Nobody watches past 20 seconds. ")

    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.RETIRED
    assert item.retired_reason == "Nobody watches past 20 seconds."
    assert item.retired_on == timezone.localdate()


def test_retiring_needs_a_reason():
    item = live_item()

    with pytest.raises(ValidationError) as refused:
        services.retire_item(item=item, reason="   ")

    assert refused.value.message_dict == {
        "retired_reason": ["Say why the item is retired: the next review reads it."]
    }
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.LIVE


def test_retiring_with_a_live_successor():
    old, new = live_item(title="Old"), live_item(title="New")

    services.retire_item(item=old, reason="Replaced", successor=new)

    old.refresh_from_db()
    assert old.successor == new
    assert list(new.predecessors.all()) == [old]


@pytest.mark.parametrize("lifecycle", [Lifecycle.IDEA, Lifecycle.IN_PRODUCTION, Lifecycle.RETIRED])
def test_successor_must_be_live(lifecycle):
    successor = live_item(title="Replacement")
    if lifecycle == Lifecycle.RETIRED:
        services.retire_item(item=successor, reason="Gone too")
    else:
        successor = ContentItemFactory(title="Replacement")
        if lifecycle == Lifecycle.IN_PRODUCTION:
            services.start_production(item=successor)

    with pytest.raises(ValidationError) as refused:
        services.retire_item(item=live_item(), reason="Replaced", successor=successor)

    assert "only a live item can replace a retired one" in refused.value.message_dict["successor"][0]


def test_item_cannot_succeed_itself():
    item = live_item()

    with pytest.raises(ValidationError, match="cannot succeed itself"):
        services.retire_item(item=item, reason="Loop", successor=item)


def test_retired_item_cannot_be_retired_again():
    item = services.retire_item(item=live_item(title="Gone"), reason="Old")

    with pytest.raises(ValidationError, match="“Gone” is already retired"):
        services.retire_item(item=item, reason="Again")


def test_bringing_a_retired_item_back_clears_its_retirement():
    item = services.retire_item(item=live_item(), reason="Old", successor=live_item())

    item = services.mark_live(item=item)

    item.refresh_from_db()
    assert (item.lifecycle, item.retired_on, item.retired_reason, item.successor) == (
        Lifecycle.LIVE,
        None,
        "",
        None,
    )


def test_database_refuses_a_retired_item_without_date_and_reason():
    item = ContentItemFactory()
    item.lifecycle = Lifecycle.RETIRED

    with pytest.raises(IntegrityError):
        item.save()


def test_admin_retire_action_asks_for_a_reason_first(internal_client):
    item = live_item(title="Spreadsheet tips")
    changelist = reverse("admin:curation_contentitem_changelist")

    confirm = internal_client.post(changelist, {"action": "retire", "_selected_action": [item.pk]})

    assert confirm.status_code == 200
    assert "You are retiring 1 item" in confirm.content.decode()
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.LIVE

    done = internal_client.post(
        changelist,
        {"action": "retire", "_selected_action": [item.pk], "apply": "Retire", "reason": "Outdated"},
        follow=True,
    )

    assert "Retired 1 item." in done.content.decode()
    item.refresh_from_db()
    assert (item.lifecycle, item.retired_reason) == (Lifecycle.RETIRED, "Outdated")


def test_admin_retire_action_explains_a_refused_successor(internal_client):
    item, retired = live_item(title="Keep me"), live_item(title="Already gone")
    services.retire_item(item=retired, reason="Old")

    response = internal_client.post(
        reverse("admin:curation_contentitem_changelist"),
        {
            "action": "retire",
            "_selected_action": [item.pk],
            "apply": "Retire",
            "reason": "Replaced",
            "successor": retired.pk,
        },
    )

    # Only live items are offered as successors: the form refuses before the service is asked.
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.LIVE


def test_admin_mark_live_action_reports_items_it_could_not_put_live(internal_client):
    ready = PlacementFactory(item=ContentItemFactory(title="Ready")).item
    unplaced = ContentItemFactory(title="Unplaced")

    response = internal_client.post(
        reverse("admin:curation_contentitem_changelist"),
        {"action": "mark_live", "_selected_action": [ready.pk, unplaced.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Put live 1 item." in page
    assert "“Unplaced” has no reachable placement" in page
    assert ContentItem.objects.get(title="Ready").lifecycle == Lifecycle.LIVE
    assert ContentItem.objects.get(title="Unplaced").lifecycle == Lifecycle.IDEA
