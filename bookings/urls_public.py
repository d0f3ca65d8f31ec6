from django.urls import path

from bookings import views

urlpatterns = [
    path("calendrier/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
