"""Kiosk pages: capability URLs (the token is the credential), no login."""

from django.urls import path

from access import views_kiosk

urlpatterns = [
    path("kiosque/<str:token>/", views_kiosk.kiosk, name="access_kiosk"),
]
