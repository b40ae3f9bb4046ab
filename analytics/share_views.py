"""The weekly review shared read-only: /review/shared/<token>/, for people without an admin login.

The view reads the link and the week, asks analytics.sharing, and renders. Every answer it gives,
the "not available" page included, is kept out of caches and search engines and sends no Referer
to another site (the token is in the address).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_ratelimit.core import is_ratelimited

from analytics import privacy, sharing
from analytics.models import ReviewSection
from analytics.review.figures import ENGAGEMENT_MEANS, VIEWS_MEANS
from analytics.review.suggestions import RARELY_USEFUL_MIN_VOTES, RARELY_USEFUL_SHARE
from analytics.review.weeks import iso_week_label, parse_iso_week

UNLOCKED = "review_shares_unlocked"  # shares this browser gave the right password for
COUNTED = "review_shares_counted"  # shares this browser's opening has been counted for
TOO_MANY = gettext_noop("Too many wrong passwords. Try again in a quarter of an hour.")


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """No cache keeps it, no search engine lists it, no Referer carries its address to another site."""

    @functools.wraps(view)
    def kept_private(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)  # Cache-Control: ... no-store ...
        response["X-Robots-Tag"] = "noindex, nofollow"
        # Same-origin, not no-referrer: every page here posts back to us (the password form, the
        # language switcher), and a browser sends such a POST's Origin as "null" under no-referrer,
        # which the CSRF check refuses. Our own server has the token already; no other site gets it.
        response["Referrer-Policy"] = "same-origin"
        return response

    return kept_private


def _password_limits(share_id: int) -> tuple[tuple[str, str | Callable, str], ...]:
    """Tries at the password per browser's address for this link, and for this link from everywhere."""
    return (
        (f"review-share-password:{share_id}", "ip", settings.REVIEW_SHARE_PASSWORD_RATE),
        (
            "review-share-password-all",
            lambda group, request: str(share_id),
            settings.REVIEW_SHARE_PASSWORD_CEILING,
        ),
    )


def _too_many_tries(request: HttpRequest, share_id: int) -> bool:
    """Count this try at the password; True, and check nothing, once a limit is over. Right tries
    count too: a stakeholder types it once, and then the session remembers."""
    return any(
        is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
        for group, key, rate in _password_limits(share_id)
    )


def _not_available(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/shared_review_not_available.html", status=404)


def _ask_password(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "analytics/shared_review_password.html", {"error": error}, status=status)


@private
def shared_review(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    unlocked = request.session.get(UNLOCKED, [])
    if request.method == "POST":
        share = sharing.live_share(token)
        if share is None:
            return _not_available(request)
        if _too_many_tries(request, share.pk):
            return _ask_password(
                request, _("Too many wrong passwords. Try again in a quarter of an hour."), 429
            )
        opening = sharing.open_share(token=token, password=request.POST.get("password", ""))
        if opening.outcome is sharing.Outcome.WRONG_PASSWORD:
            return _ask_password(request, _("That is not the password for this link."), 403)
        if opening.outcome is sharing.Outcome.OPEN:
            # A new session key on the way in, as a sign-in does: a planted cookie learns nothing.
            request.session.cycle_key()
            request.session[UNLOCKED] = [*unlocked, share.pk]
        return redirect(request.path)

    opening = sharing.open_share(token=token, unlocked=unlocked)
    if opening.outcome is sharing.Outcome.NOT_AVAILABLE:
        return _not_available(request)
    if opening.outcome is sharing.Outcome.NEEDS_PASSWORD:
        return _ask_password(request)
    share = opening.share
    counted = request.session.get(COUNTED, [])
    if share.pk not in counted and request.method == "GET":  # a link checker's HEAD shows nobody the page
        sharing.record_opening(share=share)
        request.session[COUNTED] = [*counted, share.pk]

    weeks = sharing.shared_weeks()
    week, problem = weeks[0], ""
    asked = request.GET.get("week")
    if asked:
        try:
            chosen = parse_iso_week(asked)
        except ValueError:
            chosen = None
        if chosen in weeks:
            week = chosen
        else:
            problem = _(
                "“%(week)s” is not one of the weeks this link shows: showing the last complete week."
            ) % {"week": asked}
    shared = sharing.shared_review(sections=share.sections, week=week)
    context = {
        "share": share,
        "shared": True,
        "shared_review": shared,
        "review": shared.review,
        "weeks": [iso_week_label(w) for w in weeks],
        "problem": problem,
        "sections": ReviewSection,
        "privacy_method": privacy.METHOD,
        "engagement_means": ENGAGEMENT_MEANS,
        "views_means": VIEWS_MEANS,
        "rarely_useful_share": f"{RARELY_USEFUL_SHARE:.0%}",
        "rarely_useful_votes": RARELY_USEFUL_MIN_VOTES,
        "rows": shared.decisions,
        "payoff": shared.payoff,
    }
    return render(request, "analytics/shared_review.html", context)
