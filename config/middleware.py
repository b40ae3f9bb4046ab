"""Request checks that belong to no one view."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from config import logging_context


class RequestIdMiddleware:
    """Every log line written while a request is handled carries its id (request_id), and the
    response says it (X-Request-ID), so an operator can go from a user's report to the lines.

    A proxy in front (nginx's $request_id, a load balancer's) may send its own id, and then
    its logs and ours share it; one that is too long or holds more than letters, digits, '-',
    '_' and '.' is replaced with a fresh one, since it is written on every line. Tasks queued
    while the request runs carry the id on (config/celery.py).
    """

    HEADER = "X-Request-ID"
    SANE = re.compile(r"[A-Za-z0-9._-]{8,64}")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(self.HEADER, "")
        request_id = offered if self.SANE.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id  # for the line Django writes after the response (ContextFilter)
        with logging_context.bound(request_id=request_id):
            response = self.get_response(request)
        response[self.HEADER] = request_id
        return response


class RefuseNulCharactersMiddleware:
    """A 400 for an address holding a NUL character (%00), before any view reads it.

    No page takes one, and PostgreSQL refuses NUL in text: without this, an admin filter or
    change page handed `?status=%00` would fail with a 500 instead of saying what is wrong.
    Forms refuse NUL in what is posted already, beside the field.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in name or any("\x00" in value for value in values) for name, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "This address contains a NUL character (%00), which no page here accepts.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class EmployeeLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for employees' pages; the curators' pages stay in English.

    A visitor gets the language they picked in the switcher (Django's language cookie), else the
    first of their browser's Accept-Language that we have. A page that knows whose it is (/me/,
    an unsubscribe link) then switches to that person's stored language (campaigns.languages).
    The admin and sign-in are written in English only: a French browser would otherwise get
    Django's own French around our English. So is the quiz for learning and development teams,
    whose questions are not translated: its pages say lang="en-gb" rather than claim French.
    """

    ENGLISH_ONLY_PREFIXES = ("/admin/", "/accounts/", "/quiz/")

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(self.ENGLISH_ONLY_PREFIXES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
            request.language_is_fixed = True  # base.html offers no switcher that could not switch
            return
        super().process_request(request)
