"""The weekly review dashboard, under the admin's login: /admin/review/ and its CSV downloads."""

from __future__ import annotations

from django.urls import path, re_path

from analytics import views

app_name = "review"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("csv/<slug:table>/", views.download_csv, name="csv"),
    re_path(r"^(?P<week>\d{4}-[Ww]\d{2})/$", views.dashboard, name="week"),
]
