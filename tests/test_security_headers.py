"""Every response carries a Content-Security-Policy and a Permissions-Policy: pages, redirects,
404s, the admin, the feed and employees' own pages alike."""

from __future__ import annotations

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.template import engines
from django.urls import reverse

from campaigns.links import account_url, unsubscribe_url
from campaigns.models import Campaign, ConsentState, Medium
from campaigns.tracking import tracked_link_for
from tests.factories import ContentItemFactory, SubscriberFactory, live_item
from tests.helpers import path_of
from tests.processes import run_python

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = (part.strip().split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parsed}


def permissions(response) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in response.headers["Permissions-Policy"].split(","))


def assert_both_headers(response) -> None:
    policy = directives(response)
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    allowed = permissions(response)
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "bluetooth", "serial"):
        assert allowed[feature] == "()", feature


def test_public_pages_redirects_and_errors_carry_both_headers(client):
    employee = SubscriberFactory(sms=ConsentState.SUBSCRIBED, email_consent=ConsentState.SUBSCRIBED)
    campaign = Campaign.objects.create(name="Feedback week", slug="feedback-week")
    link = tracked_link_for(
        campaign=campaign, medium=Medium.SMS, placement=live_item(title="Giving feedback").placements.get()
    )
    expected = {
        "/": 200,
        "/join/": 200,
        "/quiz/": 200,
        "/feed.xml": 200,
        "/healthz": 200,
        path_of(account_url(employee)): 200,
        path_of(unsubscribe_url(employee, Medium.EMAIL)): 200,
        "/me/not-a-token/": 404,
        "/no-such-page/": 404,
        f"/l/{link.token}": 302,
        "/admin/": 302,
        "/join": 301,
    }
    for path, status in expected.items():
        response = client.get(path)
        assert response.status_code == status, path
        assert_both_headers(response)


def test_admin_pages_carry_both_headers(admin_client):
    item = ContentItemFactory()
    for path in (
        reverse("admin:index"),
        reverse("admin:curation_contentitem_changelist"),
        reverse("admin:curation_contentitem_change", args=[item.pk]),
        reverse("admin:curation_contentitem_history", args=[item.pk]),
        reverse("admin:campaigns_campaign_add"),
        "/admin/review/",
    ):
        response = admin_client.get(path, follow=True)
        assert response.status_code == 200, path
        assert_both_headers(response)


def test_an_inline_script_may_run_only_with_the_requests_nonce(rf):
    """The nonce a template reads is the one the header names, and it changes every request."""
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">1</script>')

    def page(request):
        return HttpResponse(template.render({}, request))

    nonces = []
    for _ in range(2):
        response = CSPMiddleware(page)(rf.get("/"))
        nonce = response.content.decode().split('"')[1]
        assert f"'nonce-{nonce}'" in directives(response)["script-src"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_the_sign_in_providers_origin_may_receive_forms_when_one_is_configured():
    shown = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])",
        {"OIDC_SERVER_URL": "https://login.acme-learning.example/realms/staff/"},
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "[\"'self'\", 'https://login.acme-learning.example']"
