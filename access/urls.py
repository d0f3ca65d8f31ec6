"""Network pages of the access app, mounted under /r/<network>/."""

from django.urls import path

from access import views, views_controllers, views_staff

urlpatterns = [
    path("acces/", views.my_access, name="access_mine"),
    path("acces/invitations/", views.my_invitations, name="access_invitations"),
    path("acces/invitations/<int:invitation_id>/annuler/", views.cancel_invitation,
         name="access_invitation_cancel"),
    path("acces/reservations/<int:booking_id>/", views.booking_pass,
         name="access_booking_pass"),
    path("acces/reservations/<int:booking_id>/code/", views.booking_code,
         name="access_booking_code"),
    path("accueil/presences/", views_staff.front_desk, name="access_front_desk"),
    path("accueil/presences/<int:booking_id>/pointer/", views_staff.check_in,
         name="access_check_in"),
    path("accueil/presences/lieux/<slug:site_slug>/depart/", views_staff.departure,
         name="access_departure"),
    path("accueil/presences/lieux/<slug:site_slug>/borne/", views_staff.kiosk_create,
         name="access_kiosk_create"),
    path("accueil/acces/membres/<int:member_id>/", views_staff.member_access,
         name="access_member"),
    path("accueil/acces/moyens/<int:credential_id>/desactiver/", views_staff.revoke,
         name="access_revoke"),
    path("gestion/portes/", views_controllers.controller_list, name="access_controllers"),
    path("gestion/portes/<int:controller_id>/desactiver/", views_controllers.disable,
         name="access_controller_disable"),
    path("accueil/frequentation/", views_staff.attendance_view, name="access_attendance"),
]
