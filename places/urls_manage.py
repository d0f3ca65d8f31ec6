"""The coordinator's pages for sites and resources, mounted at /r/<network>/gestion/."""

from django.urls import path

from places import views_manage as views

urlpatterns = [
    path("", views.home, name="manage_home"),
    path("lieux/", views.site_list, name="manage_sites"),
    path("lieux/nouveau/", views.site_create, name="manage_site_create"),
    path("lieux/<int:site_id>/", views.site_edit, name="manage_site_edit"),
    path("lieux/<int:site_id>/ressources/", views.resource_list, name="manage_resources"),
    path("lieux/<int:site_id>/ressources/nouvelle/", views.resource_create,
         name="manage_resource_create"),
    path("ressources/<int:resource_id>/", views.resource_edit, name="manage_resource_edit"),
    path("ressources/<int:resource_id>/desactiver/", views.resource_set_active,
         {"active": False}, name="manage_resource_deactivate"),
    path("ressources/<int:resource_id>/reactiver/", views.resource_set_active,
         {"active": True}, name="manage_resource_reactivate"),
]
