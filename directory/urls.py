"""Public pages mounted at the site root."""

from django.urls import path

from directory import views

urlpatterns = [
    path("lieux/", views.search, name="directory_search"),
    path("lieux/communes.json", views.communes, name="directory_communes"),
    path("lieux/widget/", views.widget, name="directory_widget"),
    path("lieux/confirmation/<str:token>/", views.guest_confirm, name="directory_guest_confirm"),
    path("lieux/<slug:network_slug>/<slug:site_slug>/", views.place, name="directory_place"),
    path("donnees/lieux.geojson", views.places_geojson, name="directory_places_geojson"),
    path("donnees/lieux.csv", views.places_csv, name="directory_places_csv"),
]
