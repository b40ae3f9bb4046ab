"""/metrics for Prometheus: a bearer token, optionally an address allowlist, never cached.

Unset METRICS_TOKEN answers 404: a deployment that has not chosen to publish metrics shows nothing,
not even that the address exists. With a token, a missing or wrong one is a 401 carrying
WWW-Authenticate: Prometheus's target page then says "401 Unauthorized", which tells an operator
the token is the problem where a 404 would send them looking for a wrong path. The figures are no
one's personal data, but they show an organisation's activity (how many texts, how many clicks),
so they are never public by default.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from ops.collector import exposition


def bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_matches(given: str, expected: str) -> bool:
    # compare_digest: the time taken does not tell a caller how much of the token was right.
    return hmac.compare_digest(given.encode(), expected.encode())


def address_allowed(request: HttpRequest) -> bool:
    """REMOTE_ADDR within METRICS_ALLOWED_NETWORKS, when that is set. The connection's own address:
    a forwarded header is the caller's to write."""
    if not settings.METRICS_ALLOWED_NETWORKS:
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404("No metrics here.")
    if not address_allowed(request):
        return HttpResponse("Not from this address.\n", status=403, content_type="text/plain; charset=utf-8")
    if not token_matches(bearer_token(request), settings.METRICS_TOKEN):
        response = HttpResponse(
            "A bearer token is needed (METRICS_TOKEN).\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
