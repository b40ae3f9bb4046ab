"""The employee front door: public, mobile-first, and complete without JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from curation import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {"whats_new": selectors.new_this_week(), "channels": selectors.recommended_channels()},
    )
