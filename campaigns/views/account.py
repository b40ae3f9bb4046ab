"""The employee's own page (/me/) and the unsubscribe link (/u/): no login, the signed link is the key.

Every page here shows or changes one person's details: never_cache keeps it out of browser and
proxy caches (Cache-Control: no-store), so a shared phone or office proxy does not replay it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import consent, leaving, preferences, wishes
from campaigns.forms.account import ACCOUNT_MEDIA_CHOICES, PreferencesForm
from campaigns.forms.voice import LeaveReasonForm, WishForm
from campaigns.languages import speak_to
from campaigns.models import MediaPreference, Medium, Subscriber
from curation.models import WishSource

LEAVE_THANKS = gettext_lazy("Thank you for telling us.")
STOPPED_NOTICE = {
    Medium.SMS: gettext_lazy("Done: we will not send you texts any more."),
    Medium.WHATSAPP: gettext_lazy("Done: we will not send you WhatsApp messages any more."),
    Medium.EMAIL: gettext_lazy("Done: we will not send you emails any more."),
}


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/account/not_found.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = preferences.subscriber_for_account_link(token)
    if subscriber is None:
        return _not_found(request)
    speak_to(request, subscriber.language)
    action = request.POST.get("action", "")
    if action == "erase":
        return render(request, "campaigns/account/erase_confirm.html")
    if action == "erase_confirmed":
        consent.erase_subscriber(subscriber=subscriber)
        return render(request, "campaigns/account/erased.html")
    notice = ""
    stopped = ""
    if action in ("stop_sms", "stop_email", "stop_whatsapp"):
        stopped = Medium(action.removeprefix("stop_"))
        preferences.stop_from_account_page(subscriber=subscriber, medium=stopped)
        notice = STOPPED_NOTICE[stopped]
    if action == "leave_reason":
        reason_form = LeaveReasonForm(request.POST)
        if reason_form.is_valid() and reason_form.cleaned_data["reason"]:
            leaving.record_leave_reason(
                subscriber=subscriber,
                medium=request.POST.get("medium", ""),
                reason=reason_form.cleaned_data["reason"],
            )
        notice = LEAVE_THANKS
    wish_form = WishForm(request.POST if action == "wish" else None)
    if action == "wish" and wish_form.is_valid():
        if wishes.may_send_wish(request):
            wishes.send_wish(text=wish_form.cleaned_data["text"], source=WishSource.OWN_PAGE)
            messages.success(request, wishes.THANKS, extra_tags="wish")
            return redirect(f"{request.path}#wish")
        wish_form.add_error(None, wishes.TOO_MANY_WISHES)
    form = PreferencesForm(
        request.POST if action == "save" else None,
        initial=PreferencesForm.initial_for(subscriber),
        subscriber=subscriber,
    )
    if action == "save" and form.is_valid():
        preferences.update_preferences(subscriber=subscriber, **form.cleaned_data)
        # A new language shows at once, from this confirmation on.
        speak_to(request, subscriber.language)
        notice = gettext("Saved. Your choices apply to the next message we send.")
    context = {
        "subscriber": subscriber,
        "held": preferences.held_media(subscriber),
        "topics": list(subscriber.topics.all()),
        "form": form,
        "wish_form": wish_form,
        "notice": notice,
        "language_name": dict(settings.LANGUAGES).get(subscriber.language, subscriber.language),
        "media_name": _media_name(subscriber),
    }
    if stopped and leaving.may_ask(subscriber, stopped):
        context |= {"reason_form": LeaveReasonForm(), "medium": stopped}
    return render(request, "campaigns/account/account.html", context)


def _media_name(subscriber: Subscriber) -> str:
    """How we reach them, in the page's language (the model's labels are the curators' English)."""
    names = dict(ACCOUNT_MEDIA_CHOICES) | {MediaPreference.ALL: gettext_lazy("Texts, WhatsApp and emails")}
    return str(names.get(subscriber.preferred_media, subscriber.get_preferred_media_display()))


# Mail providers POST "List-Unsubscribe=One-Click" with no cookies and no CSRF token (RFC 8058).
@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = preferences.unsubscribe_link(token)
    if found is None:
        return _not_found(request)
    subscriber, medium = found
    speak_to(request, subscriber.language)
    context = {"medium": medium}
    if request.method == "GET":
        # Mail scanners follow links: a GET only asks.
        return render(request, "campaigns/account/unsubscribe_confirm.html", context)
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    preferences.stop_from_unsubscribe_link(subscriber=subscriber, medium=medium, one_click=one_click)
    if leaving.may_ask(subscriber, medium):
        context |= {"token": token, "reason_form": LeaveReasonForm()}
    return render(request, "campaigns/account/unsubscribed.html", context)


@never_cache
@require_http_methods(["POST"])
def leave_reason(request: HttpRequest, token: str) -> HttpResponse:
    """The optional answer after unsubscribing: thanked alike whether it counted or not (a replay)."""
    found = preferences.unsubscribe_link(token)
    if found is None:
        return _not_found(request)
    subscriber, medium = found
    speak_to(request, subscriber.language)
    answered = request.POST.get("action") == "leave_reason"
    reason_form = LeaveReasonForm(request.POST)
    if answered and reason_form.is_valid() and reason_form.cleaned_data["reason"]:
        reason = reason_form.cleaned_data["reason"]
        leaving.record_leave_reason(subscriber=subscriber, medium=medium, reason=reason)
    context = {"medium": medium, "notice": LEAVE_THANKS if answered else ""}
    return render(request, "campaigns/account/unsubscribed.html", context)
