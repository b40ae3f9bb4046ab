"""The weekly review dashboard, under the admin's login: /admin/review/, its CSV downloads, and past
decisions with whether they worked."""

from __future__ import annotations

from django.urls import path, re_path

from analytics import outcome_views, views

app_name = "review"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("csv/<slug:table>/", views.download_csv, name="csv"),
    path("decisions/", outcome_views.decisions, name="decisions"),
    path("decisions/csv/", outcome_views.decisions_csv, name="decisions_csv"),
    re_path(r"^(?P<week>\d{4}-[Ww]\d{2})/$", views.dashboard, name="week"),
]
