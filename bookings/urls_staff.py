"""The concierge's pages, mounted at /r/<network>/accueil/."""

from django.urls import path

from bookings import views_staff as views

urlpatterns = [
    path("", views.board, name="staff_board"),
    path("reserver/", views.book, name="staff_book"),
    path("reservations/<int:booking_id>/decision/", views.decide, name="staff_booking_decide"),
    path("reservations/<int:booking_id>/annuler/", views.cancel, name="staff_booking_cancel"),
    path("ressources/<int:resource_id>/blocages/", views.block, name="staff_block"),
    path("blocages/<int:block_id>/supprimer/", views.unblock, name="staff_unblock"),
    path("lieux/<slug:site_slug>/horaires/", views.site_hours, name="staff_site_hours"),
    path("exceptions/<int:exception_id>/supprimer/", views.remove_exception,
         name="staff_exception_remove"),
]
