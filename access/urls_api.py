"""Door controllers' API, mounted at /api/access/v1/."""

from django.urls import path

from access import api

urlpatterns = [
    path("decisions", api.decisions, name="access_api_decisions"),
    path("allow-list", api.allow_list, name="access_api_allow_list"),
    path("events", api.events, name="access_api_events"),
]
