"""Kiosk pages: capability URLs (the token is the credential), no login."""

urlpatterns = []
