"""The employee's own page (/me/) and the unsubscribe link (/u/): no login, the signed link is the key.

Every page here shows or changes one person's details: never_cache keeps it out of browser and
proxy caches (Cache-Control: no-store), so a shared phone or office proxy does not replay it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import consent, preferences
from campaigns.forms.account import PreferencesForm
from campaigns.models import Medium, Subscriber


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/account/not_found.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = preferences.subscriber_for_account_link(token)
    if subscriber is None:
        return _not_found(request)
    action = request.POST.get("action", "")
    if action == "erase":
        return render(request, "campaigns/account/erase_confirm.html")
    if action == "erase_confirmed":
        consent.erase_subscriber(subscriber=subscriber)
        return render(request, "campaigns/account/erased.html")
    notice = ""
    if action in ("stop_sms", "stop_email"):
        medium = Medium.SMS if action == "stop_sms" else Medium.EMAIL
        preferences.stop_from_account_page(subscriber=subscriber, medium=medium)
        notice = f"Done: we will not send you {'texts' if medium == Medium.SMS else 'emails'} any more."
    form = PreferencesForm(
        request.POST if action == "save" else None, initial=PreferencesForm.initial_for(subscriber)
    )
    if action == "save" and form.is_valid():
        preferences.update_preferences(subscriber=subscriber, **form.cleaned_data)
        notice = "Saved. Your choices apply to the next message we send."
    return _account_page(request, subscriber, form, notice)


def _account_page(
    request: HttpRequest, subscriber: Subscriber, form: PreferencesForm, notice: str
) -> HttpResponse:
    context = {
        "subscriber": subscriber,
        "held": preferences.held_media(subscriber),
        "topics": list(subscriber.topics.all()),
        "form": form,
        "notice": notice,
    }
    return render(request, "campaigns/account/account.html", context)


# Mail providers POST "List-Unsubscribe=One-Click" with no cookies and no CSRF token (RFC 8058).
@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = preferences.unsubscribe_link(token)
    if found is None:
        return _not_found(request)
    subscriber, medium = found
    context = {"medium_name": "texts" if medium == Medium.SMS else "emails"}
    if request.method == "GET":
        # Mail scanners follow links: a GET only asks.
        return render(request, "campaigns/account/unsubscribe_confirm.html", context)
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    preferences.stop_from_unsubscribe_link(subscriber=subscriber, medium=medium, one_click=one_click)
    return render(request, "campaigns/account/unsubscribed.html", context)
