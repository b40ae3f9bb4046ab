"""`manage.py load_demo` builds a believable programme, and running it again changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from campaigns.models import ConsentEvent, ConsentState, Subscriber
from channels.models import Channel
from curation.models import ContentItem, Lifecycle, Placement, Stage
from curation.roles import AGENCY_CURATOR, INTERNAL_CURATOR

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[int, ...]:
    return (
        Channel.objects.count(),
        ContentItem.objects.count(),
        Placement.objects.count(),
        get_user_model().objects.count(),
        Subscriber.objects.count(),
        ConsentEvent.objects.count(),
    )


def test_demo_is_a_believable_programme_and_loads_twice_without_change(settings, capsys):
    settings.DEBUG = True

    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")

    assert snapshot() == first
    channels, items, placements, _, subscribers, _ = first
    assert channels >= 8 and items >= 40 and placements >= 30
    assert len(set(Channel.objects.values_list("platform", flat=True))) >= 8
    assert set(ContentItem.objects.values_list("stage", flat=True)) == set(Stage.values)
    by_lifecycle = dict(ContentItem.objects.values_list("lifecycle").annotate(n=Count("id")))
    assert set(by_lifecycle) == set(Lifecycle.values)
    assert subscribers >= 50
    assert set(Subscriber.objects.values_list("sms_state", flat=True)) == set(ConsentState.values)
    output = capsys.readouterr().out
    assert "username 'curator', password 'learn-socially-demo'" in output


def test_demo_logins_belong_to_each_role(settings, client):
    settings.DEBUG = True
    call_command("load_demo")

    for username, role in (("curator", INTERNAL_CURATOR), ("agency", AGENCY_CURATOR)):
        user = get_user_model().objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert client.login(username=username, password="learn-socially-demo")


def test_demo_refuses_to_load_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="published password"):
        call_command("load_demo")

    assert snapshot() == (0, 0, 0, 0, 0, 0)
