"""Every admin changelist and history page answers odd filters and ids with a page or a refusal, never a 500.

PostgreSQL refuses NUL characters and numbers past bigint where SQLite shrugs, so these run on PostgreSQL.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib import admin
from django.db import models, transaction
from django.urls import reverse

pytestmark = pytest.mark.django_db

HUGE = "9" * 23  # past PostgreSQL's bigint
NUL = "\x00"
ODD_VALUES = [HUGE, "x" + NUL]


def admin_pages() -> list[tuple[str, list[str]]]:
    """Each registered model's changelist address, and the query parameters its filters read."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        names = []
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, str):
                names.append(list_filter)
            elif isinstance(list_filter, tuple):
                names.append(list_filter[0])
            else:
                names.append(list_filter.parameter_name)
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey | models.ManyToManyField):
                names += [f"{field.name}__id__exact", f"{field.name}__id__in"]
        meta = model._meta
        pages.append((reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"), names))
    return pages


def undone_get(client, url: str):
    """One request whose writes (a session, a log row) are rolled back, so one 500 cannot spoil the next."""
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    return response


def server_errors(client, urls: list[str]) -> list[str]:
    found = []
    for url in urls:
        response = undone_get(client, url)
        if response.status_code >= 500:
            found.append(f"{url} -> {response.status_code} {response.exc_info[1]!r}")
    return found


@pytest.fixture
def superuser_client(admin_client):
    admin_client.raise_request_exception = False
    return admin_client


def test_no_changelist_filter_answers_odd_values_with_a_server_error(superuser_client):
    urls = []
    for changelist, names in admin_pages():
        for name in [*names, "q", "o", "p"]:
            urls += [f"{changelist}?{quote(name)}={quote(value)}" for value in ODD_VALUES]

    assert server_errors(superuser_client, urls) == []


def test_no_change_or_history_page_answers_an_odd_id_with_a_server_error(superuser_client):
    urls = []
    for changelist, _names in admin_pages():
        for odd_id in [HUGE, "-1", "abc", quote("x" + NUL)]:
            urls += [f"{changelist}{odd_id}/change/", f"{changelist}{odd_id}/history/"]

    assert server_errors(superuser_client, urls) == []


def test_an_unknown_invited_filter_is_refused_as_a_wrong_query(superuser_client):
    response = superuser_client.get(reverse("admin:campaigns_subscriber_changelist"), {"invited": "thrice"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_history_page_for_an_id_that_is_no_id_is_not_found(superuser_client):
    response = superuser_client.get("/admin/channels/channel/abc/history/")

    assert response.status_code == 404


def test_a_nul_character_in_an_address_is_refused_with_a_reason(superuser_client):
    response = superuser_client.get(reverse("admin:curation_contentitem_changelist"), {"stage": NUL})

    assert response.status_code == 400
    assert "NUL character (%00)" in response.content.decode()
