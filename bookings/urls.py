from django.urls import path

from bookings import views

urlpatterns = [
    path("reserver/<int:resource_id>/", views.book, name="book_resource"),
    path("mes-reservations/", views.my_bookings, name="my_bookings"),
    path("mes-reservations/agenda/nouvelle-adresse/", views.reset_calendar_token,
         name="reset_calendar_token"),
    path("reservations/<int:booking_id>/annuler/", views.cancel, name="cancel_booking"),
    path("reservations/<int:booking_id>.ics", views.booking_ics_view, name="booking_ics"),
]
