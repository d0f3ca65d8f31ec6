from django.urls import path

from members import views

urlpatterns = [
    path("rejoindre/", views.join, name="join_network"),
    path("profil/", views.profile, name="profile"),
]
