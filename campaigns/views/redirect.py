"""/l/<token>: the tracked link in every text and email. Fast, anonymous, and never an open redirect."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from campaigns.tracking import record_click, redirect_target

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "HEAD"])
def follow_link(request: HttpRequest, token: str) -> HttpResponse:
    target = redirect_target(token)
    if target is None:
        raise Http404("No such link.")
    # META directly: request.headers would build a dict of every header on each click.
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    address = request.META.get(settings.RATELIMIT_IP_META_KEY or "REMOTE_ADDR", "")
    try:
        record_click(
            token=token, method=request.method, user_agent=user_agent, client=f"{address}|{user_agent}"
        )
    except redis.RedisError:
        # A lost count is better than a broken link in an employee's hand.
        logger.warning("Click on a tracked link not counted: Redis did not answer")
    response = HttpResponseRedirect(target)
    # Every click must reach us to be counted, and the destination need not learn our token.
    response["Cache-Control"] = "no-store, max-age=0"
    response["Referrer-Policy"] = "no-referrer"
    return response
