"""The coordinator's pages about people, mounted at /r/<network>/gestion/."""

from django.urls import path

from members import views_manage as views

urlpatterns = [
    path("membres/", views.member_list, name="manage_members"),
    path("membres/<int:member_id>/", views.member_detail, name="manage_member"),
    path("membres/<int:member_id>/roles/", views.member_grant_role,
         name="manage_member_grant_role"),
    path("roles/<int:role_id>/retirer/", views.role_revoke, name="manage_role_revoke"),
    path("equipe/", views.staff_list, name="manage_staff"),
    path("organisations/", views.organisation_list, name="manage_organisations"),
]
