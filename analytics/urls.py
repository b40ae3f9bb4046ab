"""The weekly review dashboard, under the admin's login: /admin/review/, its CSV downloads, the
meeting room with its minutes, and past decisions with whether they worked."""

from __future__ import annotations

from django.urls import path, re_path

from analytics import meeting_views, outcome_views, views

app_name = "review"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("csv/<slug:table>/", views.download_csv, name="csv"),
    path("meetings/start/", meeting_views.start_meeting, name="start_meeting"),
    path("meetings/<int:meeting_id>/", meeting_views.meeting_room, name="meeting"),
    path("meetings/<int:meeting_id>/<int:number>/", meeting_views.card, name="card"),
    path("meetings/<int:meeting_id>/minutes/", meeting_views.minutes, name="minutes"),
    path("meetings/<int:meeting_id>/minutes.csv", meeting_views.minutes_csv, name="minutes_csv"),
    path("meetings/<int:meeting_id>/apply/", meeting_views.apply_all, name="apply_all"),
    path("decisions/", outcome_views.decisions, name="decisions"),
    path("decisions/csv/", outcome_views.decisions_csv, name="decisions_csv"),
    re_path(r"^(?P<week>\d{4}-[Ww]\d{2})/$", views.dashboard, name="week"),
]
