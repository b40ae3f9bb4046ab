"""Public sign-up pages: /join/, the code, the email link and the invited sign-up. No login, no JavaScript.

Each shows what a person typed or what an import knew of them, so none is cached (never_cache)."""

from __future__ import annotations

import dataclasses

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from campaigns import ratelimits, signup, tasks
from campaigns.forms.signup import CodeForm, SignupForm
from campaigns.languages import greet_in, visitor_language
from campaigns.links import account_url
from campaigns.models import Medium, Subscriber
from campaigns.signup_sessions import PENDING_KEY, PENDING_LIFETIME, START_KEY


@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    if not signup.is_open():
        return render(request, "campaigns/signup/closed.html")
    return _signup_form(request, invitee=None)


@never_cache
@require_http_methods(["GET", "POST"])
def invited(request: HttpRequest, token: str) -> HttpResponse:
    invitee = signup.invitee_for_link(token)
    if invitee is None:
        return render(
            request,
            "campaigns/signup/bad_link.html",
            {"link": "invitation", "signup_open": signup.is_open()},
            status=404,
        )
    greet_in(request, invitee.language)
    return _signup_form(request, invitee=invitee)


def _signup_form(request: HttpRequest, *, invitee: Subscriber | None) -> HttpResponse:
    # The language question starts at the language the page is in: the visitor's choice or browser's.
    initial = {**(SignupForm.initial_for(invitee) if invitee else {}), "language": visitor_language(request)}
    form = SignupForm(_posted(request), invited=invitee is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        details = form.details()
        if details.wants_code and not ratelimits.may_send_code(request, phone=details.phone):
            return _too_many(request)
        if details.wants_email and not ratelimits.may_send_link(request, email=details.email):
            return _too_many(request)
        # No query and no write here, whoever the addresses belong to: the task does both.
        earlier = signup.PendingSignup.from_session(request.session.get(PENDING_KEY))
        pending = signup.PendingSignup.begin(details)
        sign_up = signup.SignupRequest.for_pending(details, pending, replaces=earlier)
        tasks.start_signup.delay(**sign_up.as_task_kwargs())
        request.session[PENDING_KEY] = pending.to_session()
        request.session[START_KEY] = request.path
        if not request.user.is_authenticated:
            # A visitor's session is the sign-up: it ends when the code does.
            request.session.set_expiry(int(PENDING_LIFETIME.total_seconds()))
        return redirect("campaigns:join-confirm")
    context = {"form": form, "invited": invitee is not None, "consent_text": signup.CONSENT_TEXT_TEMPLATE}
    return render(request, "campaigns/signup/join.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_phone(request: HttpRequest) -> HttpResponse:
    pending = signup.PendingSignup.from_session(request.session.get(PENDING_KEY))
    form = CodeForm(_posted(request))
    if request.method == "POST" and pending and pending.code_reference:
        if not ratelimits.may_try_code(request):
            return _too_many(request)
        if form.is_valid():
            try:
                subscriber = signup.confirm_code(
                    code_reference=pending.code_reference,
                    code=form.cleaned_data["code"],
                    choices=pending.choices,
                )
            except signup.CodeRejected as rejected:
                form.add_error("code", rejected.message)
            else:
                _forget_code(request, pending)
                return _done(request, subscriber, Medium.SMS, email_pending=pending.emailed)
    context = {"pending": pending, "form": form, "start_url": _start_url(request)}
    return render(request, "campaigns/signup/confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = signup.subscriber_for_email_link(token)
    if subscriber is None:
        return render(request, "campaigns/signup/bad_link.html", {"link": "email"}, status=404)
    # Mail scanners follow links: only the button, a POST, confirms.
    if request.method == "POST":
        pending = signup.PendingSignup.from_session(request.session.get(PENDING_KEY))
        choices = pending.choices_for(subscriber) if pending else None
        signup.confirm_email(subscriber=subscriber, choices=choices)
        if choices is not None and not pending.code_reference:
            _forget_signup(request)
        return _done(request, subscriber, Medium.EMAIL, email_pending=False)
    return render(request, "campaigns/signup/confirm_email.html")


def _posted(request: HttpRequest) -> QueryDict | None:
    """Bound on every POST, even an empty one, so it is validated and its errors shown."""
    return request.POST if request.method == "POST" else None


def _forget_code(request: HttpRequest, pending: signup.PendingSignup) -> None:
    """The code is spent; the choices stay only while an email link may still apply them."""
    if pending.emailed:
        request.session[PENDING_KEY] = dataclasses.replace(pending, code_reference="").to_session()
    else:
        _forget_signup(request)


def _forget_signup(request: HttpRequest) -> None:
    """Done: nothing the person typed, nor their invitation link, stays in the session."""
    request.session.pop(PENDING_KEY, None)
    request.session.pop(START_KEY, None)


def _start_url(request: HttpRequest) -> str:
    return request.session.get(START_KEY) or reverse("campaigns:join")


def _done(request: HttpRequest, subscriber: Subscriber, medium: str, *, email_pending: bool) -> HttpResponse:
    context = {"medium": medium, "email_pending": email_pending, "account_url": account_url(subscriber)}
    return render(request, "campaigns/signup/done.html", context)


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(
        request, "campaigns/signup/too_many.html", {"message": ratelimits.TOO_MANY_MESSAGE}, status=429
    )
    response["Retry-After"] = "3600"
    return response
