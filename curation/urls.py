"""The employee front door and the public feed."""

from __future__ import annotations

from django.urls import path

from curation import feeds, views

urlpatterns = [
    path("", views.home, name="home"),
    path("feed.xml", feeds.LivePublicContentFeed(), name="feed"),
]
