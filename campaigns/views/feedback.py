"""/f/<token>/: an email's "Useful" / "Not for me" button. No login: the signed link is the key.

A GET only asks (mail scanners and link previews follow every link in an email); the POST counts,
once per person per placement in that email, and a bot's POST is counted apart.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import feedback
from campaigns.languages import speak_to
from campaigns.tracking import is_bot


# No CSRF token: the signed link is the only credential and no cookie is involved, so a forged
# cross-site POST would need the link itself; mail apps' in-app browsers that refuse cookies
# would otherwise fail the button.
@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def vote(request: HttpRequest, token: str) -> HttpResponse:
    found = feedback.email_vote(token)
    if found is None:
        return render(request, "campaigns/feedback/not_found.html", status=404)
    speak_to(request, found.language)
    context = {"vote": found}
    if request.method != "POST":
        return render(request, "campaigns/feedback/confirm.html", context)
    bot = is_bot(method=request.method, user_agent=request.headers.get("User-Agent", ""))
    counted = feedback.vote_by_email(found=found, bot=bot)
    context["message"] = feedback.COUNTED if counted else feedback.ALREADY_COUNTED
    return render(request, "campaigns/feedback/thanks.html", context)
